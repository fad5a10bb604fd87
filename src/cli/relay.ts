import type { MptSocket } from '../node/socket.js';
import { CliError } from './args.js';

/**
 * The data pump of `mpt connect`: a connected socket joined to an input and an output stream (stdin
 * and stdout), binary-safe, with back-pressure both ways.
 * @module
 */

/**
 * Joins `socket` to `input` and `output` until both directions are done: the end of `input` ends
 * our direction; the peer's end ends it too (what `input` has not yet given is not sent), and once the
 * connection closed and `output` took every byte, resolves. Rejects with the socket's error, or
 * ERR_MPT_CLI_OUTPUT when `output` fails (EPIPE: whoever read it went away).
 */
export function relay(socket: MptSocket, input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    let failed = false;
    const fail = (error: unknown): void => {
      if (failed) return;
      failed = true;
      input.pause();
      socket.destroy();
      reject(error);
    };
    const onInput = (chunk: Buffer): void => {
      if (!socket.write(chunk)) input.pause();
    };
    input.on('data', onInput);
    input.on('end', () => socket.end());
    input.on('error', (error) => fail(new CliError('ERR_MPT_CLI_INPUT', `reading stdin: ${(error as Error).message}`)));
    socket.on('drain', () => input.resume());
    socket.on('data', (chunk: Buffer) => {
      if (!output.write(chunk)) {
        socket.pause();
        output.once('drain', () => socket.resume());
      }
    });
    output.on('error', (error) => fail(new CliError('ERR_MPT_CLI_OUTPUT', `writing stdout: ${(error as Error).message}`)));
    socket.on('end', () => {
      // The server is done: stop reading stdin (which may never end: a terminal) and end our direction.
      input.off('data', onInput);
      input.pause();
      socket.end();
    });
    socket.on('error', fail);
    socket.on('close', () => {
      if (failed) return;
      // Every byte written to stdout is out of this process's hands once this callback runs.
      output.write('', () => resolve());
    });
    input.resume();
  });
}
