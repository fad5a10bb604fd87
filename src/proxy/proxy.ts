import { EventEmitter } from 'node:events';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import { generateKeyPair, type KeyPair } from '../crypto/x25519.js';
import { describe, invalidConfig } from '../option-check.js';
import type { ProxyDestination } from './destination.js';
import { ProxyConnection } from './proxy-connection.js';
import { validateProxyOptions, type ProxyOptions } from './proxy-options.js';
import type { MptProxyTunnelEvent } from './proxy-tunnel-event.js';
import type { InterfaceMonitor } from '../node/interface-monitor.js';
import { sharedMonitorOptions, startSharedMonitor } from './shared-interface-monitor.js';
import { ConverterKeyMismatchError } from './converter-key-errors.js';
import { openTunnel, type TunnelOptions } from './tunnel.js';
import type { MptSocket } from '../node/socket.js';

/**
 * {@link MptProxy}: a local SOCKS5 and HTTP CONNECT proxy that carries each TCP connection it accepts
 * over its own mpt connection (a tunnel) to a converter, which connects to the destination. It lets
 * programs that only speak TCP (curl, browsers, git, ssh) use mpt unmodified.
 * @module
 */

/** The port a proxy listens on when none is given: SOCKS's registered port. */
export const DEFAULT_PROXY_PORT = 1080;
/** The address a proxy listens on when none is given: loopback, so only this machine's programs can use it. */
export const DEFAULT_PROXY_HOST = '127.0.0.1';

/** Events of {@link MptProxy}. */
export interface MptProxyEvents {
  /** The TCP listener is bound. */
  listening: [];
  /** The listener failed (binding, say EADDRINUSE: node:net's error). */
  error: [error: Error];
  /** The proxy closed: the listener is closed and every connection it accepted is gone. */
  close: [];
  /** One accepted connection is over (its tunnel, if it opened, closed too): what it asked, how it went, the bytes each way. */
  tunnel: [event: MptProxyTunnelEvent];
}

/** Options of {@link MptProxy.listen} in its object form. */
export interface MptProxyListenOptions {
  /** TCP port; default 1080; 0 picks a free one. */
  readonly port?: number | undefined;
  /** Address to listen on; default 127.0.0.1. */
  readonly host?: string | undefined;
}

/**
 * A local SOCKS5 / HTTP CONNECT proxy over mpt, made by {@link createProxy}. Each TCP connection it
 * accepts speaks SOCKS5 (first byte 0x05) or HTTP CONNECT (anything else); its destination is asked of
 * the converter over a new mpt connection, and once the converter connected it the proxy replies
 * success and splices the two both ways, with back-pressure and half-close. Used like net.Server:
 * `listen()`, `close()`, `address()`, 'listening', 'error', 'close'; and a 'tunnel' event per
 * connection once it is over.
 */
export class MptProxy extends EventEmitter<MptProxyEvents> {
  /**
   * The static public key every tunnel's mpt connection presents (the `keyPair` option's, or one
   * generated for this proxy): put it on the converter's list of client keys.
   */
  readonly publicKey: Uint8Array;

  readonly #options: ProxyOptions;
  readonly #keyPair: KeyPair;
  readonly #server: TcpServer;
  readonly #connections = new Set<ProxyConnection>();
  /** The interface monitor the tunnels share (started with the first tunnel), if they follow interfaces. */
  #monitor: InterfaceMonitor | undefined = undefined;
  /** The converter's key the last tunnel learnt, pinned by the next ones (without `serverKey`). */
  #learntKey: Uint8Array | undefined = undefined;

  /** A proxy; see {@link createProxy}. Throws ERR_MPT_INVALID_CONFIG, naming the option, for bad options. */
  constructor(options: ProxyOptions) {
    super();
    validateProxyOptions(options);
    this.#options = options;
    this.#keyPair = options.keyPair ?? generateKeyPair();
    this.publicKey = this.#keyPair.publicKey;
    this.#server = createTcpServer({ allowHalfOpen: true, noDelay: true }, (socket) => this.#accept(socket));
    this.#server.on('listening', () => this.emit('listening'));
    this.#server.on('error', (error) => this.emit('error', error));
    this.#server.on('close', () => this.emit('close'));
  }

  /** Whether the proxy is accepting connections. */
  get listening(): boolean {
    return this.#server.listening;
  }

  /**
   * Starts listening for TCP connections: `listen([port][, host][, callback])` or
   * `listen({ port, host }[, callback])`; the port defaults to 1080 (0 picks a free one), the host to
   * 127.0.0.1. A port or host of the wrong kind throws ERR_MPT_INVALID_CONFIG; a failed bind is an
   * 'error' event (node:net's error); `callback` is added as a 'listening' listener.
   */
  listen(port?: number, host?: string, callback?: () => void): this;
  listen(port?: number, callback?: () => void): this;
  listen(options: MptProxyListenOptions, callback?: () => void): this;
  listen(callback?: () => void): this;
  listen(...args: unknown[]): this {
    const callback = typeof args[args.length - 1] === 'function' ? (args.pop() as () => void) : undefined;
    let port: unknown;
    let host: unknown;
    if (typeof args[0] === 'object' && args[0] !== null) {
      const o = args[0] as Record<string, unknown>;
      for (const key of Object.keys(o)) if (key !== 'port' && key !== 'host') throw invalidConfig(`MptProxy.listen(): unknown option ${key}; give port and host`);
      ({ port, host } = o);
    } else {
      [port, host] = args;
    }
    port ??= DEFAULT_PROXY_PORT;
    host ??= DEFAULT_PROXY_HOST;
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65_535) {
      throw invalidConfig(`MptProxy.listen(): port must be an integer from 0 to 65535, got ${describe(port)}`);
    }
    if (typeof host !== 'string' || host === '') throw invalidConfig(`MptProxy.listen(): host must be a non-empty string, got ${describe(host)}`);
    if (callback !== undefined) this.once('listening', callback);
    this.#server.listen(port, host);
    return this;
  }

  /** The bound address, as net.Server#address(), or null before 'listening'. */
  address(): AddressInfo | null {
    const address = this.#server.address();
    return typeof address === 'object' ? address : null;
  }

  /**
   * Stops accepting connections and closes every open one at once: each client's TCP connection is
   * destroyed, each tunnel's mpt connection closed. 'close' follows once all are gone; `callback` gets
   * node:net's ERR_SERVER_NOT_RUNNING if the proxy was not listening.
   */
  close(callback?: (error?: Error) => void): this {
    this.#server.close(callback);
    for (const connection of this.#connections) connection.destroy();
    this.#monitor?.stop();
    this.#monitor = undefined;
    return this;
  }

  /**
   * Opens one tunnel. Without `serverKey` (and `psk`) the converter's key is learnt by the first
   * tunnel (openTunnel asks for it) and pinned by the next ones, so they go in 0-RTT; a converter
   * whose key changed since is asked again (its new key, if `verifyServerKey` takes it, is pinned).
   */
  async #openTunnel(options: TunnelOptions): Promise<MptSocket> {
    if (options.serverKey !== undefined || options.psk !== undefined) return openTunnel(options);
    const learnt = this.#learntKey;
    if (learnt !== undefined) {
      try {
        return await openTunnel({ ...options, serverKey: learnt, verifyServerKey: undefined });
      } catch (error) {
        if (!(error instanceof ConverterKeyMismatchError)) throw error;
        if (this.#learntKey === learnt) this.#learntKey = undefined;
      }
    }
    const socket = await openTunnel(options);
    this.#learntKey = socket.remotePublicKey;
    return socket;
  }

  #accept(socket: Socket): void {
    const o = this.#options;
    const { converter, auth, ...connectOptions } = o;
    const shared = sharedMonitorOptions(connectOptions);
    if (shared !== undefined && this.#monitor === undefined) this.#monitor = startSharedMonitor(shared);
    const interfaceMonitor = shared === undefined ? connectOptions.interfaceMonitor : this.#monitor;
    const open = (destination: ProxyDestination, signal: AbortSignal) =>
      this.#openTunnel({ ...connectOptions, interfaceMonitor, keyPair: this.#keyPair, allowHalfOpen: true, signal, host: converter.host, port: converter.port, destination });
    const connection = new ProxyConnection(socket, auth, open, (event) => {
      this.#connections.delete(connection);
      this.emit('tunnel', event);
    });
    this.#connections.add(connection);
  }
}

/**
 * Creates a local SOCKS5 / HTTP CONNECT proxy that carries every TCP connection it accepts over mpt to
 * the converter at `options.converter` (see {@link MptProxy}; docs/proxy.md). Options are checked at
 * once: a bad one throws ERR_MPT_INVALID_CONFIG naming it. Call `listen()` to start it.
 *
 * ```ts
 * const proxy = createProxy({ converter: { host: 'converter.example', port: 4433 }, serverKey, keyPair });
 * proxy.listen(1080, '127.0.0.1');
 * // curl --socks5-hostname 127.0.0.1:1080 https://example.com/
 * ```
 */
export function createProxy(options: ProxyOptions): MptProxy {
  return new MptProxy(options);
}
