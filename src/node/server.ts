import type { MptAddressInfo } from './address-info.js';
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
import { checkListenOptions, normalizeArgs, type CheckedListenOptions } from './net-args.js';
import { serverAlreadyListenError, serverNotRunningError } from './net-errors.js';
import { ADOPT, MptSocket, SET_SERVER } from './socket.js';
import { toMptError } from './socket-errors.js';

/**
 * {@link MptServer}: accepts mpt connections on one UDP socket per listening
 * address, used like net.Server.
 * @module
 */

/** How long close() lets handshakes already under way complete, ms. */
const CLOSE_HANDSHAKE_GRACE_MS = 2_000;

export type { MptAddressInfo };

declare module './address-info.js' {
  // A socket's `server` is the MptServer that accepted it, with all its members.
  interface MptSocketServer extends MptServer {}
}

/** Events of {@link MptServer}. */
export interface MptServerEvents {
  /** The socket is bound. */
  listening: [];
  /** A client completed its handshake. */
  connection: [socket: MptSocket];
  /** Binding failed, or the last of the server's sockets failed (the server is closed). */
  error: [error: Error];
  /**
   * One of several listening sockets failed and closed; the server keeps listening on the others.
   * Connections that used only that socket fail with the same error.
   */
  socketError: [error: MptError, address: MptAddressInfo];
  /** The server closed and every connection it accepted is gone. */
  close: [];
  /** A connection was closed because `maxConnections` were open (as net.Server's 'drop'). */
  drop: [data: MptDropArgument];
}

/** The argument of an {@link MptServer} 'drop' event, as net.Server's. */
export interface MptDropArgument {
  /** The server address the client reached. */
  readonly localAddress: string | undefined;
  /** Its port. */
  readonly localPort: number | undefined;
  /** 'IPv4' or 'IPv6'. */
  readonly localFamily: string | undefined;
  /** The client's address. */
  readonly remoteAddress: string | undefined;
  /** The client's port. */
  readonly remotePort: number | undefined;
  /** 'IPv4' or 'IPv6'. */
  readonly remoteFamily: string | undefined;
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
  /** Which listen() call is current: a close() or a new listen() makes the earlier one's late steps no-ops. */
  #listenId = 0;
  readonly #sockets = new Set<MptSocket>();
  readonly #pending = new Set<MptSocket>();

  /**
   * As net.Server's: when set, a connection that completes its handshake while this many accepted
   * connections are open is closed at once (gracefully, as `destroy()`: the client sees 'connect', then 'end') and a 'drop' event
   * describes it; 0 or undefined means no limit, as net. Its initial value is the `maxConnections`
   * option (undefined without it; the engine's own limit, the option or 10 000, still drops handshakes
   * beyond it).
   */
  maxConnections: number | undefined;

  /** A server; see {@link createServer}. */
  constructor(options?: MptServerOptions, onConnection?: (socket: MptSocket) => void);
  constructor(onConnection?: (socket: MptSocket) => void);
  constructor(a: MptServerOptions | ((socket: MptSocket) => void) = {}, b?: (socket: MptSocket) => void) {
    super();
    // As net.Server: `new Server(connectionListener)` too.
    const options: MptServerOptions = typeof a === 'function' ? {} : (a ?? {});
    const onConnection = typeof a === 'function' ? a : b;
    validateServerOptions(options);
    this.#options = options;
    this.#keyPair = options.keyPair ?? generateKeyPair();
    this.publicKey = this.#keyPair.publicKey;
    this.maxConnections = options.maxConnections;
    if (onConnection !== undefined) this.on('connection', onConnection);
  }

  /** Whether the server is accepting connections. */
  get listening(): boolean {
    return this.#state === 'listening';
  }

  /**
   * Binds the UDP socket(s) and starts accepting, in node:net's forms: `listen(port[, host][, backlog][, cb])`,
   * `listen({ port, host, backlog, exclusive, ipv6Only, signal }[, cb])`, `listen([cb])`, where `host` may
   * be an array of addresses: one socket each, on one port (see MptListenOptions.host). Throws as net:
   * ERR_SERVER_ALREADY_LISTEN when listening (or binding) already, ERR_SOCKET_BAD_PORT for a port outside
   * 0..65535, ERR_INVALID_ARG_VALUE for options with neither `port` nor `path`, ERR_INVALID_ARG_TYPE for
   * a host that is not a string; a `path` (IPC) throws ERR_MPT_INVALID_CONFIG. With no host, or IP
   * literals, the sockets are bound when this returns (`address()` answers at once, as net's after
   * `listen(port)`); a host name is resolved first. 'listening' always comes on a later tick; a failed
   * bind is an 'error' event.
   */
  listen(port?: number | string | null, host?: string | readonly string[], backlog?: number, callback?: () => void): this;
  listen(port?: number | string | null, host?: string | readonly string[], callback?: () => void): this;
  listen(port?: number | string | null, backlog?: number, callback?: () => void): this;
  listen(port?: number | string | null, callback?: () => void): this;
  listen(options: MptListenOptions, callback?: () => void): this;
  listen(callback?: () => void): this;
  listen(...args: unknown[]): this {
    if (this.#state === 'binding' || this.#state === 'listening') throw serverAlreadyListenError();
    if (this.#state === 'closing') throw new MptError(MptErrorCode.InvalidState, 'the server is still closing: listen again after its close event');
    const [raw, callback] = normalizeArgs(args);
    // node:net's own checks first (its errors, as net's listen() throws them), then the keys mpt knows.
    const options = checkListenOptions(args, raw);
    validateListenOptions(raw as MptListenOptions);
    if (callback !== undefined) this.once('listening', callback as () => void);
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
    const listenId = ++this.#listenId;
    const hosts = options.host === undefined ? undefined : typeof options.host === 'string' ? [options.host] : options.host;
    if (hosts === undefined || hosts.every((h) => isIP(h) !== 0)) {
      try {
        this.#bindNow(options, hosts, listenId);
      } catch (error) {
        this.#failListen(error, listenId);
      }
    } else {
      resolveListenHosts(hosts)
        .then((addresses) => {
          if (this.#state === 'binding' && this.#listenId === listenId) this.#bindNow(options, addresses, listenId);
        })
        .catch((error: unknown) => this.#failListen(error, listenId));
    }
    return this;
  }

  /** A failed listen: the server is closed, and 'error' follows on the next tick (outside any promise). */
  #failListen(error: unknown, listenId: number): void {
    if (this.#state !== 'binding' || this.#listenId !== listenId) return;
    this.#state = 'closed';
    process.nextTick(() => this.emit('error', toMptError(error)));
  }

  /** Binds the sockets on IP literals (or the wildcard) at once and starts accepting; throws on failure. */
  #bindNow(options: CheckedListenOptions, hosts: readonly string[] | undefined, listenId: number): void {
    const port = options.port;
    const o = this.#options;
    const addresses = hosts === undefined ? undefined : checkListenAddresses(hosts);
    const endpoint = Endpoint.create({
      // Bound to loopback only: every peer is local, so 64 KiB datagrams are safe.
      transport: addresses === undefined ? pickTransport(o) : withLoopbackDatagrams(pickTransport(o), addresses),
      provider: o.provider,
      server: {
        staticKeyPair: this.#keyPair,
        psk: o.psk,
        verifyClientKey: o.verifyClientKey,
        acceptEarlyData: o.acceptEarlyData,
        // Under load by default: a flood of Initials from addresses that cannot answer a Retry holds no state.
        retry: o.retry ?? 'auto',
        maxConnections: o.maxConnections,
        pathManager: resolvePathManager(o.pathManager, o.maxPaths ?? DEFAULT_MAX_PATHS),
      },
    });
    if (endpoint.isErr()) throw endpoint.error;
    let driver: EndpointDriver;
    if (addresses === undefined) {
      // As net: dual stack where IPv6 exists, IPv4 otherwise.
      try {
        driver = EndpointDriver.bindSync(endpoint.value, { type: 'udp6', host: '::', port, ipv6Only: options.ipv6Only });
      } catch {
        driver = EndpointDriver.bindSync(endpoint.value, { type: 'udp4', host: '0.0.0.0', port });
      }
    } else {
      const bindings = addresses.map((host) =>
        isIP(host) === 6 ? { type: 'udp6' as const, host, port, ipv6Only: options.ipv6Only } : { type: 'udp4' as const, host, port },
      );
      driver = EndpointDriver.bindSync(endpoint.value, bindings, { sharePort: true });
    }
    this.#driver = driver;
    this.#state = 'listening';
    // Every listening address, for the path manager (fullmesh advertises those a client did not reach).
    endpoint.value.setServerLocalAddresses(driver.addresses());
    driver.setRef(this.#refed);
    driver.onConnection = (connection, local) => this.#accept(driver, connection, local);
    driver.onSocketError = (error, local, remaining) => this.#onSocketError(error, local, remaining);
    driver.onClosed = () => this.#onDriverClosed();
    // As net: 'listening' on the next tick, outside any promise (a listener that throws is an uncaught
    // exception, not an 'error' event), and not at all if close() came first.
    process.nextTick(() => {
      if (this.#state === 'listening' && this.#listenId === listenId) this.emit('listening');
    });
  }

  #accept(driver: EndpointDriver, connection: Connection, local: SocketAddress): void {
    if (this.#state !== 'listening') {
      connection.close(driver.now(), ReasonCode.ConnectionRefused, 0, 'the server is closing');
      return;
    }
    const o = this.#options;
    const socket = new MptSocket({ allowHalfOpen: o.allowHalfOpen, noDelay: o.noDelay, keepAlive: o.keepAlive, keepAliveInitialDelay: o.keepAliveInitialDelay, highWaterMark: o.highWaterMark });
    socket[SET_SERVER](this);
    // As net's pauseOnConnect: no data flows until the application resumes the socket.
    if (o.pauseOnConnect === true) socket.pause();
    // Until the application has the socket, a failed handshake must not become an unhandled 'error'.
    const swallow = (): void => {};
    socket.on('error', swallow);
    this.#pending.add(socket);
    socket[ADOPT](driver, connection, local, {
      onConnection: (s) => {
        this.#pending.delete(s);
        s.removeListener('error', swallow);
        const max = this.maxConnections;
        // As net: 0 (or unset) is no limit.
        if (max !== undefined && max !== null && max > 0 && this.#sockets.size >= max) {
          // As net: over maxConnections the connection is closed at once, and 'drop' tells what was dropped.
          this.emit('drop', {
            localAddress: s.localAddress,
            localPort: s.localPort,
            localFamily: s.localFamily,
            remoteAddress: s.remoteAddress,
            remotePort: s.remotePort,
            remoteFamily: s.remoteFamily,
          });
          s.on('error', swallow);
          s.destroy();
          return;
        }
        this.#sockets.add(s);
        this.emit('connection', s);
      },
      onRelease: () => {
        this.#pending.delete(socket);
        this.#sockets.delete(socket);
        this.#maybeFinishClose();
      },
      acceptEarlyData: o.acceptEarlyData === true,
    });
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
      // As net: 'close' is emitted all the same, and the callback, a 'close' listener, gets ERR_SERVER_NOT_RUNNING.
      if (callback !== undefined) this.once('close', () => callback(serverNotRunningError()));
      process.nextTick(() => this.emit('close'));
      return this;
    }
    if (this.#state === 'closing') {
      // As net: closing already, so this call finds the server not running.
      if (callback !== undefined) this.once('close', () => callback(serverNotRunningError()));
      return this;
    }
    // As net: the callback is a 'close' listener, called in its turn among the others.
    if (callback !== undefined) this.once('close', () => callback());
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

  /**
   * As net.Server's `Symbol.asyncDispose`: closes the server and resolves on 'close' (rejects with
   * close()'s error); resolves at once, closing nothing, when the server does not listen.
   */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#state === 'idle' || this.#state === 'closed') return;
    await new Promise<void>((resolve, reject) => this.close((error) => (error === undefined ? resolve() : reject(error))));
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
    // 'close' now, as net's once its connections are gone. The UDP sockets stay (unref'd) for the last
    // CLOSE frames and for connections destroyed gracefully (Linger), which stop waiting for their peers'
    // ends and close once what they were sending is delivered: the port is free again a few round
    // trips later (net's is free at once; its kernel delivers on a port of its own).
    driver.onClosed = undefined;
    driver.releaseOwners();
    driver.closeWhenIdle();
    this.#finishClose();
  }

  #onDriverClosed(): void {
    if (this.#state === 'closed') return;
    this.#finishClose();
  }

  #finishClose(): void {
    this.#state = 'closed';
    process.nextTick(() => this.emit('close'));
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
async function resolveListenHosts(hosts: readonly string[]): Promise<string[]> {
  return checkListenAddresses(await Promise.all(hosts.map(resolveListenHost)));
}

/** The addresses to listen on, duplicates dropped; throws for none, or a wildcard with others. */
function checkListenAddresses(hosts: readonly string[]): string[] {
  if (hosts.length === 0) throw new MptError(MptErrorCode.InvalidConfig, 'listen() was given an empty list of hosts');
  const addresses = [...new Set(hosts)];
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
