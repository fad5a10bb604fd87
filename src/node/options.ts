import type { LookupAddress } from 'node:dns';
import { DEFAULT_TRANSPORT_CONFIG, MAX_DATAGRAM_SIZE, type TransportConfig } from '../core/config.js';
import type { SocketAddress } from '../core/socket-address.js';
import type { HappyEyeballsCache } from '../core/happy-eyeballs/cache.js';
import type { CryptoProvider } from '../crypto/provider.js';
import type { KeyPair } from '../crypto/x25519.js';
import { pathManagerByName, type PathManagerName } from '../path-managers/by-name.js';
import { fullmesh } from '../path-managers/fullmesh.js';
import type { PathManagerFactory } from '../core/path-manager.js';
import type { InterfaceMonitor, InterfaceMonitorOptions } from './interface-monitor.js';
import { isLoopback } from './interfaces.js';

/**
 * Options of the Node API: {@link connect}, {@link createServer} and the
 * socket. Transport settings (idle timeout, windows, congestion control...)
 * sit directly in the options object, as `idleTimeoutMs: 5000`.
 *
 * Options are checked when they are given: an unknown key (a typo such as
 * `idleTimeout`, answered with "did you mean idleTimeoutMs?"), a node:net
 * option mpt does not support (`fd`, `path`, `onread`...), or a value of
 * the wrong type or out of range makes `connect()`, `socket.connect()`,
 * `new MptSocket()`, `createServer()` and `server.listen()` throw an
 * MptError ERR_MPT_INVALID_CONFIG at once, naming the option. Undefined
 * values count as absent. docs/options.md has every option in tables.
 * @module
 */

/**
 * Transport settings, every one optional with a working default (the engine's TransportConfig, checked
 * by it: a value of the wrong type or out of range throws ERR_MPT_INVALID_CONFIG naming it):
 * - `idleTimeoutMs`: close the connection after this long without receiving anything on any path, ms;
 *   0 disables. The socket then fails with ETIMEDOUT: the peer is gone (a quiet peer that is alive
 *   answers the client's liveness PINGs). Whole ms, 0 to 3 600 000. Default 30 000, which rides out a
 *   10 s outage of every path. (Each end proposes its own; the smaller applies.)
 * - `keepAliveIntervalMs`: send a PING after this long without sending anything (keeps NAT bindings
 *   and the peer's idle timer), ms; 0 disables. 0 to 3 600 000. Default: a client, a third of
 *   `idleTimeoutMs` (10 000 by default); a server, 0 (the client's PINGs keep both
 *   ends' timers running). See also `setKeepAlive()`.
 * - `initialRttMs`: the RTT assumed before the first sample (RFC 9002 §6.2.2), ms; sets the first
 *   handshake retransmission (at twice it). 1 to 10 000. Default 333.
 * - `maxAckDelayMs`: longest we delay an ACK (transport parameter max_ack_delay), whole ms, 0 to 16 383. Default 25.
 * - `initialWindowBytes`: the receive window we start with (initial_max_data), bytes, 16 KiB to 1 GiB. Default 1 MiB.
 * - `maxWindowBytes`: the largest receive window auto-tuning may grow to, bytes, 16 KiB to 1 GiB and at
 *   least `initialWindowBytes`. Default 16 MiB.
 * - `sendBufferBytes`: bytes written but not yet acknowledged above which `write()` returns false
 *   (back-pressure), 16 KiB to 1 GiB. Default 4 MiB.
 * - `congestionControl`: the congestion controller of every path: `'olia'` (default), `'lia'`, `'balia'`
 *   (coupled: the paths together take no more than one TCP flow's share of a shared bottleneck, see
 *   docs/cc.md), or uncoupled `'cubic'`, `'reno'` (each path as its own flow); or a
 *   `CongestionControlFactory`: a `CongestionGroup` (its `createController` makes each path's
 *   controller) or a function that makes a group per connection (docs/cc.md, "Your own congestion control").
 * - `scheduler`: how packets are spread over the paths: `'minrtt'` (default: the lowest-RTT path with
 *   window room), `'roundrobin'` (paths take turns), `'redundant'` (every stream byte on every path);
 *   or a `SchedulerFactory`, a function that makes each connection's own `Scheduler`.
 *   Backup paths carry data only while no available path answers.
 * - `maxDatagramSizeBytes`: the upper bound of PMTU discovery, the largest UDP payload tried, bytes,
 *   1200 to 65 527. Default 1452 (Ethernet, IPv6); up to 64 KiB when the peer is on loopback.
 * - `pmtuDiscovery`: whether PMTU discovery probes above 1200 bytes. Default true.
 * - `pacing`: whether paths pace their packets (RFC 9002 §7.7). Default true.
 * - `maxPaths`: most paths open at once, path 0 included, 1 to 256 (the smaller of both ends' values
 *   applies). Default 8 in the Node API ({@link DEFAULT_MAX_PATHS}); the engine's own default is 1.
 */
export type TransportOptions = { readonly [K in keyof TransportConfig]?: TransportConfig[K] | undefined };

/** A resolver with the signature of `dns.lookup`, as node:net's `lookup` option; called with `all: true` (it may return one address or several). */
export type LookupFunction = (
  hostname: string,
  options: { family?: number; all?: boolean; hints?: number },
  callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
) => void;

/** Options of an {@link MptSocket}. */
export interface MptSocketOptions {
  /**
   * Whether the socket stays writable after the peer ended its direction.
   * Default false, as node:net: when the peer ends, we end too.
   */
  readonly allowHalfOpen?: boolean | undefined;
  /**
   * As node:net's: accepted for compatibility and ignored. mpt has no Nagle delay: written data goes out on
   * the next event-loop turn, within the congestion window and pacing.
   */
  readonly noDelay?: boolean | undefined;
  /**
   * As node:net's: `socket.setKeepAlive(true, keepAliveInitialDelay)` once the socket exists (see
   * {@link MptSocket.setKeepAlive}: a PING after that many ms without sending). Default false.
   */
  readonly keepAlive?: boolean | undefined;
  /** With `keepAlive`: ms without sending before a PING goes out; 0 (the default) means 15 000. */
  readonly keepAliveInitialDelay?: number | undefined;
  /** As node:net's (node:stream's): the stream's buffer limit in bytes, for reading and writing. Default 16 KiB. */
  readonly highWaterMark?: number | undefined;
  /**
   * As node:net's: an AbortSignal that destroys the socket with an ABORT_ERR AbortError when it aborts (at
   * once, on the next tick, if it already has). `connect()` takes its own `signal` (see
   * {@link MptConnectOptions.signal}).
   */
  readonly signal?: AbortSignal | undefined;
}

/** The `pathManager` option of {@link connect} and {@link createServer}. */
export interface PathManagerOptions {
  /**
   * Which paths the connection has beyond its first: a built-in path manager by name, or a path-manager
   * plugin (a `PathManager` object, or a function that makes one per connection; see the `PathManager`
   * interface), run by the engine. A plugin is given the connection's local addresses (a client: one per
   * UDP socket it bound, see `localAddresses`; a server: every address it listens on) and the peer's (the
   * one connected to, `extraRemotes`, and those the peer advertises), and opens, closes and advertises
   * through its context. A hook that throws is reported as a 'pathManagerError' event on the socket; the
   * connection carries on.
   *
   * The names (`PathManagerName`), each the manager with its defaults: `'fullmesh'` (`fullmesh({ maxPaths })`,
   * the connection's `maxPaths`), `'backup'` (`backup()`: hot backup paths from the other local addresses),
   * `'none'` (no path manager: the first path only), and the policy presets `'handover'`, `'interactive'`,
   * `'aggregate'` (`policy(name)`, see POLICY_PRESETS). For other settings, call the factory:
   * `pathManager: backup({ mode: 'cold' })`. Any other value throws ERR_MPT_INVALID_CONFIG.
   *
   * Default, when `maxPaths` > 1 (the Node default): `'fullmesh'`. A client opens a path per
   * (local address, server address) pair, spreading over unused addresses first while `maxPaths` cuts
   * the mesh short, and retries a pair whose path failed validation with back-off (1 s doubling to
   * 30 s); a server listening on several addresses advertises the others (ADD_ADDRESS) to every client,
   * so a client that reached one learns and uses them. With `maxPaths: 1`: `'none'`.
   */
  readonly pathManager?: PathManagerFactory | PathManagerName | undefined;
}

/** Options of {@link connect}. */
export interface MptConnectOptions extends TransportOptions, MptSocketOptions, PathManagerOptions {
  /** Server port. */
  readonly port: number;
  /** Server host name or address; default 'localhost'. */
  readonly host?: string | undefined;
  /** Address family to resolve the host to: 4, 6 or 0 (either). Default 0. */
  readonly family?: 0 | 4 | 6 | undefined;
  /** The server's static public key (32 bytes): pins it (Noise IK), and the connection fails if it differs. */
  readonly serverKey?: Uint8Array | undefined;
  /** A 32-byte pre-shared key (Noise NNpsk0) instead of static keys. */
  readonly psk?: Uint8Array | undefined;
  /** Our static key pair; default a fresh one per connection. */
  readonly keyPair?: KeyPair | undefined;
  /** Without serverKey: accept (true) or reject (false) the key the server presents. Default: accept any. */
  readonly verifyServerKey?: ((key: Uint8Array) => boolean) | undefined;
  /** Data sent with the first handshake message (IK only; replayable, so only for idempotent requests). */
  readonly earlyData?: Uint8Array | undefined;
  /**
   * Host resolver, as node:net's; default `dns.lookup`. Called with `all: true` and a `family`: unless
   * `family` pins one, twice in parallel, `family: 6` and `family: 4` (RFC 8305 §3: an IPv6 answer starts
   * at once, an IPv4 answer waits up to `resolutionDelay` for it; a family answering later is not waited
   * for but joins the race when it answers, one family failing is fine); the addresses of the other family a resolver returns anyway are
   * dropped and duplicates removed. Every address is raced, happy-eyeballs style (RFC 8305): ordered (IPv6 before IPv4, families interleaved,
   * the address that worked last time first, see `happyEyeballsCache`), one attempt every
   * `autoSelectFamilyAttemptTimeout` ms, none cancelled, all carrying the same handshake so the server
   * sees one connection; the first to answer carries the connection, a later one to another address of
   * the server is offered to the path manager as an extra path. The addresses of the other family than the
   * first's leave from a second socket of that family (bound to the source address routing picks); they
   * are left out when that family has no route, or when `localAddress` / `localAddresses` pin the source.
   */
  readonly lookup?: LookupFunction | undefined;
  /**
   * Happy eyeballs: how long, ms, an IPv4 answer waits for the IPv6 one (RFC 8305 §3 Resolution Delay)
   * when `family` is not pinned and both families are queried in parallel. Default 50.
   */
  readonly resolutionDelay?: number | undefined;
  /** Happy eyeballs: ms between attempts (RFC 8305 Connection Attempt Delay), within 100 .. 2000. Default 250, or twice the RTT the cache remembers. */
  readonly autoSelectFamilyAttemptTimeout?: number | undefined;
  /** Happy eyeballs: addresses of the first family before the first of the other (RFC 8305 First Address Family Count). Default 1. */
  readonly firstAddressFamilyCount?: number | undefined;
  /**
   * Happy eyeballs: where the address that won and its RTT are remembered (10 minutes) so the next
   * connect() to the same host and port tries it first. A plain object (`createHappyEyeballsCache()`) an
   * application can share or persist as JSON. Default: one cache per process, shared by every connect().
   */
  readonly happyEyeballsCache?: HappyEyeballsCache | undefined;
  /**
   * Aborts the connection (before or after it is established). While connecting, every happy-eyeballs
   * attempt stops at once and the sockets and timers close; an already-aborted signal fails before the
   * lookup. The 'error' has code ABORT_ERR and name 'AbortError' (as node:net's), its `cause` the reason.
   */
  readonly signal?: AbortSignal | undefined;
  /**
   * How long, ms, the handshake may take before the connect fails with ERR_MPT_CONNECT_TIMEOUT (or
   * ERR_MPT_CONNECT_FAILED, ERR_MPT_HANDSHAKE_FAILED, ERR_MPT_SERVER_KEY_MISMATCH when a server answered
   * in some way). A positive number; default 10 000. node:net has no such option (TCP's connect timeout is
   * the kernel's).
   */
  readonly connectTimeout?: number | undefined;
  /** As node:net's: `dns.lookup` hints (`dns.ADDRCONFIG`, `dns.V4MAPPED`, `dns.ALL`) given to `lookup`. */
  readonly hints?: number | undefined;
  /**
   * As node:net's; accepted and without effect: mpt always races every resolved address (happy eyeballs,
   * see `lookup`), as net does with its default `autoSelectFamily: true`.
   */
  readonly autoSelectFamily?: boolean | undefined;
  /**
   * As node:net's: the socket's inactivity timeout, ms, set by {@link connect} / `createConnection` with
   * `socket.setTimeout(timeout)` (a 'timeout' event after that long without stream activity; the socket
   * stays open). Not the handshake's timeout: that is `connectTimeout`. Like net, `socket.connect()` on an
   * `MptSocket` made with `new` does not read it.
   */
  readonly timeout?: number | undefined;
  /** Local address to bind: only this one (every path starts from it). Not with `localAddresses`. */
  readonly localAddress?: string | undefined;
  /**
   * Local IP addresses to bind, one UDP socket each (multipath: a path is a local socket and a remote
   * address). The connection starts from the first address of the server's family; every address is
   * given to the path manager (default fullmesh: a path per (local, server address) pair, see
   * `pathManager`), and the sockets close with the connection.
   *
   * Default (neither this nor `localAddress` given, and `maxPaths` > 1): the connection starts on a socket
   * bound to the wildcard of the server's family, from the source address the kernel's routing picks for
   * the server; then one more socket per other address `usableLocalAddresses()` lists for that family
   * (the non-internal interface addresses), which the path manager opens paths from once connected. A
   * loopback server gets extra sockets only from loopback addresses the table lists as non-internal, that
   * is, normally none. A host with no other address, or `maxPaths: 1`, has the one wildcard socket.
   */
  readonly localAddresses?: readonly string[] | undefined;
  /**
   * Further addresses of the server (IP literals), known by configuration rather than advertised by the
   * server: each is handed to the connection (`addRemoteAddress`) as the handshake starts, so that the
   * path manager knows them when it opens its first paths, in either handshake (with a pinned
   * `serverKey` the handshake completes on the server's first answer); each is reported as a
   * 'remoteAddress' event (before 'connect'), and the path manager opens paths to them as to advertised
   * ones once connected (fullmesh: from every local address, within `maxPaths`, unused addresses first).
   */
  readonly extraRemotes?: readonly SocketAddress[] | undefined;
  /**
   * Follows the host's interfaces while connected, so that a path opens when an interface appears and
   * closes when it goes away (an {@link InterfaceMonitor} polling `os.networkInterfaces()`). `true` or
   * options: a monitor of the socket's own, stopped with it; an `InterfaceMonitor`: that one (the
   * application starts and stops it, and may share it between sockets); `false`: none.
   *
   * Without `localAddresses` (the default addresses): every address that appears and would have been a
   * default one (non-internal, the server's family and scope) gets a socket, and the path manager hears
   * of it (`onLocalAddressAdded`: fullmesh opens a path from it at once); every such address that goes
   * away has its socket closed, and the path manager hears of that (`onLocalAddressRemoved`: fullmesh
   * closes its paths with `AddressRemoved`). If the address of the first socket (the routed source)
   * goes away, the path manager hears of it too, but that socket stays open. With `localAddresses`: the
   * same, for the listed addresses only. Each change is a 'localAddress' event on the socket.
   *
   * Default: on (`true`, polling every 2 s) when the connection has a path manager (`maxPaths` > 1, the
   * Node default, or a `pathManager` given) and binds the default addresses; off with `localAddresses` or
   * `localAddress` (the application chose its addresses) or without a path manager (nothing would use a
   * new address). Either way the interface descriptions (name, type, metered), which path managers read
   * through `ctx.localInterfaces()`, come from the monitor's classification: by interface name per
   * platform, see `classifyInterfaceName`, overridable with the options' `classifyInterface` and `metered`.
   */
  readonly interfaceMonitor?: boolean | InterfaceMonitorOptions | InterfaceMonitor | undefined;
  /** Local port to bind (on every local address); default any (each socket its own). */
  readonly localPort?: number | undefined;
  /** AEAD provider; default the fastest available. */
  readonly provider?: CryptoProvider | undefined;
}

/** Options of {@link createServer}. */
export interface MptServerOptions extends TransportOptions, Omit<MptSocketOptions, 'signal'>, PathManagerOptions {
  /** The server's static key pair; default a fresh one (see `server.publicKey`). */
  readonly keyPair?: KeyPair | undefined;
  /** A 32-byte pre-shared key, if PSK clients are accepted. */
  readonly psk?: Uint8Array | undefined;
  /**
   * Answer new clients with a stateless retry first (DoS defence: the client proves its address before
   * the server keeps state, at one extra round trip). `'auto'` (the default): only while at least 256
   * connections (or half of a smaller `maxConnections`) are half-open, so a flood of Initials from
   * addresses that cannot answer (spoofed, or replayed copies) holds at most that many connections and
   * never fills `maxConnections`; true:
   * always; false: never (a flood then holds a connection per Initial until its idle timeout).
   */
  readonly retry?: boolean | 'auto' | undefined;
  /**
   * Most connections at once, handshakes under way included: the engine drops new clients' handshakes
   * beyond it. Default 10 000. It is also the initial value of `server.maxConnections` (net's property),
   * which closes connections that complete their handshake while that many are open.
   */
  readonly maxConnections?: number | undefined;
  /**
   * As node:net's: accepted sockets start paused (`socket.pause()` before 'connection'): no 'data' flows,
   * even to a 'data' listener, until `socket.resume()`. Default false.
   */
  readonly pauseOnConnect?: boolean | undefined;
  /**
   * Whether 0-RTT data of IK clients is delivered. Default false. With it, 'connection' comes on the
   * client's first flight, before the client proved it holds its keys: the socket is `halfOpen`, without
   * `remotePublicKey` until 'proven' (that flight may be a replay; docs/node-compat.md).
   */
  readonly acceptEarlyData?: boolean | undefined;
  /** Accepts (true) or rejects (false) a client's static key. Default: any. */
  readonly verifyClientKey?: ((key: Uint8Array) => boolean) | undefined;
  /** AEAD provider; default the fastest available. */
  readonly provider?: CryptoProvider | undefined;
}

/** Options of {@link MptServer.listen} in its object form. */
export interface MptListenOptions {
  /** UDP port; 0 or absent picks one. */
  readonly port?: number | undefined;
  /**
   * Address to bind, or several: one UDP socket per address, all on the same port, and a client reaching
   * any of them reaches the same server (so a connection can later have paths to several). With port 0
   * the first socket picks the port and the others take the same number, each falling back to a port of
   * its own where that one is taken on its address (see `server.addresses()`). Host names resolve to
   * their first address. A wildcard ('::', '0.0.0.0') cannot be combined with others: a wildcard socket
   * cannot tell which address a datagram came to. Default '::' (dual stack), or '0.0.0.0' where IPv6 is
   * missing.
   */
  readonly host?: string | readonly string[] | undefined;
  /** Closes the server when aborted. */
  readonly signal?: AbortSignal | undefined;
  /** As node:net's: accepted and ignored (UDP has no accept queue; `maxConnections` bounds connections). */
  readonly backlog?: number | undefined;
  /** As node:net's: accepted and ignored (mpt's UDP sockets are always bound exclusively, never shared with cluster workers). */
  readonly exclusive?: boolean | undefined;
  /** As node:net's: with the host '::' (or none), bind IPv6 only instead of dual stack. Default false. */
  readonly ipv6Only?: boolean | undefined;
}

const TRANSPORT_KEYS = Object.keys(DEFAULT_TRANSPORT_CONFIG) as (keyof TransportConfig)[];

/**
 * `maxPaths` of {@link connect} and {@link createServer} when not given: how
 * many paths a connection may have at once (the engine takes the smaller of
 * both ends' values). The engine defaults to 1; the Node API allows
 * multipath out of the box, as MPTCP's in-kernel path manager does, so that
 * a multi-homed client gets a path per interface address (see
 * `localAddresses`) without configuration. A client that binds only one
 * address (a loopback peer, a single-homed host, `localAddress`) still has
 * one path; allowing more only costs a connection ID per extra path.
 */
export const DEFAULT_MAX_PATHS = 8;

/**
 * The path manager a connection gets when the application names none: {@link fullmesh} within
 * `maxPaths`, or none when only one path is allowed.
 */
export function defaultPathManager(maxPaths: number): PathManagerFactory | undefined {
  return maxPaths > 1 ? fullmesh({ maxPaths }) : undefined;
}

/**
 * The path manager of the `pathManager` option: a name's manager (see `pathManagerByName`; fullmesh
 * within `maxPaths`), a plugin as given, or {@link defaultPathManager} when absent.
 */
export function resolvePathManager(option: PathManagerFactory | PathManagerName | undefined, maxPaths: number): PathManagerFactory | undefined {
  if (option === undefined) return defaultPathManager(maxPaths);
  return typeof option === 'string' ? pathManagerByName(option, { maxPaths }) : option;
}

/**
 * The transport settings present in an options object, for the engine to
 * validate, with the Node API's own defaults ({@link DEFAULT_MAX_PATHS}).
 */
export function pickTransport(options: object): Partial<Record<keyof TransportConfig, unknown>> {
  const source = options as Record<string, unknown>;
  const out: Partial<Record<keyof TransportConfig, unknown>> = { maxPaths: DEFAULT_MAX_PATHS };
  for (const key of TRANSPORT_KEYS) if (source[key] !== undefined) out[key] = source[key];
  return out;
}

/**
 * A client's transport settings with its liveness PINGs: unless the application chose a
 * `keepAliveIntervalMs`, a client sends a PING after a third of its idle timeout without sending (10 s
 * by default). So a quiet connection whose peer is alive never reaches the idle timeout (a TCP
 * connection lives while idle too: a keep-alive HTTP connection must not die of silence), while one
 * whose peer is gone fails with ETIMEDOUT once nothing has come back for the idle timeout. The server's
 * side needs no PINGs of its own: the client's keep both ends' idle timers running.
 */
export function withLivenessPings(transport: Partial<Record<keyof TransportConfig, unknown>>): Partial<Record<keyof TransportConfig, unknown>> {
  if (transport.keepAliveIntervalMs !== undefined) return transport;
  const idle = transport.idleTimeoutMs ?? DEFAULT_TRANSPORT_CONFIG.idleTimeoutMs;
  if (typeof idle !== 'number' || !(idle > 0)) return transport;
  return { ...transport, keepAliveIntervalMs: Math.max(1, Math.floor(idle / 3)) };
}

/** The largest UDP payload over IPv4 (65 535 - 20 - 8); over IPv6 it is the engine's MAX_DATAGRAM_SIZE (65 535 - 8). */
const MAX_UDP_PAYLOAD_V4 = 65_507;

/**
 * The transport settings for a socket whose peer is reached over loopback:
 * there the path MTU is 64 KiB, and 64 KiB datagrams need about 40x fewer
 * send calls and AEAD operations than 1452-byte ones (docs/design.md §2.3), so the
 * PMTU search may go that high unless the application chose a limit. Other
 * paths keep the engine's default: above the real MTU the kernel would
 * fragment rather than drop, and PMTU discovery would be misled.
 */
export function withLoopbackDatagrams(
  transport: Partial<Record<keyof TransportConfig, unknown>>,
  address: string | readonly string[],
): Partial<Record<keyof TransportConfig, unknown>> {
  // Several addresses (a server's sockets): only when every one is loopback, and within IPv4's limit if any is IPv4.
  const addresses: readonly string[] = typeof address === 'string' ? [address] : address;
  if (transport.maxDatagramSizeBytes !== undefined || addresses.length === 0 || !addresses.every(isLoopback)) return transport;
  return { ...transport, maxDatagramSizeBytes: addresses.every((a) => a.includes(':')) ? MAX_DATAGRAM_SIZE : MAX_UDP_PAYLOAD_V4 };
}
