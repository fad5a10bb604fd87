import { finished, type Duplex } from 'node:stream';
import { MptError, MptErrorCode } from '../errors.js';

/**
 * `await using socket = connect(...)`, as net.Socket's `Symbol.asyncDispose`: destroys `socket`, with
 * an ABORT_ERR AbortError unless its end was read, and resolves once it is closed (rejects if it failed
 * with another error). `closeEmitted`: 'close' already came.
 */
export async function disposeSocket(socket: Duplex, closeEmitted: boolean): Promise<void> {
  let error: Error | null = null;
  if (!socket.destroyed) {
    error = socket.readableEnded ? null : new MptError(MptErrorCode.Aborted, 'The operation was aborted');
    socket.destroy(error ?? undefined);
  }
  // As net's (node:stream's): finished() listens in this very tick, so the abort's 'error' is handled;
  // and 'close' comes on a later turn than the destroy (as net's): settle once it came.
  const settled = new Promise<void>((resolve, reject) => {
    finished(socket, (err) => (err !== null && err !== undefined && err !== error ? reject(err) : resolve()));
  });
  const closed = closeEmitted ? undefined : new Promise((resolve) => socket.once('close', resolve));
  try {
    await settled;
  } finally {
    await closed;
  }
}
