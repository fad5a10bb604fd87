import { isIP } from 'node:net';
import type { Connection } from '../core/connection.js';
import type { AttemptEvent } from '../core/connection-events.js';
import { Endpoint } from '../core/endpoint.js';
import { cacheKey, createHappyEyeballsCache, type HappyEyeballsCache } from '../core/happy-eyeballs/cache.js';
import { orderDestinations, type Destination } from '../core/happy-eyeballs/order.js';
import { planAttempts, recordWinner } from '../core/happy-eyeballs/plan.js';
import type { SocketAddress } from '../core/socket-address.js';
import { MptError, MptErrorCode } from '../errors.js';
import { connectFailed, ConnectWatchdog } from './connect-watchdog.js';
import { EndpointDriver } from './driver.js';
import { describeBound, InterfaceFollowing } from './interface-following.js';
import { isLoopback, routedSourceAddress } from './interfaces.js';
import { localBindings } from './local-bindings.js';
import { DEFAULT_MAX_PATHS, pickTransport, resolvePathManager, withLivenessPings, withLoopbackDatagrams, type MptConnectOptions } from './options.js';
import { resolveHost } from './resolve.js';
import { abortError, toMptError } from './socket-errors.js';

/**
 * Connect orchestration: what a client socket's connect() does between its arguments and the engine's
 * handshake. It resolves the host (a 'lookup' event per address), plans the happy-eyeballs race
 * (RFC 8305) over the addresses, binds the UDP sockets, starts the engine connection, and keeps the
 * race going (addresses that resolve late, unreachable destinations) until the handshake completes. It
 * runs the connect's {@link ConnectWatchdog} and the socket's {@link InterfaceFollowing}.
 * @module
 */

/** The happy-eyeballs cache every connect() shares unless given its own (`happyEyeballsCache`). */
const processCache: HappyEyeballsCache = createHappyEyeballsCache();

/**
 * What the connector sees of the socket it connects: net's address fields, which it sets as it learns
 * them, the events it emits on it ('lookup', 'localAddress'), and destroy() to fail the connect.
 */
export interface ConnectingSocket {
  /** Whether the socket was destroyed: the connect stops. */
  readonly destroyed: boolean;
  /** Whether the socket still connects (false once the handshake completed). */
  readonly connecting: boolean;
  /** The peer's address (the race's first destination, then the winner's). */
  remoteAddress: string | undefined;
  /** The peer's port. */
  remotePort: number | undefined;
  /** 'IPv4' or 'IPv6'. */
  remoteFamily: string | undefined;
  /** Our bound address. */
  localAddress: string | undefined;
  /** Our bound port. */
  localPort: number | undefined;
  /** The addresses tried, when a host name was looked up. */
  autoSelectFamilyAttemptedAddresses: string[] | undefined;
  /** Emits one of the socket's events. */
  emit(event: string, ...args: unknown[]): boolean;
  /** Destroys the socket (with the error the connect failed with). */
  destroy(error?: Error): unknown;
}

/** How the connector hands the socket what it built. */
export interface ConnectorHooks {
  /** The client's UDP sockets are bound: the socket owns `driver` and drives its connection through it. */
  bound(driver: EndpointDriver): void;
  /**
   * The engine connection exists (its handshake under way): the socket takes it and attaches it to the
   * driver. `livenessMs` is the PING interval it started with (0: none).
   */
  started(connection: Connection, livenessMs: number): void;
}

/** One client socket's connect(): from the arguments to the handshake's completion or failure. */
export class Connector {
  readonly #socket: ConnectingSocket;
  readonly #hooks: ConnectorHooks;
  readonly #options: MptConnectOptions;
  readonly #watchdog: ConnectWatchdog;
  readonly #interfaces: InterfaceFollowing;
  #driver: EndpointDriver | undefined = undefined;
  #connection: Connection | undefined = undefined;
  #onAbort: (() => void) | undefined = undefined;
  /** Happy eyeballs: the cache and this destination's key in it. */
  #cache: HappyEyeballsCache | undefined = undefined;
  #cacheKey: string | undefined = undefined;
  /** Happy eyeballs: addresses of a family that answered after the race started (RFC 8305 §3), and their attempt delay. */
  #lateDestinations: Destination[] = [];
  #lateWork: Promise<void> = Promise.resolve();
  #attemptDelayMs = 0;
  /** The socket bound for the other family's attempts, if any. */
  #otherLocal: SocketAddress | undefined = undefined;

  /** A connect of `socket` with (checked) `options`; nothing starts until {@link Connector.start}. */
  constructor(socket: ConnectingSocket, hooks: ConnectorHooks, options: MptConnectOptions) {
    this.#socket = socket;
    this.#hooks = hooks;
    this.#options = options;
    this.#watchdog = new ConnectWatchdog(
      {
        connecting: () => socket.connecting,
        remote: () => ({ host: socket.remoteAddress, port: socket.remotePort }),
        driver: () => this.#driver,
        connection: () => this.#connection,
        fail: (error) => void socket.destroy(error),
      },
      options,
    );
    this.#interfaces = new InterfaceFollowing(socket);
  }

  /**
   * Starts the connect: the watchdog's timers, the `signal` (an abort stops every happy-eyeballs attempt
   * at once: the connection closes silently, as nothing was established, and the socket is destroyed
   * with ABORT_ERR), then the lookup and what follows; a failure on the way destroys the socket.
   */
  start(): void {
    this.#watchdog.start();
    const signal = this.#options.signal;
    if (signal !== undefined) {
      this.#onAbort = () => this.#socket.destroy(abortError(signal));
      signal.addEventListener('abort', this.#onAbort, { once: true });
    }
    this.#run().catch((error: unknown) => this.#socket.destroy(toMptError(error)));
  }

  /** The socket is destroyed: stops the watchdog, interface following and the signal listener. */
  stop(): void {
    this.#watchdog.stop();
    this.#interfaces.stop();
    if (this.#options.signal !== undefined && this.#onAbort !== undefined) this.#options.signal.removeEventListener('abort', this.#onAbort);
  }

  /** The handshake completed: the watchdog stops. */
  connected(): void {
    this.#watchdog.stop();
  }

  /**
   * A happy-eyeballs attempt changed (the engine's `attempt` event): node:net's 'connectionAttempt' and
   * 'connectionAttemptFailed' events; the winner is remembered in the cache, and its addresses become the
   * socket's.
   */
  onAttempt(event: AttemptEvent): void {
    const socket = this.#socket;
    const family = isIP(event.remote.host) === 6 ? 6 : 4;
    if (event.change === 'started') {
      this.#attempted(event.remote.host, event.remote.port);
      socket.emit('connectionAttempt', event.remote.host, event.remote.port, family);
    }
    else if (event.change === 'failed') socket.emit('connectionAttemptFailed', event.remote.host, event.remote.port, family, new MptError(MptErrorCode.ConnectionRefused, event.reason ?? 'unreachable'));
    else if (event.change === 'won') {
      const attempt = this.#connection?.raceAttempts()[event.index];
      if (attempt !== undefined && this.#cache !== undefined && this.#cacheKey !== undefined) {
        recordWinner(this.#cache, this.#cacheKey, attempt.remote.host, attempt.answeredAtMs - attempt.startedAtMs, Date.now());
      }
      socket.remoteAddress = event.remote.host;
      socket.remotePort = event.remote.port;
      socket.remoteFamily = family === 6 ? 'IPv6' : 'IPv4';
      socket.localAddress = event.local.host;
      socket.localPort = event.local.port;
    }
  }

  /** Lists an address tried in the socket's `autoSelectFamilyAttemptedAddresses` (when a name was looked up). */
  #attempted(host: string, port: number): void {
    const list = this.#socket.autoSelectFamilyAttemptedAddresses;
    const entry = `${host}:${port}`;
    if (list !== undefined && !list.includes(entry)) list.push(entry);
  }

  async #run(): Promise<void> {
    const options = this.#options;
    const socket = this.#socket;
    const host = options.host ?? 'localhost';
    // net lets port 0 through its checks, and the kernel refuses the connection: so does mpt.
    if (options.port === 0) throw new MptError(MptErrorCode.ConnectionRefused, `connect ECONNREFUSED ${host}:0`);
    // As net: a 'lookup' event per address a host name resolved to (err, address, family, host), or one
    // with the error.
    const named = isIP(host) === 0;
    const announce = (list: readonly Destination[]): void => {
      if (named && !socket.destroyed) for (const d of list) socket.emit('lookup', null, d.host, d.family, host);
    };
    const resolved = await resolveHost(host, {
      family: options.family ?? 0,
      lookup: options.lookup,
      hints: options.hints,
      resolutionDelayMs: options.resolutionDelay,
      onLate: (late) => {
        announce(late);
        this.#lateDestinations.push(...late);
        if (this.#connection !== undefined) this.#raceLate();
      },
    }).catch((error: unknown) => {
      if (named && !socket.destroyed) socket.emit('lookup', error, undefined, undefined, host);
      throw error;
    });
    if (socket.destroyed) return;
    announce(resolved);
    // As net, which lists the addresses tried when it looked a name up.
    if (named) socket.autoSelectFamilyAttemptedAddresses = [];
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
    socket.remoteAddress = address;
    socket.remotePort = options.port;
    socket.remoteFamily = family === 6 ? 'IPv6' : 'IPv4';
    const transport = withLivenessPings(withLoopbackDatagrams(pickTransport(options), address));
    const livenessMs = typeof transport.keepAliveIntervalMs === 'number' ? transport.keepAliveIntervalMs : 0;
    const endpoint = Endpoint.create({ transport, provider: options.provider });
    if (endpoint.isErr()) throw endpoint.error;
    const remote: SocketAddress = { host: address, port: options.port };
    const maxPaths = options.maxPaths ?? DEFAULT_MAX_PATHS;
    const pathManager = resolvePathManager(options.pathManager, maxPaths);
    const follow = this.#interfaces.setUp(options, pathManager !== undefined);
    const described = this.#interfaces.described(options);
    const candidates = described.filter((a) => a.family === family && !a.internal && isLoopback(a.address) === isLoopback(remote.host)).map((a) => a.address);
    const driver = await EndpointDriver.bind(endpoint.value, await localBindings(options, family, remote, maxPaths, candidates, sameFamily.length > 1));
    if (socket.destroyed) {
      driver.destroy();
      return;
    }
    this.#driver = driver;
    this.#hooks.bound(driver);
    driver.onUnreachable = (error) => {
      if (!socket.connecting) return;
      // The connected socket's ICMP error concerns the first destination: with other attempts, only that one fails.
      const connection = this.#connection;
      if (connection === undefined || connection.raceAttempts().length === 0) return void socket.destroy(error);
      const allFailed = connection.failAttempt(driver.now(), driver.local, remote, error.message);
      driver.schedule();
      if (allFailed) socket.destroy(connectFailed(options.host, connection, driver.now(), 'every attempt failed'));
    };
    driver.onRawDatagram = (bytes) => this.#watchdog.onRawDatagram(bytes);
    // The addresses of the other family are raced too (RFC 8305 §4), from a second socket of that family.
    const otherLocal = await this.#otherFamilySocket(driver, plan.order, family);
    if (socket.destroyed) return;
    this.#otherLocal = otherLocal;
    this.#attemptDelayMs = plan.attemptDelayMs;
    const raced = plan.order.filter((d) => d.family === family || otherLocal !== undefined);
    // The connected socket's address is the source address the kernel picked for this peer.
    socket.localAddress = driver.local.host;
    socket.localPort = driver.local.port;
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
    // The extraRemotes are known from the start, not from 'connect': a handshake with a pinned key (IK)
    // completes on the server's first answer, and the path manager opens its first paths right then,
    // before the socket's 'connect' (it sees them in its context's remoteAddresses()).
    for (const r of options.extraRemotes ?? []) connection.value.addRemoteAddress(driver.now(), { host: r.host, port: r.port });
    // A race reports each attempt as it starts ('connectionAttempt'); a lone address is tried now.
    if (raced.length <= 1) this.#attempted(address, options.port);
    this.#connection = connection.value;
    this.#hooks.started(connection.value, livenessMs);
    if (follow) this.#interfaces.follow(options, family, remote, driver, connection.value);
    if (this.#lateDestinations.length > 0) this.#raceLate();
  }

  /**
   * Adds the addresses that resolved after the race started to it (RFC 8305 §3), in RFC 6724 order, one
   * attempt delay after the latest attempt. Those of the other family than the first destination's leave
   * from the second socket, bound now if the race had none (or left out: see `#otherFamilySocket`).
   */
  #raceLate(): void {
    const options = this.#options;
    const socket = this.#socket;
    this.#lateWork = this.#lateWork
      .then(async () => {
        const driver = this.#driver;
        const connection = this.#connection;
        const late = orderDestinations(this.#lateDestinations.splice(0));
        if (driver === undefined || connection === undefined || !socket.connecting || socket.destroyed || late.length === 0) return;
        const family = isIP(driver.local.host) === 6 ? 6 : 4;
        if (this.#otherLocal === undefined && late.some((d) => d.family !== family)) {
          this.#otherLocal = await this.#otherFamilySocket(driver, late, family);
          if (!socket.connecting || socket.destroyed) return;
        }
        const targets = late
          .filter((d) => d.family !== family && this.#otherLocal !== undefined)
          .map((d) => ({ local: this.#otherLocal as SocketAddress, remote: { host: d.host, port: options.port } }));
        if (connection.addRaceDestinations(driver.now(), targets, this.#attemptDelayMs)) driver.schedule();
      })
      .catch(() => {});
  }

  /**
   * For a race over both families: binds a socket of the other family, on the source address the routing
   * table picks for its first address (a wildcard socket would leave the engine an unspecified local
   * address), and returns its address. Undefined, and that family is left out of the race, when the
   * addresses resolved are of one family, the local address is pinned (`localAddress`,
   * `localAddresses`), or the other family has no route or cannot bind.
   */
  async #otherFamilySocket(driver: EndpointDriver, order: readonly Destination[], family: 4 | 6): Promise<SocketAddress | undefined> {
    const options = this.#options;
    const first = order.find((d) => d.family !== family);
    if (first === undefined || options.localAddress !== undefined || options.localAddresses !== undefined) return undefined;
    const remote = { host: first.host, port: options.port };
    const source = await routedSourceAddress(remote, first.family);
    if (source === undefined || this.#socket.destroyed) return undefined;
    try {
      return await driver.addSocket({ type: first.family === 6 ? 'udp6' : 'udp4', host: source, port: 0 });
    } catch {
      return undefined;
    }
  }
}
