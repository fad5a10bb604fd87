import { lookup as dnsLookup } from 'node:dns';
import { EventEmitter } from 'node:events';
import { isIP } from 'node:net';
import type { Connection } from '../core/connection.js';
import { Endpoint } from '../core/endpoint.js';
import type { SocketAddress } from '../core/socket-address.js';
import { ReasonCode } from '../core/wire/reason-codes.js';
import { generateKeyPair, type KeyPair } from '../crypto/x25519.js';
import { MptError, MptErrorCode } from '../errors.js';
import { EndpointDriver } from './driver.js';
import { DEFAULT_MAX_PATHS, pickTransport, resolvePathManager, withLoopbackDatagrams, type MptListenOptions, type MptServerOptions } from './options.js';
import { validateListenOptions, validateServerOptions } from './validate-options.js';
import { ADOPT, MptSocket, toMptError } from './socket.js';

/**
 * {@link MptServer}: accepts mpt connections on one UDP socket per listening
 * address, used like net.Server.
 * @module
 */

/** How long close() lets handshakes already under way complete, ms. */
const CLOSE_HANDSHAKE_GRACE_MS = 2_000;

/** What `server.address()` returns, as net.Server's. */
export interface MptAddressInfo {
  /** Bound IP address. */
  readonly address: string;
  /** 'IPv4' or 'IPv6'. */
  readonly family: string;
  /** Bound UDP port. */
  readonly port: number;
}

/** Events of {@link MptServer}. */
export interface MptServerEvents {
  /** The socket is bound. */
  listening: [];
  /** A client completed its handshake. */
  connection: [socket: MptSocket];
  /** Binding failed, or the last of the server's sockets failed (the server is closed). */
  error: [error: MptError];
  /**
   * One of several listening sockets failed and closed; the server keeps listening on the others.
   * Connections that used only that socket fail with the same error.
   */
  socketError: [error: MptError, address: MptAddressInfo];
  /** The server closed and every connection it accepted is gone. */
  close: [];
}

/**
 * An mpt server, used like net.Server: `listen()`, 'listening',
 * 'connection', 'error', 'close', `address()`, `close()`.
 */
export class MptServer extends EventEmitter<MptServerEvents> {
  /** The server's static public key (32 bytes): give it to clients to pin (`serverKey`). */
  readonly publicKey: Uint8Array;

  readonly #options: MptServerOptions;
  readonly #keyPair: KeyPair;
  #driver: EndpointDriver | undefined = undefined;
  #state: 'idle' | 'binding' | 'listening' | 'closing' | 'closed' = 'idle';
  #refed = true;
  readonly #sockets = new Set<MptSocket>();
  readonly #pending = new Set<MptSocket>();
  #closeWaiters: ((error?: Error) => void)[] = [];

  /** A server; see {@link createServer}. */
  constructor(options: MptServerOptions = {}, onConnection?: (socket: MptSocket) => void) {
    super();
    validateServerOptions(options);
    this.#options = options;
    this.#keyPair = options.keyPair ?? generateKeyPair();
    this.publicKey = this.#keyPair.publicKey;
    if (onConnection !== undefined) this.on('connection', onConnection);
  }

  /** Whether the server is accepting connections. */
  get listening(): boolean {
    return this.#state === 'listening';
  }

  /**
   * Binds the UDP socket(s) and starts accepting: `listen(port, host?, cb?)`
   * or `listen({ port, host, signal }, cb?)`, where `host` may be an array
   * of addresses: one socket each, on one port (see MptListenOptions.host).
   * Errors are 'error' events.
   */
  listen(port?: number, host?: string | readonly string[], callback?: () => void): this;
  listen(port: number, callback: () => void): this;
  listen(options: MptListenOptions, callback?: () => void): this;
  listen(callback?: () => void): this;
  listen(a?: number | MptListenOptions | (() => void), b?: string | readonly string[] | (() => void), c?: () => void): this {
    let options: MptListenOptions;
    let callback: (() => void) | undefined;
    if (typeof a === 'function') {
      options = {};
      callback = a;
    } else if (typeof a === 'object') {
      options = a;
      callback = typeof b === 'function' ? b : undefined;
    } else {
      options = { port: a, host: typeof b === 'function' ? undefined : b };
      callback = typeof b === 'function' ? b : c;
    }
    validateListenOptions(options);
    if (this.#state !== 'idle') throw new MptError(MptErrorCode.InvalidState, 'the server is already listening');
    if (callback !== undefined) this.once('listening', callback);
    const signal = options.signal;
    if (signal?.aborted === true) {
      this.#state = 'closed';
      process.nextTick(() => this.emit('close'));
      return this;
    }
    if (signal !== undefined) {
      const onAbort = (): void => void this.close();
      signal.addEventListener('abort', onAbort, { once: true });
      this.once('close', () => signal.removeEventListener('abort', onAbort));
    }
    this.#state = 'binding';
    this.#bind(options).catch((error: unknown) => {
      this.#state = 'closed';
      this.emit('error', toMptError(error));
    });
    return this;
  }

  async #bind(options: MptListenOptions): Promise<void> {
    const port = options.port ?? 0;
    if (!Number.isInteger(port) || port < 0 || port > 65_535) {
      throw new MptError(MptErrorCode.InvalidConfig, `port must be an integer from 0 to 65535, got ${String(port)}`);
    }
    const o = this.#options;
    const addresses = options.host === undefined ? undefined : await resolveListenHosts(options.host);
    const endpoint = Endpoint.create({
      // Bound to loopback only: every peer is local, so 64 KiB datagrams are safe.
      transport: addresses === undefined ? pickTransport(o) : withLoopbackDatagrams(pickTransport(o), addresses),
      provider: o.provider,
      server: {
        staticKeyPair: this.#keyPair,
        psk: o.psk,
        verifyClientKey: o.verifyClientKey,
        acceptEarlyData: o.acceptEarlyData,
        retry: o.retry,
        maxConnections: o.maxConnections,
        pathManager: resolvePathManager(o.pathManager, o.maxPaths ?? DEFAULT_MAX_PATHS),
      },
    });
    if (endpoint.isErr()) throw endpoint.error;
    let driver: EndpointDriver;
    if (addresses === undefined) {
      // As net: dual stack where IPv6 exists, IPv4 otherwise.
      driver = await EndpointDriver.bind(endpoint.value, { type: 'udp6', host: '::', port }).catch(() =>
        EndpointDriver.bind(endpoint.value, { type: 'udp4', host: '0.0.0.0', port }),
      );
    } else {
      const bindings = addresses.map((host) => ({ type: isIP(host) === 6 ? ('udp6' as const) : ('udp4' as const), host, port }));
      driver = await EndpointDriver.bind(endpoint.value, bindings, { sharePort: true });
    }
    if (this.#state !== 'binding') {
      // close() was called while binding.
      driver.destroy();
      return;
    }
    this.#driver = driver;
    this.#state = 'listening';
    // Every listening address, for the path manager (fullmesh advertises those a client did not reach).
    endpoint.value.setServerLocalAddresses(driver.addresses());
    driver.setRef(this.#refed);
    driver.onConnection = (connection, local) => this.#accept(driver, connection, local);
    driver.onSocketError = (error, local, remaining) => this.#onSocketError(error, local, remaining);
    driver.onClosed = () => this.#onDriverClosed();
    this.emit('listening');
  }

  #accept(driver: EndpointDriver, connection: Connection, local: SocketAddress): void {
    if (this.#state !== 'listening') {
      connection.close(driver.now(), ReasonCode.ConnectionRefused, 0, 'the server is closing');
      return;
    }
    const socket = new MptSocket({ allowHalfOpen: this.#options.allowHalfOpen });
    // Until the application has the socket, a failed handshake must not become an unhandled 'error'.
    const swallow = (): void => {};
    socket.on('error', swallow);
    this.#pending.add(socket);
    socket[ADOPT](
      driver,
      connection,
      local,
      (s) => {
        this.#pending.delete(s);
        s.removeListener('error', swallow);
        this.#sockets.add(s);
        this.emit('connection', s);
      },
      () => {
        this.#pending.delete(socket);
        this.#sockets.delete(socket);
        this.#maybeFinishClose();
      },
    );
  }

  /** The (first) bound address, as net.Server#address(), or null before 'listening'. */
  address(): MptAddressInfo | null {
    return this.addresses()[0] ?? null;
  }

  /**
   * Every bound address, one per UDP socket still open, in the order given
   * to listen(); empty before 'listening' and after close.
   */
  addresses(): MptAddressInfo[] {
    const driver = this.#driver;
    if (driver === undefined || this.#state === 'closed') return [];
    return driver.addresses().map(addressInfo);
  }

  /**
   * Stops accepting connections. As net.Server, connections already
   * accepted carry on, and handshakes already under way get 2 s to
   * complete; 'close' (and `callback`) follow once they are all gone. New
   * clients are refused.
   */
  close(callback?: (error?: Error) => void): this {
    if (this.#state === 'closed' || this.#state === 'idle') {
      if (callback !== undefined) process.nextTick(callback, new MptError(MptErrorCode.InvalidState, 'the server is not running'));
      return this;
    }
    if (callback !== undefined) this.#closeWaiters.push(callback);
    if (this.#state === 'closing') return this;
    const wasBinding = this.#state === 'binding';
    this.#state = 'closing';
    // As net's listening handle closes at once: from now on only the accepted sockets that are active
    // (reading, writing) keep the process alive.
    this.#driver?.setRef(false);
    if (wasBinding) {
      this.#finishClose();
      return this;
    }
    // Handshakes already under way may complete and are handed over; only new clients are refused.
    // One that has not completed within the grace period (its client vanished or rejected us) is dropped.
    if (this.#pending.size > 0) {
      setTimeout(() => {
        for (const socket of [...this.#pending]) socket.destroy();
      }, CLOSE_HANDSHAKE_GRACE_MS).unref();
    }
    this.#maybeFinishClose();
    return this;
  }

  /** The number of connections accepted and still open, as net.Server#getConnections. */
  getConnections(callback: (error: Error | null, count: number) => void): this {
    process.nextTick(callback, null, this.#sockets.size);
    return this;
  }

  /** Lets the process exit while the server listens. */
  unref(): this {
    this.#refed = false;
    this.#driver?.setRef(false);
    return this;
  }

  /** Undoes {@link MptServer.unref}. */
  ref(): this {
    this.#refed = true;
    if (this.#state === 'listening') this.#driver?.setRef(true);
    return this;
  }

  #maybeFinishClose(): void {
    if (this.#state !== 'closing' || this.#sockets.size > 0 || this.#pending.size > 0) return;
    const driver = this.#driver;
    if (driver === undefined) return this.#finishClose();
    // The last CLOSE frames still go out (the socket lingers, unref'd, until its connections are closed).
    driver.onClosed = undefined;
    driver.closeWhenIdle();
    this.#finishClose();
  }

  #onDriverClosed(): void {
    if (this.#state === 'closed') return;
    this.#finishClose();
  }

  #finishClose(): void {
    this.#state = 'closed';
    const waiters = this.#closeWaiters;
    this.#closeWaiters = [];
    process.nextTick(() => {
      for (const w of waiters) w();
      this.emit('close');
    });
  }

  #onSocketError(error: MptError, local: SocketAddress, remaining: number): void {
    if (remaining > 0) {
      // The driver already failed the connections that depended on that socket alone. New connections'
      // path managers no longer see the address.
      this.#driver?.endpoint.setServerLocalAddresses(this.#driver.addresses());
      this.emit('socketError', error, addressInfo(local));
      return;
    }
    for (const socket of [...this.#sockets, ...this.#pending]) socket.destroy(error);
    this.#state = 'closed';
    this.emit('error', error);
    this.#finishClose();
  }
}

/** A new {@link MptServer}; `onConnection` becomes a 'connection' listener. Bad options throw ERR_MPT_INVALID_CONFIG at once. */
export function createServer(options?: MptServerOptions, onConnection?: (socket: MptSocket) => void): MptServer;
export function createServer(onConnection?: (socket: MptSocket) => void): MptServer;
export function createServer(a?: MptServerOptions | ((socket: MptSocket) => void), b?: (socket: MptSocket) => void): MptServer {
  if (typeof a === 'function') return new MptServer({}, a);
  return new MptServer(a ?? {}, b);
}

function addressInfo(local: SocketAddress): MptAddressInfo {
  return { address: local.host, family: isIP(local.host) === 6 ? 'IPv6' : 'IPv4', port: local.port };
}

/** The addresses to listen on: each host resolved, duplicates dropped; a wildcard only alone. */
async function resolveListenHosts(host: string | readonly string[]): Promise<string[]> {
  const hosts: readonly string[] = typeof host === 'string' ? [host] : host;
  if (hosts.length === 0) throw new MptError(MptErrorCode.InvalidConfig, 'listen() was given an empty list of hosts');
  const addresses = [...new Set(await Promise.all(hosts.map(resolveListenHost)))];
  if (addresses.length > 1 && addresses.some((a) => a === '::' || a === '0.0.0.0')) {
    throw new MptError(
      MptErrorCode.InvalidConfig,
      `a wildcard address cannot be combined with others (a wildcard socket cannot tell which address a datagram came to): ${addresses.join(', ')}`,
    );
  }
  return addresses;
}

function resolveListenHost(host: string): Promise<string> {
  if (isIP(host) !== 0) return Promise.resolve(host);
  return new Promise((resolve, reject) => {
    dnsLookup(host, (error, address) => {
      if (error !== null) reject(new MptError(MptErrorCode.DnsLookupFailed, `cannot resolve ${host}: ${error.code ?? error.message}`, { cause: error }));
      else resolve(address);
    });
  });
}
