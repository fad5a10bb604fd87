/**
 * A userspace TCP relay that delays every chunk by a fixed one-way delay in each direction: the
 * baseline a benchmark compares a tunnel over an emulated path with (`bench/proxy-ttfb.ts`). A client
 * connects to the relay, which connects on to the back address at once; each chunk read from either
 * side is written to the other `delayMs` later, in order, and an end (FIN) follows its data after the
 * same delay.
 *
 * What it does not emulate: the TCP handshakes are local (the client's to the relay and the relay's to
 * the back address), so a connection costs no round trip of the path, only its data does; and there is
 * no rate limit, loss or per-packet pacing. A baseline through it is generous to TCP: a real path would
 * add one RTT for the TCP handshake.
 * @module
 */
import { once } from 'node:events';
import { createServer, connect, type Server, type Socket } from 'node:net';

/** Settings of {@link createTcpDelayRelay}. */
export interface TcpDelayRelayOptions {
  /** Where the relay connects each client on to. */
  readonly backHost: string;
  readonly backPort: number;
  /** Delay added to every chunk, each direction, ms. */
  readonly delayMs: number;
  /** The relay's listening address; default 127.0.0.1. */
  readonly host?: string;
}

/** A running relay. */
export interface TcpDelayRelay {
  /** The port clients connect to (on `host`). */
  readonly port: number;
  /** Stops listening and destroys every relayed connection. */
  close(): Promise<void>;
}

/** Forwards `from`'s chunks and end to `to`, each `delayMs` late (timers of equal delay fire in order). */
function forwardDelayed(from: Socket, to: Socket, delayMs: number): void {
  from.on('data', (chunk: Buffer) => {
    setTimeout(() => {
      if (!to.destroyed) to.write(chunk);
    }, delayMs);
  });
  from.on('end', () => {
    setTimeout(() => {
      if (!to.destroyed) to.end();
    }, delayMs);
  });
}

/** Starts a relay listening on `host` (127.0.0.1) at an ephemeral port. */
export async function createTcpDelayRelay(options: TcpDelayRelayOptions): Promise<TcpDelayRelay> {
  const open = new Set<Socket>();
  const server: Server = createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
    const back = connect({ host: options.backHost, port: options.backPort, allowHalfOpen: true, noDelay: true });
    for (const s of [client, back]) {
      open.add(s);
      s.on('close', () => open.delete(s));
    }
    // Either side failing ends the pair.
    client.on('error', () => back.destroy());
    back.on('error', () => client.destroy());
    client.on('close', () => setTimeout(() => back.destroy(), options.delayMs));
    back.on('close', () => setTimeout(() => client.destroy(), options.delayMs));
    forwardDelayed(client, back, options.delayMs);
    forwardDelayed(back, client, options.delayMs);
  });
  server.listen(0, options.host ?? '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  return {
    port,
    close: async () => {
      for (const s of open) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
