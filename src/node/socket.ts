import { isIP } from 'node:net';
import { Duplex, finished } from 'node:stream';
import type { Connection, ConnectionStats } from '../core/connection.js';
import type { ClosedEvent, ConnectionEvent, PathEvent, PathManagerErrorEvent, RemoteAddressEvent } from '../core/connection-events.js';
import type { Path } from '../core/path.js';
import { Endpoint } from '../core/endpoint.js';
import type { SocketAddress } from '../core/socket-address.js';
import { ReasonCode } from '../core/wire/reason-codes.js';
import { cacheKey, createHappyEyeballsCache, type HappyEyeballsCache } from '../core/happy-eyeballs/cache.js';
import { planAttempts, recordWinner } from '../core/happy-eyeballs/plan.js';
import { orderDestinations, type Destination } from '../core/happy-eyeballs/order.js';
import type { AttemptEvent } from '../core/connection-events.js';
import type { MptConnectAttempt } from '../errors.js';
import { MptError, MptErrorCode } from '../errors.js';
import { EndpointDriver, type BindOptions, type ConnectionOwner } from './driver.js';
import { ABORT_CODE, Linger } from './linger.js';
import { isLoopback, readInterfaceTable, routedSourceAddress } from './interfaces.js';
import { describeInterfaces, InterfaceMonitor, type InterfaceAddress, type InterfaceChange, type InterfaceMonitorOptions } from './interface-monitor.js';
import type { InterfaceInfo, LocalInterface } from '../core/path-manager.js';
import { resolveHost } from './resolve.js';
import { DEFAULT_MAX_PATHS, pickTransport, resolvePathManager, withLivenessPings, withLoopbackDatagrams, type MptConnectOptions, type MptSocketOptions } from './options.js';
import { validateConnectOptions, validateSocketOptions } from './validate-options.js';
import { answersProbe, makeVersionProbe, type VersionProbe } from './version-probe.js';
import type { MptAddressInfo, MptServer } from './server.js';
import { checkConnectOptions, normalizeArgs } from './net-args.js';
import { invalidArgTypeError, validateTimeout } from './net-errors.js';

/**
 * {@link MptSocket}: one mpt connection as a node:stream Duplex that behaves
 * like net.Socket, plus the mpt extras (the peer's public key, paths, stats).
 * @module
 */

/** Default connect timeout, ms. */
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** The engine's default initial RTT, ms (TransportConfig.initialRttMs); the first handshake retransmission comes at twice it. */
const DEFAULT_INITIAL_RTT_MS = 333;

/** Keepalive interval when setKeepAlive(true) names none, ms. */
const DEFAULT_KEEPALIVE_MS = 15_000;

/**
 * Where a path stands: `validating` (opened, its PATH_CHALLENGE not yet answered: it carries no stream
 * data), `active` (carries data), `backup` (used only when no active path can send), `failed` (probes
 * went unanswered; it comes back `active` or `backup` if the peer answers again), `closed` (abandoned).
 */
export type MptPathStatus = 'validating' | 'active' | 'backup' | 'failed' | 'closed';

/**
 * What happened to a path, in a 'path' event: `up` (it may carry data now: validated, or answering again
 * after `down`), `down` (it failed: probes went unanswered; the other paths carry the stream), `status`
 * (it became backup, or available again), `closed` (abandoned by either end; nothing more follows for it).
 */
export type MptPathChange = 'up' | 'down' | 'status' | 'closed';

/** The argument of an {@link MptSocket} 'path' event. */
export interface MptPathEvent {
  /** The path's id (as in {@link MptSocket.paths}). */
  readonly id: number;
  /** What happened. */
  readonly change: MptPathChange;
  /** For `down` and `closed`: the engine's ReasonCode (see `reasonCodeName`); else 0. */
  readonly reasonCode: number;
  /** The path as it stands right after the change; undefined if the connection no longer lists it. */
  readonly path: MptPathInfo | undefined;
}

/** The argument of an {@link MptSocket} 'remoteAddress' event: the peer's addresses the path manager knows of changed. */
export interface MptRemoteAddressEvent {
  /**
   * `added`: the peer advertised an address (ADD_ADDRESS; a server listening on several addresses does
   * by default), or it came from `extraRemotes`; `removed`: the peer withdrew it (REMOVE_ADDRESS), and
   * the paths to it close.
   */
  readonly change: 'added' | 'removed';
  /** The address (a copy). */
  readonly address: SocketAddress;
}

/**
 * The argument of an {@link MptSocket} 'localAddress' event: the interface monitor (see
 * `MptConnectOptions.interfaceMonitor`) found one of our addresses gone or a new one usable, and the
 * socket closed or bound its UDP socket and told the path manager.
 */
export interface MptLocalAddressEvent {
  /** `added`: a socket was bound on a new address; `removed`: the address went away (its socket, unless the first, is closed). */
  readonly change: 'added' | 'removed';
  /** The address (a copy), with the port of its socket. */
  readonly address: SocketAddress;
  /** Its interface, as described to the path manager. */
  readonly interface: InterfaceInfo;
}

/**
 * The argument of an {@link MptSocket} 'pathManagerError' event: a hook of the connection's path
 * manager threw. The connection carries on without whatever the hook would have done.
 */
export interface MptPathManagerErrorEvent {
  /** The plugin's `name`. */
  readonly pathManager: string;
  /** The hook that threw, e.g. `onEstablished`. */
  readonly hook: string;
  /** What it threw. */
  readonly error: unknown;
}

/** What the socket reports about one path: a snapshot, taken when {@link MptSocket.paths} is read. */
export interface MptPathInfo {
  /** Path id. */
  readonly id: number;
  /** Our address on this path. */
  readonly local: SocketAddress;
  /** The peer's address on this path. */
  readonly remote: SocketAddress;
  /** Where the path stands. */
  readonly status: MptPathStatus;
  /** Smoothed RTT, ms. */
  readonly srttMs: number;
  /** Minimum RTT seen, ms. */
  readonly minRttMs: number;
  /** Congestion window, bytes. */
  readonly cwndBytes: number;
  /** Bytes in flight, bytes. */
  readonly bytesInFlight: number;
  /** Current datagram size (PMTU), bytes. */
  readonly mtuBytes: number;
  /** UDP payload bytes sent (every packet: data, ACKs, probes; after encryption). */
  readonly bytesSent: number;
  /** UDP payload bytes received (packets that authenticated). */
  readonly bytesReceived: number;
  /** Stream bytes sent for the first time on this path: its share of what we sent. */
  readonly streamBytesSent: number;
  /** Packets sent. */
  readonly packetsSent: number;
  /** Packets received. */
  readonly packetsReceived: number;
  /** Packets declared lost (the engine counts losses in packets, not bytes). */
  readonly packetsLost: number;
  /** Stream bytes sent again on this path after a loss. */
  readonly bytesRetransmitted: number;
  /** Whether the path may carry stream data: path 0 after the handshake, a later path once its PATH_CHALLENGE was answered. */
  readonly validated: boolean;
}

/** `readyState` values, as net.Socket's. */
export type MptSocketReadyState = 'opening' | 'open' | 'readOnly' | 'writeOnly' | 'closed';

/** The happy-eyeballs cache every connect() shares unless given its own (`happyEyeballsCache`). */
const processCache: HappyEyeballsCache = createHappyEyeballsCache();

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
 * so an application can show "reconnecting". Errors are {@link MptError}s with a
 * stable `code`, node:net's where net has one for the same condition (ECONNRESET,
 * ECONNREFUSED, ETIMEDOUT, EPIPE; docs/node-compat.md).
 */
export class MptSocket extends Duplex implements ConnectionOwner {
  /** True while the handshake runs. */
  connecting = false;
  /** The peer's static public key (32 bytes) once connected; undefined in PSK mode. */
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
  /** Stream bytes handed to the connection; {@link MptSocket.bytesWritten} adds those still queued. */
  #bytesDispatched = 0;
  /**
   * As net.Socket's: the addresses a connect() to a host name tried, `"address:port"` each, in the
   * order the attempts started (happy eyeballs); undefined for an IP literal host, or before the lookup.
   */
  autoSelectFamilyAttemptedAddresses: string[] | undefined = undefined;
  /**
   * The {@link MptServer} that accepted this socket; null for a client's socket. A plain property, as
   * net.Socket's: node:http sets it to its own server when an mpt socket is handed to it.
   */
  server: MptServer | null = null;

  #connection: Connection | undefined = undefined;
  /** The interval setKeepAlive() asked for, ms (0: off); undefined: never called. */
  #keepAliveMs: number | undefined = undefined;
  /** The PING interval the connection started with (a client's liveness PINGs), which setKeepAlive(false) restores. */
  #livenessMs = 0;
  #driver: EndpointDriver | undefined = undefined;
  #ownsDriver = false;
  #established = false;
  #refed = true;
  #readWanted = false;
  #readEnded = false;
  /** The end of the stream is pushed on a later turn than its last bytes, as net's EOF is a read of its own. */
  #endQueued = false;
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
  #queuedWrite: { chunk: Buffer; callback: (error?: Error | null) => void } | undefined = undefined;
  #queuedFinal: ((error?: Error | null) => void) | undefined = undefined;
  #writeCallback: ((error?: Error | null) => void) | undefined = undefined;
  #finalCallback: ((error?: Error | null) => void) | undefined = undefined;
  #timeoutMs = 0;
  #inactivity: NodeJS.Timeout | undefined = undefined;
  #connectTimer: NodeJS.Timeout | undefined = undefined;
  #probeTimer: NodeJS.Timeout | undefined = undefined;
  #probe: VersionProbe | undefined = undefined;
  #probeSentAtMs = 0;
  #serverAlive = false;
  #connectOptions: MptConnectOptions | undefined = undefined;
  #signal: AbortSignal | undefined = undefined;
  #onAbort: (() => void) | undefined = undefined;
  #onServerRelease: (() => void) | undefined = undefined;
  #onServerConnected: ((socket: MptSocket) => void) | undefined = undefined;
  /** The interface monitor this (client) socket follows, if any. */
  #monitor: InterfaceMonitor | undefined = undefined;
  #ownsMonitor = false;
  #onInterfaceChange: ((change: InterfaceChange) => void) | undefined = undefined;
  /** Interface changes are applied one at a time (binding is asynchronous). */
  #interfaceWork: Promise<void> = Promise.resolve();
  /** Whether the first socket's address is in the interface table (else the path manager was told it went away). */
  #primaryPresent = true;
  /** Happy eyeballs: the cache and this destination's key in it. */
  #cache: HappyEyeballsCache | undefined = undefined;
  #cacheKey: string | undefined = undefined;
  /** When the first attempt started, driver ms. */
  #raceStartedAtMs = 0;
  /** Happy eyeballs: addresses of a family that answered after the race started (RFC 8305 §3), and their attempt delay. */
  #lateDestinations: Destination[] = [];
  #lateWork: Promise<void> = Promise.resolve();
  #attemptDelayMs = 0;
  #otherLocal: SocketAddress | undefined = undefined;

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
    if (this.#connection !== undefined || this.connecting || this.destroyed) {
      throw new MptError(MptErrorCode.InvalidState, 'the socket is already connected or connecting');
    }
    const [raw, onConnect] = normalizeArgs(args);
    const options = checkConnectOptions(raw as unknown as MptConnectOptions);
    validateConnectOptions(options);
    if (onConnect !== undefined) this.once('connect', onConnect as () => void);
    this.connecting = true;
    this.#connectOptions = options;
    const signal = options.signal;
    // An aborted signal fails the connect before anything starts (no lookup, no socket, no timer); the
    // error comes on the next tick, as node:net's.
    if (signal?.aborted === true) {
      process.nextTick(() => this.destroy(abortError(signal)));
      return this;
    }
    const timeoutMs = options.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.#connectTimer = setTimeout(() => this.#onConnectTimeout(timeoutMs), timeoutMs);
    // The probe goes out just after the engine's first handshake retransmission (at 2 initial RTTs).
    const probeAtMs = Math.min(timeoutMs / 2, 2 * (options.initialRttMs ?? DEFAULT_INITIAL_RTT_MS) + 50);
    this.#probeTimer = setTimeout(() => this.#sendProbe(), probeAtMs);
    if (signal !== undefined) {
      // An abort stops every happy-eyeballs attempt at once: the connection closes silently (nothing
      // was established, so no CLOSE is owed) and _destroy closes the sockets and timers right away.
      this.#signal = signal;
      this.#onAbort = () => this.destroy(abortError(signal));
      signal.addEventListener('abort', this.#onAbort, { once: true });
    }
    this.#start(options).catch((error: unknown) => this.destroy(toMptError(error)));
    return this;
  }

  async #start(options: MptConnectOptions): Promise<void> {
    const host = options.host ?? 'localhost';
    // net lets port 0 through its checks, and the kernel refuses the connection: so does mpt.
    if (options.port === 0) throw new MptError(MptErrorCode.ConnectionRefused, `connect ECONNREFUSED ${host}:0`);
    // As net: a 'lookup' event per address a host name resolved to (err, address, family, host), or one
    // with the error.
    const named = isIP(host) === 0;
    const announce = (list: readonly Destination[]): void => {
      if (named && !this.destroyed) for (const d of list) this.emit('lookup', null, d.host, d.family, host);
    };
    const resolved = await resolveHost(host, {
      family: options.family ?? 0,
      lookup: options.lookup,
      hints: options.hints,
      resolutionDelayMs: options.resolutionDelay,
      onLate: (late) => {
        announce(late);
        this.#lateDestinations.push(...late);
        if (this.#connection !== undefined) this.#raceLate(options);
      },
    }).catch((error: unknown) => {
      if (named && !this.destroyed) this.emit('lookup', error, undefined, undefined, host);
      throw error;
    });
    if (this.destroyed) return;
    announce(resolved);
    // As net, which lists the addresses tried when it looked a name up.
    if (named) this.autoSelectFamilyAttemptedAddresses = [];
    // Happy eyeballs (RFC 8305): every resolved address is raced (see the lookup option).
    const cache = options.happyEyeballsCache ?? processCache;
    this.#cacheKey = cacheKey(host, options.port);
    this.#cache = cache;
    const plan = planAttempts(resolved, {
      cache,
      key: this.#cacheKey,
      nowMs: Date.now(),
      firstAddressFamilyCount: options.firstAddressFamilyCount,
      attemptDelayMs: options.autoSelectFamilyAttemptTimeout,
    });
    const lead = plan.order[0] as Destination;
    const address = lead.host;
    const family = lead.family;
    const sameFamily = plan.order.filter((d) => d.family === family);
    this.remoteAddress = address;
    this.remotePort = options.port;
    this.remoteFamily = family === 6 ? 'IPv6' : 'IPv4';
    const transport = withLivenessPings(withLoopbackDatagrams(pickTransport(options), address));
    this.#livenessMs = typeof transport.keepAliveIntervalMs === 'number' ? transport.keepAliveIntervalMs : 0;
    const endpoint = Endpoint.create({ transport, provider: options.provider });
    if (endpoint.isErr()) throw endpoint.error;
    const remote: SocketAddress = { host: address, port: options.port };
    const maxPaths = options.maxPaths ?? DEFAULT_MAX_PATHS;
    const pathManager = resolvePathManager(options.pathManager, maxPaths);
    const follow = this.#setUpMonitor(options, pathManager !== undefined);
    const described = this.#monitor?.addresses() ?? describeInterfaces(readInterfaceTable(), monitorOptions(options.interfaceMonitor));
    const candidates = described.filter((a) => a.family === family && !a.internal && isLoopback(a.address) === isLoopback(remote.host)).map((a) => a.address);
    const driver = await EndpointDriver.bind(endpoint.value, await localBindings(options, family, remote, maxPaths, candidates, sameFamily.length > 1));
    if (this.destroyed) {
      driver.destroy();
      return;
    }
    this.#driver = driver;
    this.#ownsDriver = true;
    // The driver keeps the process alive only while this socket is active (#updateHold), as net's handle.
    driver.setRef(false);
    this.#updateHold();
    driver.onUnreachable = (error) => {
      if (!this.connecting) return;
      // The connected socket's ICMP error concerns the first destination: with other attempts, only that one fails.
      const connection = this.#connection;
      if (connection === undefined || connection.raceAttempts().length === 0) return void this.destroy(error);
      const allFailed = connection.failAttempt(driver.now(), driver.local, remote, error.message);
      driver.schedule();
      if (allFailed) this.destroy(this.#connectFailed('every attempt failed'));
    };
    driver.onRawDatagram = (bytes) => this.#onRawDatagram(bytes);
    // The addresses of the other family are raced too (RFC 8305 §4), from a second socket of that family.
    const otherLocal = await this.#otherFamilySocket(driver, options, plan.order, family);
    if (this.destroyed) return;
    this.#otherLocal = otherLocal;
    this.#attemptDelayMs = plan.attemptDelayMs;
    const raced = plan.order.filter((d) => d.family === family || otherLocal !== undefined);
    // The connected socket's address is the source address the kernel picked for this peer.
    this.localAddress = driver.local.host;
    this.localPort = driver.local.port;
    const connection = endpoint.value.connect(driver.now(), driver.local, remote, {
      serverKey: options.serverKey,
      psk: options.psk,
      staticKeyPair: options.keyPair,
      verifyServerKey: options.verifyServerKey,
      earlyData: options.earlyData,
      // The path manager may open paths from any socket the driver bound (their addresses are the very
      // objects the driver hands the engine with each datagram).
      pathManager,
      localAddresses: driver.addresses(),
      localInterfaces: describeBound(driver.addresses(), described),
      // The other attempts of the family leave from the same socket (its unconnected twin reaches any
      // address), those of the other family from the socket bound for them.
      race:
        raced.length > 1
          ? {
              alternatives: raced.slice(1).map((d) => ({ local: d.family === family ? driver.local : (otherLocal as SocketAddress), remote: { host: d.host, port: options.port } })),
              attemptDelayMs: plan.attemptDelayMs,
            }
          : undefined,
    });
    if (connection.isErr()) throw connection.error;
    this.#raceStartedAtMs = driver.now();
    // A race reports each attempt as it starts ('connectionAttempt'); a lone address is tried now.
    if (raced.length <= 1) this.#attempted(address, options.port);
    this.#connection = connection.value;
    this.#applyKeepAlive();
    driver.attach(connection.value, this);
    if (follow) this.#followInterfaces(options, family, remote);
    if (this.#lateDestinations.length > 0) this.#raceLate(options);
  }

  /**
   * Adds the addresses that resolved after the race started to it (RFC 8305 §3), in RFC 6724 order, one
   * attempt delay after the latest attempt. Those of the other family than the first destination's leave
   * from the second socket, bound now if the race had none (left out as in {@link #otherFamilySocket}).
   */
  #raceLate(options: MptConnectOptions): void {
    this.#lateWork = this.#lateWork
      .then(async () => {
        const driver = this.#driver;
        const connection = this.#connection;
        const late = orderDestinations(this.#lateDestinations.splice(0));
        if (driver === undefined || connection === undefined || !this.connecting || this.destroyed || late.length === 0) return;
        const family = isIP(driver.local.host) === 6 ? 6 : 4;
        if (this.#otherLocal === undefined && late.some((d) => d.family !== family)) {
          this.#otherLocal = await this.#otherFamilySocket(driver, options, late, family);
          if (!this.connecting || this.destroyed) return;
        }
        const targets = late
          .filter((d) => d.family !== family && this.#otherLocal !== undefined)
          .map((d) => ({ local: this.#otherLocal as SocketAddress, remote: { host: d.host, port: options.port } }));
        if (connection.addRaceDestinations(driver.now(), targets, this.#attemptDelayMs)) driver.schedule();
      })
      .catch(() => {});
  }

  /**
   * Resolves the `interfaceMonitor` option: sets {@link #monitor} (started, if the socket owns it) and
   * returns whether the socket follows its changes.
   */
  #setUpMonitor(options: MptConnectOptions, hasPathManager: boolean): boolean {
    const setting = options.interfaceMonitor;
    const explicit = options.localAddresses !== undefined || options.localAddress !== undefined;
    const follow = hasPathManager && (setting === undefined ? !explicit : setting !== false);
    if (setting instanceof InterfaceMonitor) {
      this.#monitor = setting;
      if (setting.polls === 0) setting.poll();
      return follow;
    }
    if (!follow) return false;
    this.#monitor = new InterfaceMonitor(monitorOptions(setting)).start();
    this.#ownsMonitor = true;
    return true;
  }

  /**
   * For a race over both families: binds a socket of the other family, on the source address the routing
   * table picks for its first address (a wildcard socket would leave the engine an unspecified local
   * address), and returns its address. Undefined, and that family is left out of the race, when the
   * addresses resolved are of one family, the local address is pinned (`localAddress`,
   * `localAddresses`), or the other family has no route or cannot bind.
   */
  async #otherFamilySocket(driver: EndpointDriver, options: MptConnectOptions, order: readonly Destination[], family: 4 | 6): Promise<SocketAddress | undefined> {
    const first = order.find((d) => d.family !== family);
    if (first === undefined || options.localAddress !== undefined || options.localAddresses !== undefined) return undefined;
    const remote = { host: first.host, port: options.port };
    const source = await routedSourceAddress(remote, first.family);
    if (source === undefined || this.destroyed) return undefined;
    try {
      return await driver.addSocket({ type: first.family === 6 ? 'udp6' : 'udp4', host: source, port: 0 });
    } catch {
      return undefined;
    }
  }

  /** Subscribes to the monitor's changes (once the connection exists). */
  #followInterfaces(options: MptConnectOptions, family: 4 | 6, remote: SocketAddress): void {
    const monitor = this.#monitor;
    if (monitor === undefined || this.destroyed) return;
    const listed = options.localAddresses === undefined ? undefined : new Set(options.localAddresses);
    const eligible = (a: InterfaceAddress): boolean =>
      listed !== undefined ? listed.has(a.address) : a.family === family && !a.internal && isLoopback(a.address) === isLoopback(remote.host);
    const port = options.localPort ?? 0;
    this.#onInterfaceChange = (change) => {
      this.#interfaceWork = this.#interfaceWork.then(() => this.#applyInterfaceChange(change, eligible, port)).catch(() => {});
    };
    monitor.on('change', this.#onInterfaceChange);
  }

  /** Binds or closes sockets for one interface change and tells the path manager. */
  async #applyInterfaceChange(change: InterfaceChange, eligible: (a: InterfaceAddress) => boolean, port: number): Promise<void> {
    const driver = this.#driver;
    const connection = this.#connection;
    if (driver === undefined || connection === undefined || this.destroyed) return;
    const events: MptLocalAddressEvent[] = [];
    const closing: SocketAddress[] = [];
    for (const a of change.removed) {
      const bound = driver.addresses().find((b) => b.host === a.address);
      if (bound === undefined) continue;
      if (bound === driver.local) this.#primaryPresent = false;
      else closing.push(bound);
      events.push({ change: 'removed', address: { host: bound.host, port: bound.port }, interface: infoOf(a) });
    }
    for (const a of change.added) {
      if (a.address === driver.local.host) {
        if (!this.#primaryPresent) events.push({ change: 'added', address: { host: driver.local.host, port: driver.local.port }, interface: infoOf(a) });
        this.#primaryPresent = true;
        continue;
      }
      if (!eligible(a) || driver.addresses().some((b) => b.host === a.address)) continue;
      let local: SocketAddress;
      try {
        local = await driver.addSocket({ type: a.family === 6 ? 'udp6' : 'udp4', host: a.address, port });
      } catch {
        continue; // cannot bind (the address went again, the port is taken): the next change may do better
      }
      if (this.destroyed) return;
      events.push({ change: 'added', address: { host: local.host, port: local.port }, interface: infoOf(a) });
    }
    if (events.length === 0 && change.changed.length === 0) return;
    const closingSet = new Set(closing);
    const addresses = driver.addresses().filter((b) => !closingSet.has(b) && (b !== driver.local || this.#primaryPresent));
    const monitor = this.#monitor;
    connection.setLocalAddresses(driver.now(), addresses, describeBound(addresses, monitor?.addresses() ?? []));
    driver.schedule();
    // The path manager's PATH_ABANDONs for the closed address go out in the flush scheduled above;
    // the sockets close after it.
    if (closing.length > 0) setImmediate(() => closing.forEach((b) => driver.closeSocket(b)));
    for (const e of events) this.emit('localAddress', e);
  }

  #stopMonitor(): void {
    const monitor = this.#monitor;
    if (monitor === undefined) return;
    if (this.#onInterfaceChange !== undefined) monitor.off('change', this.#onInterfaceChange);
    this.#onInterfaceChange = undefined;
    if (this.#ownsMonitor) monitor.stop();
  }

  #sendProbe(): void {
    this.#probeTimer = undefined;
    const driver = this.#driver;
    if (!this.connecting || driver === undefined || this.remoteAddress === undefined || this.remotePort === undefined) return;
    this.#probe = makeVersionProbe();
    this.#probeSentAtMs = driver.now();
    driver.sendRaw(this.#probe.datagram, { host: this.remoteAddress, port: this.remotePort });
  }

  #onRawDatagram(bytes: Buffer): boolean {
    const probe = this.#probe;
    if (probe === undefined || !answersProbe(bytes, probe)) return false;
    this.#probe = undefined;
    if (!this.connecting || this.#driver === undefined) return true;
    this.#serverAlive = true;
    // The server read our Initial (sent twice by now) before the probe, in order, and answered only the
    // probe. Give a reply to the Initial a little longer to show up (crypto takes time), then conclude.
    const rttMs = this.#driver.now() - this.#probeSentAtMs;
    clearTimeout(this.#probeTimer);
    this.#probeTimer = setTimeout(() => {
      if (this.connecting) this.destroy(this.#handshakeRefused());
    }, Math.max(100, 4 * rttMs));
    return true;
  }

  #handshakeRefused(): MptError {
    const where = `${this.remoteAddress ?? '?'}:${this.remotePort ?? '?'}`;
    const options = this.#connectOptions;
    const also = 'it may also have refused our client key or be at its connection limit';
    if ((this.#connection?.stats.packetsDropped ?? 0) > 0) {
      // The server did answer, but its answers did not pass: the engine rejected them.
      if (options?.verifyServerKey !== undefined) {
        return new MptError(MptErrorCode.ServerKeyMismatch, `the server at ${where} presented a static key that verifyServerKey rejected`);
      }
      return new MptError(MptErrorCode.HandshakeFailed, `the server at ${where} answered, but its handshake messages did not authenticate`);
    }
    if (options?.serverKey !== undefined) {
      return new MptError(
        MptErrorCode.ServerKeyMismatch,
        `an mpt server answers at ${where} but silently dropped our handshake: the pinned serverKey is most likely not its key (${also})`,
      );
    }
    if (options?.psk !== undefined) {
      return new MptError(MptErrorCode.HandshakeFailed, `an mpt server answers at ${where} but silently dropped our handshake: the psk is most likely wrong (${also})`);
    }
    return new MptError(MptErrorCode.HandshakeFailed, `an mpt server answers at ${where} but silently dropped our handshake (${also})`);
  }

  #onConnectTimeout(timeoutMs: number): void {
    this.#connectTimer = undefined;
    if (!this.connecting) return;
    if ((this.#connection?.raceAttempts().length ?? 0) > 0) return void this.destroy(this.#connectFailed(`no attempt was answered within ${timeoutMs} ms`));
    if (this.#serverAlive) return void this.destroy(this.#handshakeRefused());
    const where = `${this.remoteAddress ?? this.#connectOptions?.host ?? '?'}:${this.remotePort ?? this.#connectOptions?.port ?? '?'}`;
    this.destroy(new MptError(MptErrorCode.ConnectTimeout, `no answer from ${where} within ${timeoutMs} ms: no mpt server seems to listen there`));
  }

  /** ERR_MPT_CONNECT_FAILED listing every happy-eyeballs attempt. */
  #connectFailed(why: string): MptError {
    const nowMs = this.#driver?.now() ?? this.#raceStartedAtMs;
    const attempts: MptConnectAttempt[] = (this.#connection?.raceAttempts() ?? []).map((a) => ({
      address: a.remote.host,
      port: a.remote.port,
      family: isIP(a.remote.host) === 6 ? 6 : 4,
      localAddress: a.local.host,
      reason: a.failure ?? (a.state === 'waiting' ? 'not started' : 'no answer'),
      elapsedMs: a.startedAtMs < 0 ? -1 : nowMs - a.startedAtMs,
    }));
    const list = attempts.map((a) => `${a.address}:${a.port} (${a.reason}, ${Math.round(a.elapsedMs)} ms)`).join('; ');
    return new MptError(MptErrorCode.ConnectFailed, `cannot connect to ${this.#connectOptions?.host ?? '?'}: ${why}: ${list}`, { attempts });
  }

  /** Lists an address tried in {@link MptSocket.autoSelectFamilyAttemptedAddresses} (when a name was looked up). */
  #attempted(host: string, port: number): void {
    const list = this.autoSelectFamilyAttemptedAddresses;
    const entry = `${host}:${port}`;
    if (list !== undefined && !list.includes(entry)) list.push(entry);
  }

  /** A happy-eyeballs attempt changed: node:net's 'connectionAttempt' / 'connectionAttemptFailed' events, and the cache. */
  #onAttempt(event: AttemptEvent): void {
    const family = isIP(event.remote.host) === 6 ? 6 : 4;
    if (event.change === 'started') {
      this.#attempted(event.remote.host, event.remote.port);
      this.emit('connectionAttempt', event.remote.host, event.remote.port, family);
    }
    else if (event.change === 'failed') this.emit('connectionAttemptFailed', event.remote.host, event.remote.port, family, new MptError(MptErrorCode.ConnectionRefused, event.reason ?? 'unreachable'));
    else if (event.change === 'won') {
      const attempt = this.#connection?.raceAttempts()[event.index];
      if (attempt !== undefined && this.#cache !== undefined && this.#cacheKey !== undefined) {
        recordWinner(this.#cache, this.#cacheKey, attempt.remote.host, attempt.answeredAtMs - attempt.startedAtMs, Date.now());
      }
      this.remoteAddress = event.remote.host;
      this.remotePort = event.remote.port;
      this.remoteFamily = family === 6 ? 'IPv6' : 'IPv4';
      this.localAddress = event.local.host;
      this.localPort = event.local.port;
    }
  }

  /** @internal The server that accepted this socket. */
  [SET_SERVER](server: MptServer): void {
    this.server = server;
  }

  /** @internal The server's side: a connection whose handshake is under way. */
  [ADOPT](
    driver: EndpointDriver,
    connection: Connection,
    local: SocketAddress,
    onConnected: (socket: MptSocket) => void,
    onRelease: () => void,
  ): void {
    this.#driver = driver;
    this.#connection = connection;
    this.#applyKeepAlive();
    this.#ownsDriver = false;
    this.#onServerConnected = onConnected;
    this.#onServerRelease = onRelease;
    this.connecting = true;
    // The server socket the client's first datagram came to.
    this.localAddress = local.host;
    this.localPort = local.port;
    driver.attach(connection, this, local);
  }

  // ----- engine events ----------------------------------------------------------------------

  /** @internal */
  handleConnectionEvent(event: ConnectionEvent): void {
    switch (event.type) {
      case 'connected':
        return this.#onConnected(event.remoteStaticKey);
      case 'readable':
        if (this.#readWanted) this.#pull();
        return;
      case 'finished':
        // As net: the end is noticed without a reader, and 'end' follows once nothing is left unread.
        return this.#pull();
      case 'writable': {
        const callback = this.#writeCallback;
        this.#writeCallback = undefined;
        callback?.();
        return;
      }
      case 'reset':
        this.destroy(connectionReset(`the peer reset the stream (application error code ${event.applicationErrorCode})`));
        return;
      case 'closed':
        return this.#onClosed(event);
      case 'path':
        return this.#onPathEvent(event);
      case 'remoteAddress':
        return this.#onRemoteAddress(event);
      case 'pathManagerError':
        return this.#onPathManagerError(event);
      case 'pathManagerLog':
        return;
      case 'attempt':
        return this.#onAttempt(event);
    }
  }

  #onPathEvent(event: PathEvent): void {
    const path = this.#connection?.pathById(event.pathId);
    const out: MptPathEvent = {
      id: event.pathId,
      change: PATH_CHANGES[event.change],
      reasonCode: event.reasonCode,
      path: path === undefined ? undefined : pathInfo(path),
    };
    this.emit('path', out);
    this.#updateReachability();
  }

  /** 'offline' when no path is left that can carry data (every one failed or closed), 'online' when one can again. */
  #updateReachability(): void {
    const connection = this.#connection;
    if (connection === undefined || !this.#established || this.destroyed) return;
    const usable = connection.paths.some((p) => p.state === 'active' || p.state === 'backup');
    if (usable === !this.#offline) return;
    this.#offline = !usable;
    this.emit(usable ? 'online' : 'offline');
  }

  #onRemoteAddress(event: RemoteAddressEvent): void {
    const out: MptRemoteAddressEvent = { change: event.change, address: { host: event.address.host, port: event.address.port } };
    this.emit('remoteAddress', out);
  }

  #onPathManagerError(event: PathManagerErrorEvent): void {
    const out: MptPathManagerErrorEvent = { pathManager: event.pathManager, hook: event.hook, error: event.error };
    this.emit('pathManagerError', out);
  }

  /** @internal Every UDP socket the connection used failed. */
  handleSocketError(error: MptError): void {
    this.destroy(error);
  }

  /** @internal */
  afterEvents(): void {
    const connection = this.#connection;
    if (connection === undefined) return;
    if (this.#finalCallback !== undefined && connection.writeEnded) {
      const callback = this.#finalCallback;
      this.#finalCallback = undefined;
      callback();
    }
    this.#updateHold();
  }

  #onConnected(remoteStaticKey: Uint8Array | undefined): void {
    const connection = this.#connection;
    if (connection === undefined || this.destroyed) return;
    this.connecting = false;
    this.#established = true;
    this.remotePublicKey = remoteStaticKey;
    this.#clearConnectTimers();
    const path = connection.paths[0];
    if (path !== undefined && this.remoteAddress === undefined) {
      this.remoteAddress = path.remote.host;
      this.remotePort = path.remote.port;
      this.remoteFamily = isIP(path.remote.host) === 6 ? 'IPv6' : 'IPv4';
    }
    if (this.#ownsDriver) this.#addExtraRemotes(connection);
    this.#touch();
    // As net: data flows into the stream's buffer from the start, up to its high-water mark, reader or
    // not: a server's socket from before 'connection', a client's from after 'connect' unless the
    // application paused it by then.
    if (this.#onServerConnected !== undefined) {
      const onConnected = this.#onServerConnected;
      this.#onServerConnected = undefined;
      if (!this.isPaused()) this.read(0); // pauseOnConnect: nothing is read until resume()
      onConnected(this);
    } else {
      this.emit('connect');
      this.emit('ready');
      if (!this.destroyed && !this.isPaused()) this.read(0);
    }
    // What was written while connecting goes out now, after 'connect' as net's (its callback sees the
    // socket connected).
    const write = this.#queuedWrite;
    this.#queuedWrite = undefined;
    if (write !== undefined && !this.destroyed) this.#write(write.chunk, write.callback);
    const final = this.#queuedFinal;
    this.#queuedFinal = undefined;
    if (final !== undefined && !this.destroyed) this._final(final);
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
    const final = this.#finalCallback;
    this.#finalCallback = undefined;
    final?.();
    const write = this.#writeCallback;
    this.#writeCallback = undefined;
    write?.(brokenPipe());
    this.#pull();
  }

  // ----- Duplex -----------------------------------------------------------------------------

  /** @internal */
  override _read(): void {
    this.#readWanted = true;
    this.#pull();
  }

  /**
   * Moves received bytes into the stream while it wants more (as net reads from the kernel up to the
   * high-water mark, reader or not), and notices the end of the stream once every byte before the FIN
   * was moved.
   */
  #pull(): void {
    const connection = this.#connection;
    if (connection === undefined || !this.#established || this.#readEnded || this.destroyed) return;
    let got = 0;
    while (this.#readWanted) {
      const chunk = readChunk(connection);
      if (chunk === undefined) break;
      got += chunk.length;
      this.bytesRead += chunk.length;
      if (!this.push(chunk)) this.#readWanted = false;
    }
    if (got > 0) {
      this.#touch();
      this.#driver?.schedule(); // reading opened the receive window: MAX_DATA may be due
    }
    if (this.destroyed) return;
    if (connection.readEnded) this.#queueEnd();
    else if (this.#closed !== undefined && !connection.hasReadable && (this.#readWanted || this.readableLength === 0)) {
      // Closed cleanly, nothing more to read, and no FIN: the stream was cut short.
      return void this.destroy(connectionReset('the connection closed before the peer ended the stream'));
    }
    this.#updateHold();
  }

  /**
   * Ends the readable side on the next turn of the event loop: net reads the end of the stream apart
   * from its last bytes, so 'end' never comes in the same tick as the last 'data'. As net, 'end' is
   * emitted without a reader when nothing is left unread (read(0)); unread bytes hold it back.
   */
  #queueEnd(): void {
    if (this.#endQueued) return;
    this.#endQueued = true;
    setImmediate(() => {
      if (this.destroyed) return;
      this.#readEnded = true;
      this.push(null);
      this.read(0);
    });
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
    if (!this.#established) {
      this.#queuedWrite = { chunk, callback };
      return;
    }
    this.#write(chunk, callback);
  }

  #write(chunk: Buffer, callback: (error?: Error | null) => void): void {
    const connection = this.#connection as Connection;
    if (this.#closed !== undefined || (connection.state !== 'established' && connection.state !== 'handshaking')) {
      callback(this.#closeError ?? brokenPipe());
      return;
    }
    const ok = connection.write(chunk);
    this.#bytesDispatched += chunk.length;
    this.#touch();
    this.#driver?.schedule();
    if (ok) callback();
    else this.#writeCallback = callback;
  }

  /** @internal */
  override _final(callback: (error?: Error | null) => void): void {
    if (!this.#established) {
      this.#queuedFinal = callback;
      return;
    }
    const connection = this.#connection as Connection;
    if (this.#closed !== undefined || (connection.state !== 'established' && connection.state !== 'handshaking')) {
      callback(this.#closeError);
      return;
    }
    connection.shutdown();
    // 'finish' waits until the peer acknowledged every byte and the FIN, so that a close after it loses nothing.
    this.#finalCallback = callback;
    this.#driver?.schedule();
  }

  /** @internal */
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#clearConnectTimers();
    this.#stopMonitor();
    this.#clearInactivity();
    if (this.#signal !== undefined && this.#onAbort !== undefined) this.#signal.removeEventListener('abort', this.#onAbort);
    this.connecting = false;
    const connection = this.#connection;
    const driver = this.#driver;
    let graceful = false;
    if (connection !== undefined && driver !== undefined) {
      driver.detach(connection);
      if (connection.state === 'handshaking' || connection.state === 'established') {
        // As TCP's close() under net's destroy(), with or without an error: with nothing unread, a FIN after
        // what was written, and the connection closes cleanly once the peer ends too (Linger); with unread
        // bytes, or after resetAndDestroy(), an abort (TCP's RST), the peer's ECONNRESET.
        graceful = this.#established && !this.#resetOnDestroy && !connection.hasReadable;
        if (graceful) Linger.start(driver, connection, this.#refed);
        else connection.close(driver.now(), ReasonCode.ApplicationClose, ABORT_CODE, this.#resetOnDestroy ? 'socket reset' : 'socket destroyed');
      }
      // A connection that closed silently (still handshaking: an abort, a failed connect) owes no CLOSE:
      // its sockets and timers go now rather than on the next flush.
      if (this.#ownsDriver && connection.state === 'closed') driver.destroy();
      else {
        driver.schedule();
        if (this.#ownsDriver) driver.closeWhenIdle();
      }
    } else if (driver !== undefined && this.#ownsDriver) {
      driver.destroy();
    }
    this.#settleCallbacks(graceful, error);
    driver?.hold(this, false);
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
   * Settles the write and end callbacks the connection still held: a write the connection took stays
   * sent when the close is graceful (the Linger delivers it), everything else fails with the error the
   * socket was destroyed with (ETIMEDOUT for a peer that went silent), or as node:stream fails the writes
   * it drops.
   */
  #settleCallbacks(graceful: boolean, error: Error | null): void {
    const failure = error ?? destroyedError();
    const write = this.#writeCallback;
    const final = this.#finalCallback;
    const queuedWrite = this.#queuedWrite;
    const queuedFinal = this.#queuedFinal;
    this.#writeCallback = this.#finalCallback = this.#queuedFinal = this.#queuedWrite = undefined;
    if (write !== undefined) write(graceful ? null : failure);
    // Writes made while connecting were never sent: net's error for them.
    queuedWrite?.callback(error ?? closedBeforeConnection());
    final?.(failure);
    queuedFinal?.(error ?? closedBeforeConnection());
  }

  /**
   * Aborts the connection and destroys the socket, as net.Socket#resetAndDestroy (a TCP RST): the peer
   * gets ECONNRESET, whatever was written and not yet delivered is dropped; this socket closes without
   * an error.
   */
  resetAndDestroy(): this {
    // As net's: a socket that never connected has nothing to reset (ERR_SOCKET_CLOSED); one that is
    // connecting is reset once connected.
    if (this.#connectOptions === undefined && this.#connection === undefined && !this.connecting) {
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
  override on(event: 'path', listener: (event: MptPathEvent) => void): this;
  override on(event: 'remoteAddress', listener: (event: MptRemoteAddressEvent) => void): this;
  override on(event: 'pathManagerError', listener: (event: MptPathManagerErrorEvent) => void): this;
  override on(event: 'localAddress', listener: (event: MptLocalAddressEvent) => void): this;
  override on(event: string | symbol, listener: (...args: any[]) => void): this;
  override on(event: string | symbol, listener: (...args: any[]) => void): this {
    return super.on(event, listener);
  }

  /** As {@link MptSocket.on}, for one event only. */
  override once(event: 'path', listener: (event: MptPathEvent) => void): this;
  override once(event: 'remoteAddress', listener: (event: MptRemoteAddressEvent) => void): this;
  override once(event: 'pathManagerError', listener: (event: MptPathManagerErrorEvent) => void): this;
  override once(event: 'localAddress', listener: (event: MptLocalAddressEvent) => void): this;
  override once(event: string | symbol, listener: (...args: any[]) => void): this;
  override once(event: string | symbol, listener: (...args: any[]) => void): this {
    return super.once(event, listener);
  }

  /** Removes a listener added with {@link MptSocket.on} or {@link MptSocket.once}. */
  override off(event: 'path', listener: (event: MptPathEvent) => void): this;
  override off(event: 'remoteAddress', listener: (event: MptRemoteAddressEvent) => void): this;
  override off(event: 'pathManagerError', listener: (event: MptPathManagerErrorEvent) => void): this;
  override off(event: 'localAddress', listener: (event: MptLocalAddressEvent) => void): this;
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
    this.#clearInactivity();
    this.#timeoutMs = ms;
    if (ms > 0 && !this.destroyed) this.#armInactivity();
    return this;
  }

  /** The current inactivity timeout in ms (0: none). */
  get timeout(): number {
    return this.#timeoutMs;
  }

  /** As net.Socket's plain `timeout` property: assigning it changes the number, not the timer (use setTimeout). */
  set timeout(ms: number) {
    this.#timeoutMs = ms;
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
    this.#keepAliveMs = enable ? (initialDelayMs > 0 ? initialDelayMs : DEFAULT_KEEPALIVE_MS) : 0;
    this.#applyKeepAlive();
    return this;
  }

  /** Hands a setKeepAlive() value to the connection, now or once it exists. */
  #applyKeepAlive(): void {
    const connection = this.#connection;
    if (this.#keepAliveMs === undefined || connection === undefined || this.#driver === undefined) return;
    // Keepalive never shortens a connection's life (as TCP's): the liveness PINGs go on at least as often.
    const asked = this.#keepAliveMs;
    const liveness = this.#livenessMs;
    const intervalMs = asked === 0 ? liveness : liveness > 0 ? Math.min(asked, liveness) : asked;
    connection.setKeepAlive(this.#driver.now(), intervalMs);
    this.#driver.schedule();
  }

  /** Lets the process exit while this socket is open and active (see {@link MptSocket.ref}). */
  unref(): this {
    this.#refed = false;
    this.#updateHold();
    return this;
  }

  /** Undoes {@link MptSocket.unref}. */
  ref(): this {
    this.#refed = true;
    this.#updateHold();
    return this;
  }

  /**
   * Tells the driver whether this socket keeps the process alive: as a node:net socket's handle, while
   * it connects, reads (data flows into the stream's buffer: not paused at its high-water mark, the
   * peer's end not reached) or has writes in flight (not yet acknowledged, or the FIN), unless unref'd.
   * A socket that waits for nothing (paused and full, or both directions done with bytes still unread)
   * lets the process exit, as net's does.
   */
  #updateHold(): void {
    const driver = this.#driver;
    if (driver === undefined) return;
    driver.hold(this, this.#refed && !this.destroyed && this.#active());
  }

  #active(): boolean {
    if (this.connecting) return true;
    const connection = this.#connection;
    if (connection === undefined || this.#closed !== undefined) return false;
    const reading = this.#readWanted && !this.#endQueued;
    const writing = connection.bufferedBytes > 0 || this.#writeCallback !== undefined || this.#finalCallback !== undefined || this.writableLength > 0;
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
    const driver = this.#driver;
    if (driver === undefined || this.destroyed) return [];
    return driver.addresses().map((a) => ({ address: a.host, family: isIP(a.host) === 6 ? 'IPv6' : 'IPv4', port: a.port }));
  }

  /**
   * Bytes written so far: those handed to the connection and those still queued in the stream (as
   * net.Socket's, which counts what `write()` accepted, sent or not).
   */
  get bytesWritten(): number {
    let bytes = this.#bytesDispatched + (this.#queuedWrite?.chunk.length ?? 0);
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
    if (this.destroyed || (this.#connectOptions === undefined && this.#connection === undefined)) return undefined;
    return this.writableLength;
  }

  /**
   * As net.Socket's `Symbol.asyncDispose` (`await using socket = connect(...)`): destroys the socket, with
   * an ABORT_ERR AbortError unless its end was read, and resolves once it is closed (rejects if it failed
   * with another error).
   */
  override async [Symbol.asyncDispose](): Promise<void> {
    let error: Error | null = null;
    if (!this.destroyed) {
      error = this.readableEnded ? null : new MptError(MptErrorCode.Aborted, 'The operation was aborted');
      this.destroy(error ?? undefined);
    }
    // As net's (node:stream's): finished() listens in this very tick, so the abort's 'error' is handled;
    // and 'close' comes on a later turn than the destroy (as net's): settle once it came.
    const settled = new Promise<void>((resolve, reject) => {
      finished(this, (err) => (err !== null && err !== undefined && err !== error ? reject(err) : resolve()));
    });
    const closed = this.#closeEmitted ? undefined : new Promise((resolve) => this.once('close', resolve));
    try {
      await settled;
    } finally {
      await closed;
    }
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
    const connection = this.#connection;
    if (connection === undefined) return [];
    return connection.paths.map(pathInfo);
  }

  /** Connection-wide counters (a snapshot). */
  get stats(): ConnectionStats {
    const connection = this.#connection;
    return connection === undefined
      ? { packetsDropped: 0, bytesWritten: 0, bytesRead: 0, packetsLost: 0, bytesRetransmitted: 0 }
      : { ...connection.stats };
  }

  // ----- internals --------------------------------------------------------------------------

  /** Client: the server addresses given in `extraRemotes`, for the path manager to open paths to. */
  #addExtraRemotes(connection: Connection): void {
    const remotes = this.#connectOptions?.extraRemotes ?? [];
    const driver = this.#driver;
    if (driver === undefined) return;
    for (const r of remotes) connection.addRemoteAddress(driver.now(), { host: r.host, port: r.port });
    if (remotes.length > 0) driver.schedule();
  }

  #touch(): void {
    if (this.#inactivity !== undefined) this.#inactivity.refresh();
  }

  #armInactivity(): void {
    // As net's: one 'timeout' per idle period; activity (#touch: a read, a write) arms the timer again,
    // a fired one included (refresh()).
    this.#inactivity = setTimeout(() => {
      if (!this.destroyed) this.emit('timeout');
    }, this.#timeoutMs);
    this.#inactivity.unref();
  }

  #clearInactivity(): void {
    if (this.#inactivity === undefined) return;
    clearTimeout(this.#inactivity);
    this.#inactivity = undefined;
  }

  #clearConnectTimers(): void {
    clearTimeout(this.#connectTimer);
    clearTimeout(this.#probeTimer);
    this.#connectTimer = undefined;
    this.#probeTimer = undefined;
    this.#probe = undefined;
  }
}

/** The options object of an `interfaceMonitor` setting (none for a boolean or an instance). */
function monitorOptions(setting: MptConnectOptions['interfaceMonitor']): InterfaceMonitorOptions {
  return typeof setting === 'object' && !(setting instanceof InterfaceMonitor) ? setting : {};
}

/** An interface description without the address fields. */
function infoOf(a: InterfaceAddress): InterfaceInfo {
  return { name: a.name, type: a.type, metered: a.metered };
}

/** The bound addresses with their interfaces' descriptions, for the path manager (undescribed ones left out). */
function describeBound(bound: readonly SocketAddress[], described: readonly InterfaceAddress[]): LocalInterface[] {
  const out: LocalInterface[] = [];
  for (const address of bound) {
    const a = described.find((d) => d.address === address.host);
    if (a !== undefined) out.push({ address, ...infoOf(a) });
  }
  return out;
}

/** A plain snapshot of one engine path. */
function pathInfo(p: Path): MptPathInfo {
  return {
    id: p.id,
    local: { host: p.local.host, port: p.local.port },
    remote: { host: p.remote.host, port: p.remote.port },
    status: p.state,
    srttMs: p.loss.rtt.smoothedRttMs,
    minRttMs: p.loss.rtt.minRttMs,
    cwndBytes: p.cc.cwnd,
    bytesInFlight: p.loss.bytesInFlight,
    mtuBytes: p.mtuBytes,
    bytesSent: p.stats.bytesSent,
    bytesReceived: p.stats.bytesReceived,
    streamBytesSent: p.stats.streamBytesSent,
    packetsSent: p.stats.packetsSent,
    packetsReceived: p.stats.packetsReceived,
    packetsLost: p.stats.packetsLost,
    bytesRetransmitted: p.stats.streamBytesRetransmitted,
    validated: p.validated,
  };
}

/** The engine's path changes as the socket reports them: a failure is `down`, a recovery `up` again. */
const PATH_CHANGES: Readonly<Record<PathEvent['change'], MptPathChange>> = {
  up: 'up',
  recovered: 'up',
  failed: 'down',
  status: 'status',
  closed: 'closed',
};

/** The most bytes one 'data' event carries, as net reads 64 KiB at a time. */
const READ_CHUNK_BYTES = 65_536;

/**
 * The next bytes to hand to the reader: consecutive received segments joined up to
 * {@link READ_CHUNK_BYTES}, so a reader gets net's large chunks rather than one per datagram (a reader
 * that pauses per 'data' would otherwise crawl); a lone segment is handed over without a copy (read()
 * gives a view of a received datagram the engine no longer touches).
 */
function readChunk(connection: Connection): Buffer | undefined {
  const first = connection.read(READ_CHUNK_BYTES);
  if (first === undefined) return undefined;
  const head = view(first);
  let more = head.length < READ_CHUNK_BYTES ? connection.read(READ_CHUNK_BYTES - head.length) : undefined;
  if (more === undefined) return head;
  const parts = [head];
  let total = head.length;
  while (more !== undefined) {
    parts.push(view(more));
    total += more.length;
    more = total < READ_CHUNK_BYTES ? connection.read(READ_CHUNK_BYTES - total) : undefined;
  }
  return Buffer.concat(parts, total);
}

/** A Buffer over the same bytes (no copy). */
function view(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

/** A write after the peer closed the connection: EPIPE, as net's. */
function brokenPipe(): MptError {
  return new MptError(MptErrorCode.BrokenPipe, 'the connection was closed by the peer');
}

/** The peer aborted: ECONNRESET with net's message, what happened in `cause`. */
function connectionReset(detail: string): MptError {
  return new MptError(MptErrorCode.ConnectionReset, 'read ECONNRESET', { cause: new Error(detail) });
}

/** What a write made while connecting gets when the socket is destroyed first, as net's. */
function closedBeforeConnection(): Error {
  return Object.assign(new Error('Socket closed before the connection was established'), { code: 'ERR_SOCKET_CLOSED_BEFORE_CONNECTION' });
}

/** The error a write pending when the socket is destroyed gets, as node:stream's for writes it drops. */
function destroyedError(): Error {
  return Object.assign(new Error('Cannot call write after a stream was destroyed'), { code: 'ERR_STREAM_DESTROYED' });
}

function abortError(signal: AbortSignal): MptError {
  return new MptError(MptErrorCode.Aborted, 'the operation was aborted', { cause: signal.reason });
}

/** Anything thrown on the way to a connection, as an MptError; Node's own errors (with a `code`) as they are. */
export function toMptError(error: unknown): Error {
  if (error instanceof MptError) return error;
  if (error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string') return error;
  return new MptError(MptErrorCode.InvalidState, error instanceof Error ? error.message : String(error), { cause: error });
}

/**
 * The sockets a client binds: the first (connected to the server, so the kernel reports ICMP errors and
 * picks the source) carries the connection, and with `maxPaths` > 1 gets an unconnected twin so paths
 * from its address can reach the server's other addresses; with `localAddresses`, or by default the
 * other interface addresses of the server's family (see {@link MptConnectOptions.localAddresses}), one
 * more unconnected socket per other address, so a later path can reach any server address from it.
 */
async function localBindings(
  options: MptConnectOptions,
  family: 4 | 6,
  remote: SocketAddress,
  maxPaths: number,
  candidates: readonly string[],
  racing: boolean,
): Promise<BindOptions[]> {
  const port = options.localPort ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new MptError(MptErrorCode.InvalidConfig, `localPort must be an integer from 0 to 65535, got ${String(port)}`);
  }
  for (const r of options.extraRemotes ?? []) {
    if (isIP(r.host) === 0) throw new MptError(MptErrorCode.InvalidConfig, `extraRemotes hosts must be IP addresses, got ${JSON.stringify(r.host)}`);
    if (!Number.isInteger(r.port) || r.port <= 0 || r.port > 65_535) {
      throw new MptError(MptErrorCode.InvalidConfig, `extraRemotes ports must be integers from 1 to 65535, got ${String(r.port)}`);
    }
  }
  const list = options.localAddresses;
  if (list === undefined) {
    const type = family === 6 ? 'udp6' : 'udp4';
    const host = options.localAddress ?? (family === 6 ? '::' : '0.0.0.0');
    // Other paths, and other happy-eyeballs attempts, need the unconnected twin.
    const primary: BindOptions = { type, host, port, connectTo: remote, sendAnywhere: maxPaths > 1 || racing };
    if (options.localAddress !== undefined || maxPaths <= 1) return [primary];
    // The default: the path the routing table picks, then one more socket per other interface address.
    if (candidates.length === 0) return [primary];
    const source = await routedSourceAddress(remote, family);
    return [primary, ...candidates.filter((a) => a !== source).map((host): BindOptions => ({ type, host, port }))];
  }
  if (options.localAddress !== undefined) {
    throw new MptError(MptErrorCode.InvalidConfig, 'give localAddress or localAddresses, not both');
  }
  const addresses = [...new Set(list)];
  for (const a of addresses) {
    if (isIP(a) === 0) throw new MptError(MptErrorCode.InvalidConfig, `localAddresses must be IP addresses, got ${JSON.stringify(a)}`);
  }
  const first = addresses.findIndex((a) => isIP(a) === family);
  if (first < 0) {
    throw new MptError(MptErrorCode.InvalidConfig, `none of localAddresses is an IPv${family} address, and the server ${remote.host} is IPv${family}`);
  }
  const primary = addresses[first] as string;
  const bindings: BindOptions[] = [{ type: family === 6 ? 'udp6' : 'udp4', host: primary, port, connectTo: remote, sendAnywhere: maxPaths > 1 }];
  for (const a of addresses) if (a !== primary) bindings.push({ type: isIP(a) === 6 ? 'udp6' : 'udp4', host: a, port });
  return bindings;
}
