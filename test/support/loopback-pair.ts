// A connected mpt client and server socket on 127.0.0.1, for tests of code that runs on a socket.
import { connect, createServer, type MptServer, type MptServerOptions, type MptSocket } from '../../src/index.js';

/** A client socket connected to a server's accepted socket. */
export interface LoopbackPair {
  readonly client: MptSocket;
  readonly server: MptSocket;
  /** Destroys both and closes the server (not waiting for it). */
  close(): void;
}

/** Opens one connection over loopback; the server's socket is made with `serverOptions` (allowHalfOpen...). */
export async function loopbackPair(serverOptions: MptServerOptions = {}): Promise<LoopbackPair> {
  let listener: MptServer | undefined;
  const accepted = new Promise<MptSocket>((resolve) => {
    listener = createServer(serverOptions, resolve);
  });
  const srv = listener!;
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', () => resolve()));
  const client = connect({ host: '127.0.0.1', port: srv.address()!.port, maxPaths: 1, allowHalfOpen: true });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  const server = await accepted;
  return {
    client,
    server,
    close: () => {
      client.destroy();
      server.destroy();
      srv.close();
    },
  };
}
