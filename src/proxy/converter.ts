import { lookup as dnsLookup } from 'node:dns';
import { EventEmitter } from 'node:events';
import { readInterfaceTable } from '../node/interfaces.js';
import type { MptAddressInfo } from '../node/address-info.js';
import type { LookupFunction, MptListenOptions } from '../node/options.js';
import { MptServer } from '../node/server.js';
import type { MptSocket } from '../node/socket.js';
import {
  DEFAULT_CONVERTER_CONNECT_TIMEOUT_MS,
  DEFAULT_CONVERTER_REQUEST_TIMEOUT_MS,
  validateConverterOptions,
  type ConverterOptions,
} from './converter-options.js';
import { serveTunnel, type ConverterTunnelEvent } from './converter-session.js';
import { DestinationPolicy } from './destination-policy.js';

/**
 * {@link MptConverter}: an mpt server in converter mode (RFC 8803's "0-RTT TCP converter" idea). Each
 * connection a client opens (with `openTunnel()`) starts with a request naming a TCP destination; the
 * converter checks it against its policy, opens plain TCP to it and splices the two streams both ways.
 * docs/proxy.md has the protocol, the API and the security model.
 * @module
 */

export type { ConverterOptions, ConverterTunnelEvent };

/** Events of {@link MptConverter}. */
export interface MptConverterEvents {
  /** The converter's UDP sockets are bound (its server's 'listening'). */
  listening: [];
  /** The converter closed and every tunnel it carried is gone (its server's 'close'). */
  close: [];
  /** Binding failed, or the last of the server's sockets failed (its server's 'error'). */
  error: [error: Error];
  /**
   * A connection is over: one event per accepted connection, once its tunnel ended or failed (refused,
   * malformed, timed out, or the client left), for logging.
   */
  tunnel: [event: ConverterTunnelEvent];
}

/**
 * An mpt server in converter mode, made by {@link createConverter}: `listen()`, `close()`, `address()`,
 * `addresses()` as an {@link MptServer}'s (which it holds: `server`), and a 'tunnel' event per
 * connection for logging.
 */
export class MptConverter extends EventEmitter<MptConverterEvents> {
  /** The mpt server that accepts the clients (its options are the converter's; 'connection' is the converter's business). */
  readonly server: MptServer;
  /** The converter's static public key (32 bytes): clients pin it (`serverKey`) for 0-RTT requests. */
  readonly publicKey: Uint8Array;

  /** A converter; see {@link createConverter}. Bad options throw ERR_MPT_INVALID_CONFIG naming the option. */
  constructor(options: ConverterOptions) {
    super();
    validateConverterOptions(options);
    const { clientKeys, allowAnyClient, allow, deny, connectTimeout, requestTimeout, lookup, verifyClientKey, ...serverOptions } = options;
    const keys = clientKeys?.map((k) => Buffer.from(k));
    const verify = (key: Uint8Array): boolean => {
      const listed = allowAnyClient === true || (keys !== undefined && keys.some((k) => k.equals(key)));
      return listed && (verifyClientKey === undefined || verifyClientKey(key));
    };
    this.server = new MptServer({ acceptEarlyData: true, ...serverOptions, allowHalfOpen: true, verifyClientKey: verify });
    this.publicKey = this.server.publicKey;
    const policy = new DestinationPolicy({ allow, deny, ownAddresses: () => this.#ownAddresses() });
    const context = {
      policy,
      lookup: lookup ?? (dnsLookup as unknown as LookupFunction),
      connectTimeoutMs: connectTimeout ?? DEFAULT_CONVERTER_CONNECT_TIMEOUT_MS,
      requestTimeoutMs: requestTimeout ?? DEFAULT_CONVERTER_REQUEST_TIMEOUT_MS,
      // On a later tick: a listener that throws is the application's uncaught exception, as a net
      // listener's, never taken for a failure of the tunnel.
      report: (event: ConverterTunnelEvent) => process.nextTick(() => this.emit('tunnel', event)),
    };
    this.server.on('connection', (socket: MptSocket) => void serveTunnel(socket, context));
    this.server.on('listening', () => this.emit('listening'));
    this.server.on('close', () => this.emit('close'));
    this.server.on('error', (error) => this.emit('error', error));
  }

  /** Whether the converter is accepting connections. */
  get listening(): boolean {
    return this.server.listening;
  }

  /**
   * Binds the UDP socket(s) and starts accepting, in the forms of {@link MptServer.listen} (node:net's:
   * `listen(port[, host][, backlog][, cb])`, `listen({ port, host, ... }[, cb])`, `listen([cb])`; `host`
   * may be an array of addresses). Throws, and fails, as it does.
   */
  listen(port?: number | string | null, host?: string | readonly string[], backlog?: number, callback?: () => void): this;
  listen(port?: number | string | null, host?: string | readonly string[], callback?: () => void): this;
  listen(port?: number | string | null, backlog?: number, callback?: () => void): this;
  listen(port?: number | string | null, callback?: () => void): this;
  listen(options: MptListenOptions, callback?: () => void): this;
  listen(callback?: () => void): this;
  listen(...args: unknown[]): this {
    (this.server.listen as (...a: unknown[]) => MptServer)(...args);
    return this;
  }

  /**
   * Stops accepting connections, as {@link MptServer.close}: tunnels already open carry on, and 'close'
   * (and `callback`) follow once they are all gone.
   */
  close(callback?: (error?: Error) => void): this {
    this.server.close(callback);
    return this;
  }

  /** Closes the converter and resolves on 'close', as `MptServer`'s `Symbol.asyncDispose`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.server[Symbol.asyncDispose]();
  }

  /** The (first) bound address, or null before 'listening'. */
  address(): MptAddressInfo | null {
    return this.server.address();
  }

  /** Every bound address, one per UDP socket. */
  addresses(): MptAddressInfo[] {
    return this.server.addresses();
  }

  /** Lets the process exit while the converter listens. */
  unref(): this {
    this.server.unref();
    return this;
  }

  /** Undoes {@link MptConverter.unref}. */
  ref(): this {
    this.server.ref();
    return this;
  }

  /**
   * The converter's own addresses, refused as destinations by default: those it listens on and, when it
   * listens on a wildcard, every address of the host's interfaces.
   */
  #ownAddresses(): string[] {
    const bound = this.server.addresses().map((a) => a.address);
    if (!bound.some((a) => a === '::' || a === '0.0.0.0')) return bound;
    const table = readInterfaceTable();
    const all = Object.values(table).flatMap((infos) => (infos ?? []).map((info) => info.address));
    return [...bound, ...all];
  }
}

/**
 * A new {@link MptConverter}: an mpt server whose clients open TCP tunnels (`openTunnel()`). Who may
 * connect must be given (`clientKeys`, `psk`, or `allowAnyClient: true`), and every option is checked
 * at once: a bad one throws ERR_MPT_INVALID_CONFIG naming it. See docs/proxy.md.
 *
 * ```ts
 * const converter = createConverter({ keyPair, clientKeys: [laptopKey] });
 * converter.on('tunnel', (t) => console.log(t.host, t.port, t.replyCode, t.bytesToDestination));
 * converter.listen(4433);
 * ```
 */
export function createConverter(options: ConverterOptions): MptConverter {
  return new MptConverter(options);
}
