import { isIP } from 'node:net';
import { Duplex } from 'node:stream';
import type { Connection, ConnectionStats } from '../core/connection.js';
import type { ClosedEvent, ConnectionEvent } from '../core/connection-events.js';
import type { SocketAddress } from '../core/socket-address.js';
import { MptError, MptErrorCode } from '../errors.js';
import { Connector } from './connector.js';
import type { ConnectionOwner, EndpointDriver } from './driver.js';
import { InactivityTimer } from './inactivity-timer.js';
import { checkConnectOptions, normalizeArgs } from './net-args.js';
import { invalidArgTypeError, validateTimeout } from './net-errors.js';
import type { MptConnectOptions, MptSocketOptions } from './options.js';
import { firstPathRemote, hasUsablePath, pathInfos, type MptPathInfo } from './path-info.js';
import type { MptAddressInfo, MptSocketServer } from './address-info.js';
import { abortError, connectionReset } from './socket-errors.js';
import { SocketHandle } from './socket-handle.js';
import { toPathEvent, toPathManagerErrorEvent, toRemoteAddressEvent, type MptSocketEvents } from './socket-events.js';
import { disposeSocket } from './async-dispose.js';
import { ServerAdmission, type AcceptingServer } from './server-admission.js';
import { StreamReader } from './stream-reader.js';
import { StreamWriter } from './stream-writer.js';
import { validateConnectOptions, validateSocketOptions } from './validate-options.js';

/**
 * {@link MptSocket}: one mpt connection as a node:stream Duplex that behaves
 * like net.Socket, plus the mpt extras (the peer's public key, paths, stats).
 * The socket holds the stream, the net API and the translation of engine
 * events into socket events; connect() is carried out by a {@link Connector}.
 * @module
 */

/** `readyState` values, as net.Socket's. */
export type MptSocketReadyState = 'opening' | 'open' | 'readOnly' | 'writeOnly' | 'closed';

/** @internal How the server hands a connection to a socket. */
export const ADOPT = Symbol('mpt.adopt');
/** @internal How the server tells an accepted socket which server it belongs to ({@link MptSocket.server}). */
export const SET_SERVER = Symbol('mpt.setServer');

/**
 * An mpt connection as a Duplex stream, used like net.Socket: events
 * 'connect', 'ready', 'data', 'end', 'finish', 'close' (hadError), 'error',
 * 'timeout'; and 'path' ({@link MptPathEvent}) when a path comes up, goes
 * down, changes status or closes, 'remoteAddress' ({@link MptRemoteAddressEvent})
 * when the peer advertises or withdraws an address, 'pathManagerError'
 * ({@link MptPathManagerErrorEvent}) when the path manager throws (never an
 * 'error': the connection lives on), 'localAddress' ({@link MptLocalAddressEvent})
 * when an interface address appears or goes away; 'offline' when no path can carry
 * data any more (every one failed: the connection keeps probing, and the stream
 * carries on if one answers before the idle timeout) and 'online' when one can again,
 * so an application can show "reconnecting"; on a server's socket accepted half-open,
 * 'proven' once the client has shown it holds the session keys ({@link MptSocket.halfOpen}).
 * Errors are {@link MptError}s with a
 * stable `code`, node:net's where net has one for the same condition (ECONNRESET,
 * ECONNREFUSED, ETIMEDOUT, EPIPE; docs/node-compat.md).
 */
export class MptSocket extends Duplex implements ConnectionOwner {
  /** True while the handshake runs. */
  connecting = false;
  /**
   * The peer's static public key (32 bytes) once connected; undefined in PSK mode. On a server's socket,
   * set once the client has proven it holds that key: undefined while {@link halfOpen}.
   */
  remotePublicKey: Uint8Array | undefined = undefined;
  /** The peer's IP address. */
  remoteAddress: string | undefined = undefined;
  /** The peer's UDP port. */
  remotePort: number | undefined = undefined;
  /** 'IPv4' or 'IPv6'. */
  remoteFamily: string | undefined = undefined;
  /** Our bound IP address. */
  localAddress: string | undefined = undefined;
  /** Our bound UDP port. */
  localPort: number | undefined = undefined;
  /** Stream bytes received and moved into the stream's buffer (read or not), as net.Socket's. */
  bytesRead = 0;
  /**
   * As net.Socket's: the addresses a connect() to a host name tried, `"address:port"` each, in the
   * order the attempts started (happy eyeballs); undefined for an IP literal host, or before the lookup.
   */
  autoSelectFamilyAttemptedAddresses: string[] | undefined = undefined;
  /**
   * The {@link MptServer} that accepted this socket; null for a client's socket. A plain property, as
   * net.Socket's: node:http sets it to its own server when an mpt socket is handed to it.
   */
  server: MptSocketServer | null = null;

  /** The driver and connection the socket drives. */
  readonly #handle = new SocketHandle(this, () => !this.destroyed && this.#active());
  /** A client's connect(), once called. */
  #connector: Connector | undefined = undefined;
  readonly #inactivity = new InactivityTimer(() => {
    if (!this.destroyed) this.emit('timeout');
  });
  /** How the connection looks to the read and write sides. */
  readonly #link = {
    socket: this,
    established: (): Connection | undefined => (this.#established ? this.#handle.connection : undefined),
    closed: (): boolean => this.#closed !== undefined,
    closeError: (): MptError | undefined => this.#closeError,
    touch: (): void => this.#inactivity.touch(),
    schedule: (): void => this.#handle.driver?.schedule(),
    updateHold: (): void => this.#handle.hold(),
  };
  readonly #reader = new StreamReader(this.#link);
  readonly #writer = new StreamWriter(this.#link);
  #established = false;
  /** The peer ended and, without allowHalfOpen, so did we: a write now is net's EPIPE. */
  #endedByPeer = false;
  /** Whether 'close' was emitted. */
  #closeEmitted = false;
  /** resetAndDestroy(): the next destroy aborts the connection even without an error. */
  #resetOnDestroy = false;
  /** Whether every path is down (the 'offline' event was emitted and 'online' has not followed). */
  #offline = false;
  #closed: ClosedEvent | undefined = undefined;
  #closeError: MptError | undefined = undefined;
  #onServerRelease: (() => void) | undefined = undefined;
  /** A server's socket: when 'connection', `remotePublicKey` and 'proven' come. */
  #admission: ServerAdmission<MptSocket> | undefined = undefined;

  /** An unconnected socket; call {@link MptSocket.connect}, or use the package's `connect()`. */
  constructor(options: MptSocketOptions = {}) {
    super({
      allowHalfOpen: options.allowHalfOpen ?? false,
      emitClose: false,
      autoDestroy: true,
      decodeStrings: true,
      ...(options.highWaterMark === undefined ? {} : { highWaterMark: options.highWaterMark }),
    });
    // As net: without allowHalfOpen, the peer's end ends our side too, and a write after that is EPIPE.
    this.once('end', () => {
      if (!this.allowHalfOpen) this.#endedByPeer = true;
    });
    validateSocketOptions(options);
    // As net.Socket's options: keepAlive applies once connected; noDelay has nothing to turn off.
    if (options.keepAlive === true) this.setKeepAlive(true, options.keepAliveInitialDelay ?? 0);
    const signal = options.signal;
    if (signal !== undefined) {
      if (signal.aborted) process.nextTick(() => this.destroy(abortError(signal)));
      else {
        const onAbort = (): void => void this.destroy(abortError(signal));
        signal.addEventListener('abort', onAbort, { once: true });
        this.once('close', () => signal.removeEventListener('abort', onAbort));
      }
    }
  }

  // ----- connecting -------------------------------------------------------------------------

  /**
   * Connects to an mpt server, in node:net's forms: `connect(options[, connectListener])` or
   * `connect(port[, host][, connectListener])` (host default 'localhost'). 'connect' follows once the
   * handshake is done; failures are 'error' events with an {@link MptError}. Wrong arguments throw as
   * net's: ERR_MISSING_ARGS (no port), ERR_INVALID_ARG_TYPE (a port neither number nor string, a host
   * not a string), ERR_SOCKET_BAD_PORT (a port outside 0..65535), ERR_INVALID_IP_ADDRESS
   * (`localAddress`), ERR_INVALID_ARG_VALUE (`family`); an IPC `path` throws ERR_MPT_INVALID_CONFIG. A
   * socket connects once: connect() on one connecting, connected or destroyed throws ERR_MPT_INVALID_STATE.
   */
  connect(options: MptConnectOptions, connectListener?: () => void): this;
  connect(port: number | string, host?: string, connectListener?: () => void): this;
  connect(port: number | string, connectListener?: () => void): this;
  connect(...args: unknown[]): this {
    if (this.#handle.connection !== undefined || this.connecting || this.destroyed) {
      throw new MptError(MptErrorCode.InvalidState, 'the socket is already connected or connecting');
    }
    const [raw, onConnect] = normalizeArgs(args);
    const options = checkConnectOptions(raw as unknown as MptConnectOptions);
    validateConnectOptions(options);
    if (onConnect !== undefined) this.once('connect', onConnect as () => void);
    this.connecting = true;
    const connector = new Connector(this, this.#handle, options);
    this.#connector = connector;
    // An aborted signal fails the connect before anything starts (no lookup, no socket, no timer); the
    // error comes on the next tick, as node:net's.
    const signal = options.signal;
    if (signal?.aborted === true) {
      process.nextTick(() => this.destroy(abortError(signal)));
      return this;
    }
    connector.start();
    return this;
  }

  /** @internal The server that accepted this socket. */
  [SET_SERVER](server: MptSocketServer): void {
    this.server = server;
  }

  /** @internal The server's side: a connection whose handshake is under way. */
  [ADOPT](driver: EndpointDriver, connection: Connection, local: SocketAddress, server: AcceptingServer<MptSocket>): void {
    this.#admission = new ServerAdmission(server, () => this.#handle.connection?.halfOpen ?? true);
    this.#onServerRelease = server.onRelease;
    this.connecting = true;
    // The server socket the client's first datagram came to.
    this.localAddress = local.host;
    this.localPort = local.port;
    this.#handle.adopt(driver, connection, local);
  }

  // ----- engine events ----------------------------------------------------------------------

  /** @internal */
  handleConnectionEvent(event: ConnectionEvent): void {
    switch (event.type) {
      case 'connected':
        return this.#onConnected(event.remoteStaticKey);
      case 'readable':
        this.#admission?.check(this); // 'proven' (or 'connection') before the data that proved the client
        return this.#reader.readable();
      case 'finished':
        this.#admission?.check(this);
        // As net: the end is noticed without a reader, and 'end' follows once nothing is left unread.
        return this.#reader.pull();
      case 'writable':
        return this.#writer.writable();
      case 'reset':
        this.destroy(connectionReset(`the peer reset the stream (application error code ${event.applicationErrorCode})`));
        return;
      case 'closed':
        return this.#onClosed(event);
      case 'path':
        this.#toApp('path', toPathEvent(event, this.#handle.connection));
        return this.#updateReachability();
      case 'remoteAddress':
        return this.#toApp('remoteAddress', toRemoteAddressEvent(event));
      case 'pathManagerError':
        this.emit('pathManagerError', toPathManagerErrorEvent(event));
        return;
      case 'pathManagerLog':
        return;
      case 'attempt':
        // A happy-eyeballs attempt started, failed or won: the connect's business ('connectionAttempt', ...).
        return this.#connector?.onAttempt(event);
    }
  }

  /** 'offline' when no path is left that can carry data (every one failed or closed), 'online' when one can again. */
  #updateReachability(): void {
    const connection = this.#handle.connection;
    if (connection === undefined || !this.#established || this.destroyed) return;
    const usable = hasUsablePath(connection);
    if (usable === !this.#offline) return;
    this.#offline = !usable;
    this.emit(usable ? 'online' : 'offline');
  }

  /** @internal Every UDP socket the connection used failed. */
  handleSocketError(error: MptError): void {
    this.destroy(error);
  }

  /** @internal */
  afterEvents(): void {
    const connection = this.#handle.connection;
    if (connection === undefined) return;
    this.#writer.afterEvents(connection);
    this.#handle.hold();
    this.#admission?.check(this);
  }

  /** Emits now, or on a server's socket not yet handed to the application, right after 'connection'. */
  #toApp(name: 'path' | 'remoteAddress', payload: unknown): void {
    if (this.#admission === undefined) this.emit(name, payload);
    else this.#admission.deliver(() => this.emit(name, payload));
  }

  #onConnected(remoteStaticKey: Uint8Array | undefined): void {
    const connection = this.#handle.connection;
    if (connection === undefined || this.destroyed) return;
    this.connecting = false;
    this.#established = true;
    const remote = firstPathRemote(connection);
    if (remote !== undefined && this.remoteAddress === undefined) {
      this.remoteAddress = remote.host;
      this.remotePort = remote.port;
      this.remoteFamily = isIP(remote.host) === 6 ? 'IPv6' : 'IPv4';
    }
    // A client's connect is done: its watchdog stops.
    this.#connector?.connected();
    this.#inactivity.touch();
    // As net: data flows into the stream's buffer from the start, up to its high-water mark, reader or
    // not: a server's socket from before 'connection', a client's from after 'connect' unless the
    // application paused it by then.
    if (this.#admission !== undefined) {
      if (!this.isPaused()) this.read(0); // pauseOnConnect: nothing is read until resume()
      // An IK or PSK handshake completes on the client's first flight alone: see server-admission.ts.
      this.#admission.connected(this, remoteStaticKey);
    } else {
      this.remotePublicKey = remoteStaticKey;
      this.emit('connect');
      this.emit('ready');
      if (!this.destroyed && !this.isPaused()) this.read(0);
    }
    // What was written while connecting goes out now, after 'connect' as net's (its callback sees the
    // socket connected).
    this.#writer.connected(() => this.destroyed);
  }

  #onClosed(event: ClosedEvent): void {
    this.#closed = event;
    if (event.error !== undefined) {
      this.#closeError = event.error;
      this.destroy(event.error);
      return;
    }
    if (event.initiator === 'peer' && event.applicationErrorCode !== 0) {
      this.#closeError = connectionReset(`the peer aborted the connection (application error code ${event.applicationErrorCode})`);
      this.destroy(this.#closeError);
      return;
    }
    if (!this.#established) {
      // Closed before the handshake finished, with no error: the server refused or is closing.
      this.destroy(new MptError(MptErrorCode.PeerClosed, `the connection closed during the handshake: ${event.reason || 'no reason given'}`));
      return;
    }
    // A clean close: whatever the peer sent is still readable; our FIN needs no more acknowledging.
    this.#writer.closedCleanly();
    this.#reader.pull();
  }

  // ----- Duplex -----------------------------------------------------------------------------

  /** @internal */
  override _read(): void {
    this.#reader.want();
  }

  /**
   * As stream.Writable's; after the peer ended a socket without allowHalfOpen (so ours ended too), the
   * write fails with EPIPE and destroys the socket, as net's: the callback gets the error on the next
   * tick, and 'error' follows.
   */
  override write(chunk: unknown, callback?: (error: Error | null | undefined) => void): boolean;
  override write(chunk: unknown, encoding: BufferEncoding, callback?: (error: Error | null | undefined) => void): boolean;
  override write(chunk: unknown, encoding?: BufferEncoding | ((error: Error | null | undefined) => void), callback?: (error: Error | null | undefined) => void): boolean {
    if (!this.#endedByPeer || !this.writableEnded) return super.write(chunk, encoding as BufferEncoding, callback);
    const done = typeof encoding === 'function' ? encoding : callback;
    const error = new MptError(MptErrorCode.BrokenPipe, 'This socket has been ended by the other party');
    if (done !== undefined) process.nextTick(done, error);
    this.destroy(error);
    return false;
  }

  /** @internal */
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#writer.write(chunk, callback);
  }

  /** @internal */
  override _final(callback: (error?: Error | null) => void): void {
    this.#writer.end(callback);
  }

  /** @internal */
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#connector?.stop();
    this.#inactivity.clear();
    this.connecting = false;
    const graceful = this.#handle.release(this.#established, this.#resetOnDestroy);
    this.#writer.settle(graceful, error);
    this.#handle.unhold();
    const release = this.#onServerRelease;
    this.#onServerRelease = undefined;
    release?.();
    callback(error);
    // On a later turn, as net's 'close' waits for the handle to close.
    setImmediate(() => {
      this.#closeEmitted = true;
      this.emit('close', error !== null);
    });
  }

  /**
   * Aborts the connection and destroys the socket, as net.Socket#resetAndDestroy (a TCP RST): the peer
   * gets ECONNRESET, whatever was written and not yet delivered is dropped; this socket closes without
   * an error.
   */
  resetAndDestroy(): this {
    // As net's: a socket that never connected has nothing to reset (ERR_SOCKET_CLOSED); one that is
    // connecting is reset once connected.
    if (this.#connector === undefined && this.#handle.connection === undefined && !this.connecting) {
      return this.destroy(Object.assign(new Error('Socket is closed'), { code: 'ERR_SOCKET_CLOSED' }));
    }
    this.#resetOnDestroy = true;
    if (this.connecting && !this.destroyed) {
      this.once('connect', () => this.destroy());
      return this;
    }
    return this.destroy();
  }

  // ----- typed events -------------------------------------------------------------------------

  /**
   * Adds a listener, as EventEmitter's. 'path' listeners get an {@link MptPathEvent}: path 0 comes `up`
   * right after 'connect' (and, on a server, right after 'connection'), each further path when it is
   * validated, and `down`, `status`, `closed` follow as they happen. 'remoteAddress' listeners get an
   * {@link MptRemoteAddressEvent} for each peer address the path manager learns or loses (a client of a
   * server on several addresses hears of the others right after 'connect'); 'pathManagerError' listeners
   * an {@link MptPathManagerErrorEvent} for each hook of the path manager that threw; 'localAddress'
   * listeners an {@link MptLocalAddressEvent} for each local address the interface monitor added or
   * removed. The other events are net.Socket's.
   */
  override on<E extends keyof MptSocketEvents>(event: E, listener: MptSocketEvents[E]): this;
  override on(event: string | symbol, listener: (...args: any[]) => void): this;
  override on(event: string | symbol, listener: (...args: any[]) => void): this {
    return super.on(event, listener);
  }

  /** As {@link MptSocket.on}, for one event only. */
  override once<E extends keyof MptSocketEvents>(event: E, listener: MptSocketEvents[E]): this;
  override once(event: string | symbol, listener: (...args: any[]) => void): this;
  override once(event: string | symbol, listener: (...args: any[]) => void): this {
    return super.once(event, listener);
  }

  /** Removes a listener added with {@link MptSocket.on} or {@link MptSocket.once}. */
  override off<E extends keyof MptSocketEvents>(event: E, listener: MptSocketEvents[E]): this;
  override off(event: string | symbol, listener: (...args: any[]) => void): this;
  override off(event: string | symbol, listener: (...args: any[]) => void): this {
    return super.off(event, listener);
  }

  // ----- net.Socket API ---------------------------------------------------------------------

  /**
   * Emits 'timeout' after `ms` without any stream activity (0 disables), as
   * net.Socket: the socket stays open; the application decides.
   */
  setTimeout(ms: number, callback?: () => void): this {
    // As net: ERR_INVALID_ARG_TYPE / ERR_OUT_OF_RANGE for a bad duration, ERR_INVALID_ARG_TYPE for a callback that is no function.
    validateTimeout(ms);
    if (callback !== undefined && typeof callback !== 'function') throw invalidArgTypeError('callback', 'function', callback);
    if (callback !== undefined) {
      if (ms === 0) this.removeListener('timeout', callback);
      else this.once('timeout', callback);
    }
    this.#inactivity.set(ms, !this.destroyed);
    return this;
  }

  /** The current inactivity timeout in ms (0: none). */
  get timeout(): number {
    return this.#inactivity.ms;
  }

  /** As net.Socket's plain `timeout` property: assigning it changes the number, not the timer (use setTimeout). */
  set timeout(ms: number) {
    this.#inactivity.ms = ms;
  }

  /** A no-op: mpt sends written data on the next event-loop turn, there is no Nagle delay to turn off. */
  setNoDelay(_noDelay?: boolean): this {
    return this;
  }

  /**
   * As net.Socket: with `enable`, the connection sends a PING after
   * `initialDelayMs` (default 15 000) without sending anything, which keeps
   * NAT bindings and the peer's idle timer alive; without, it goes back to
   * the interval it started with (a client's liveness PINGs, a third of
   * `idleTimeoutMs`; none on a server's socket).
   */
  setKeepAlive(enable = false, initialDelayMs = 0): this {
    this.#handle.setKeepAlive(enable, initialDelayMs);
    return this;
  }

  /** Lets the process exit while this socket is open and active (see {@link MptSocket.ref}). */
  unref(): this {
    this.#handle.setRef(false);
    return this;
  }

  /** Undoes {@link MptSocket.unref}. */
  ref(): this {
    this.#handle.setRef(true);
    return this;
  }

  /** Whether the socket works: it connects, reads, or has writes in flight (see {@link SocketHandle.hold}). */
  #active(): boolean {
    if (this.connecting) return true;
    const connection = this.#handle.connection;
    if (connection === undefined || this.#closed !== undefined) return false;
    const reading = this.#reader.reading;
    const writing = connection.bufferedBytes > 0 || this.#writer.busy || this.writableLength > 0;
    return reading || writing;
  }

  /** Ends the writable side, then destroys the socket once everything written was acknowledged. */
  destroySoon(): void {
    if (this.writable) this.end();
    if (this.writableFinished) this.destroy();
    else this.once('finish', () => this.destroy());
  }

  /** The bound local address, as net.Socket#address(). */
  address(): MptAddressInfo | Record<string, never> {
    if (this.localAddress === undefined || this.localPort === undefined) return {};
    return { address: this.localAddress, family: isIP(this.localAddress) === 6 ? 'IPv6' : 'IPv4', port: this.localPort };
  }

  /**
   * Every local address the connection can send from, one per bound UDP socket still open, the first
   * being {@link MptSocket.address}'s (a client with `localAddresses`, or a server listening on several).
   */
  addresses(): MptAddressInfo[] {
    const driver = this.#handle.driver;
    if (driver === undefined || this.destroyed) return [];
    return driver.addresses().map((a) => ({ address: a.host, family: isIP(a.host) === 6 ? 'IPv6' : 'IPv4', port: a.port }));
  }

  /**
   * Bytes written so far: those handed to the connection and those still queued in the stream (as
   * net.Socket's, which counts what `write()` accepted, sent or not).
   */
  get bytesWritten(): number {
    let bytes = this.#writer.bytesWritten;
    // node:stream's list of writes not yet handed to _write (untyped, and what net.Socket#bytesWritten reads).
    const queued = (this as unknown as { writableBuffer?: readonly { chunk: Buffer | string; encoding: BufferEncoding }[] }).writableBuffer ?? [];
    for (const w of queued) bytes += typeof w.chunk === 'string' ? Buffer.byteLength(w.chunk, w.encoding) : w.chunk.length;
    return bytes;
  }

  /** 'IPv4' or 'IPv6': the family of {@link MptSocket.localAddress}; undefined before it is bound. */
  get localFamily(): string | undefined {
    const local = this.localAddress;
    if (local === undefined) return undefined;
    return isIP(local) === 6 ? 'IPv6' : 'IPv4';
  }

  /**
   * As net.Socket's: `writableLength` while the socket is connecting or connected, undefined before
   * connect() and once destroyed.
   * @deprecated As in node:net: use `writableLength`.
   */
  get bufferSize(): number | undefined {
    if (this.destroyed || (this.#connector === undefined && this.#handle.connection === undefined)) return undefined;
    return this.writableLength;
  }

  /**
   * As net.Socket's `Symbol.asyncDispose` (`await using socket = connect(...)`): destroys the socket, with
   * an ABORT_ERR AbortError unless its end was read, and resolves once it is closed (rejects if it failed
   * with another error).
   */
  override [Symbol.asyncDispose](): Promise<void> {
    return disposeSocket(this, this.#closeEmitted);
  }

  /**
   * A server's socket: true while the client has not yet proven that it holds the session keys (no
   * packet under them has come from it). An IK or PSK handshake completes on the client's first flight,
   * which anyone who recorded it can send again: 'connection' waits for the proof, except with
   * `acceptEarlyData`, where it comes at once, half-open and without `remotePublicKey`; 'proven' follows
   * the proof and sets the key (docs/node-compat.md, "When 'connection' comes"). False on a client's.
   */
  get halfOpen(): boolean {
    return (this.#admission?.awaitingProof ?? false) || (this.#handle.connection?.halfOpen ?? false);
  }

  /** True until the connection is established, and again once the socket is destroyed (as net's). */
  get pending(): boolean {
    return !this.#established || this.destroyed;
  }

  /** 'opening', 'open', 'readOnly', 'writeOnly' or 'closed', as net.Socket's. */
  get readyState(): MptSocketReadyState {
    if (this.connecting) return 'opening';
    if (this.readable && this.writable) return 'open';
    if (this.readable) return 'readOnly';
    if (this.writable) return 'writeOnly';
    return 'closed';
  }

  /**
   * The connection's paths and their figures, a snapshot (a new array of plain objects each read), in
   * path-id order; empty before the handshake. A closed path is listed until the engine drops it.
   */
  get paths(): MptPathInfo[] {
    const connection = this.#handle.connection;
    if (connection === undefined) return [];
    return pathInfos(connection);
  }

  /** Connection-wide counters (a snapshot). */
  get stats(): ConnectionStats {
    const connection = this.#handle.connection;
    return connection === undefined
      ? { packetsDropped: 0, bytesWritten: 0, bytesRead: 0, packetsLost: 0, bytesRetransmitted: 0 }
      : { ...connection.stats };
  }
}
