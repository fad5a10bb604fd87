/**
 * The soak's server, replaced now and then: a new one starts, the old one is closed (server.close())
 * while its connections carry on, and its 'close' is awaited. Only this object holds the servers and
 * the serving one's driver, so that the soak's own frames never keep a closed one alive.
 * @module
 */
import type { EndpointDriver } from '../../../src/node/driver.js';
import { createServer, type MptServer, type MptSocket } from '../../../src/index.js';
import { waitFor } from './connection-run.js';

/** The server's per-connection tables, engine and driver (EndpointDriver.tableSizes). */
export type TableSizes = ReturnType<EndpointDriver['tableSizes']>;

/** The servers of a soak. */
export class SoakServers {
  readonly #onConnection: (socket: MptSocket) => void;
  readonly #fail: (message: string) => void;
  readonly #takeDriver: () => EndpointDriver | undefined;
  readonly #idleTimeoutMs: number;
  readonly #dialling: (port: number) => number;
  #current: { readonly server: MptServer; readonly driver: EndpointDriver } | undefined = undefined;
  readonly #closing = new Set<MptServer>();
  /** Servers closed so far. */
  closed = 0;

  /**
   * `takeDriver` returns the driver the last server.listen() bound (the soak watches EndpointDriver.bindSync):
   * the server's, whose tables are sampled.
   */
  constructor(options: {
    readonly onConnection: (socket: MptSocket) => void;
    readonly fail: (message: string) => void;
    readonly takeDriver: () => EndpointDriver | undefined;
    readonly idleTimeoutMs: number;
    /** Clients in their handshake with the server on `port`. */
    readonly dialling: (port: number) => number;
  }) {
    this.#dialling = options.dialling;
    this.#onConnection = options.onConnection;
    this.#fail = options.fail;
    this.#takeDriver = options.takeDriver;
    this.#idleTimeoutMs = options.idleTimeoutMs;
  }

  /** The serving server's port (0 before the first start). */
  get port(): number {
    const address = this.#current?.server.address();
    return address !== null && address !== undefined && typeof address === 'object' && 'port' in address ? address.port : 0;
  }

  /** Servers closed but not yet 'close'd (waiting for their connections). */
  get closing(): number {
    return this.#closing.size;
  }

  /**
   * Starts a server on 127.0.0.1 and 127.0.0.4 (allowHalfOpen), and closes the one serving before once
   * no client is in its handshake with it (a closing server drops new handshakes: those clients would
   * fail to connect, as node:net's get ECONNREFUSED).
   */
  async replace(): Promise<void> {
    const next = createServer({ allowHalfOpen: true, idleTimeoutMs: this.#idleTimeoutMs }, this.#onConnection);
    next.on('error', (error: Error) => this.#fail(`server error: ${error.message}`));
    this.#takeDriver();
    next.listen({ port: 0, host: ['127.0.0.1', '127.0.0.4'] });
    const driver = this.#takeDriver();
    if (driver === undefined) throw new Error('the server bound no driver synchronously');
    await new Promise<void>((resolve) => next.once('listening', () => resolve()));
    const oldPort = this.port;
    const old = this.#current;
    this.#current = { server: next, driver };
    if (old === undefined) return;
    if (!(await waitFor(() => this.#dialling(oldPort) === 0, 30_000))) this.#fail(`clients still connecting to the old server 30 s after it was replaced`);
    this.#close(old.server);
  }

  /** Closes the serving server (its connections carry on); nothing serves until the next replace(). */
  closeCurrent(): void {
    const old = this.#current?.server;
    this.#current = undefined;
    if (old !== undefined) this.#close(old);
  }

  #close(old: MptServer): void {
    this.#closing.add(old);
    old.close(() => {
      this.#closing.delete(old);
      this.closed++;
    });
  }

  /** The serving server's tables. */
  tables(): TableSizes {
    const driver = this.#current?.driver;
    if (driver === undefined) throw new Error('no server serves');
    return driver.tableSizes();
  }

  /** The serving server's getConnections(). */
  connections(): Promise<number> {
    const server = this.#current?.server;
    if (server === undefined) return Promise.resolve(0);
    return new Promise((resolve) => server.getConnections((_error, n) => resolve(n)));
  }
}
