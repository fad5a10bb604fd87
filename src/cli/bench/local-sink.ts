/**
 * The local bench's receiver: an mpt server in this process, on loopback, that reads and discards
 * what its first client sends and counts it.
 * @module
 */
import { createServer, type MptServer, type MptSocket } from '../../index.js';
import type { Delivery } from './delivery.js';

/** A running in-process sink. */
export interface LocalSink extends Delivery {
  /** The server, listening on 127.0.0.1. */
  readonly server: MptServer;
  /** Its UDP port. */
  readonly port: number;
  /** Aborts the accepted connection (its data is all in by then, or no longer wanted) and closes the server. */
  close(): Promise<void>;
}

/**
 * Starts a sink server on 127.0.0.1 (any port) accepting up to `maxPaths` paths per connection and
 * sending datagrams of up to `maxDatagramSizeBytes`.
 */
export async function startLocalSink(maxPaths: number, maxDatagramSizeBytes: number): Promise<LocalSink> {
  let delivered = 0;
  const accepted: MptSocket[] = [];
  const server = createServer({ maxPaths, maxDatagramSizeBytes });
  let markComplete: (atMs: number) => void = () => undefined;
  const complete = new Promise<number>((resolve) => {
    markComplete = resolve;
  });
  server.on('connection', (socket) => {
    accepted.push(socket);
    // Only the bench's own connection counts; nothing else should reach a port nobody was told of.
    if (accepted.length > 1) {
      socket.destroy();
      return;
    }
    socket.on('data', (chunk: Buffer) => {
      delivered += chunk.length;
    });
    socket.on('end', () => markComplete(performance.now()));
    // The client's errors are the bench's to report; the sink only must not crash on them.
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', () => undefined);
  const port = server.address()?.port ?? 0;
  let closing: Promise<void> | undefined;
  return {
    server,
    port,
    deliveredBytes: () => delivered,
    complete,
    close: () => {
      if (closing !== undefined) return closing;
      // An abort rather than a graceful close: a closed connection would otherwise linger, waiting for
      // an acknowledgement the client (gone, or behind a closed emulator) never sends.
      for (const socket of accepted) socket.resetAndDestroy();
      closing = new Promise<void>((resolve) => server.close(() => resolve()));
      return closing;
    },
  };
}
