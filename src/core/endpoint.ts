import { err, ok, type Result } from 'neverthrow';
import { defaultProvider } from '../crypto/default-provider.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { defaultRandomBytes, type RandomBytes } from '../crypto/random.js';
import { createRetryTokens, type RetryTokens } from '../crypto/retry-token.js';
import { keyPairFromPrivate, type KeyPair } from '../crypto/x25519.js';
import { MptError, MptErrorCode } from '../errors.js';
import { equalBytes } from './bytes.js';
import { resolveTransportConfig, type TransportConfig, MAX_DATAGRAM_SIZE, MIN_DATAGRAM_SIZE } from './config.js';
import { Connection, serverTransportParams, type ConnectionInit } from './connection.js';
import type { DatagramEndpoint, Transmit } from './datagram-endpoint.js';
import { ServerHandshake } from './handshake.js';
import type { SocketAddress } from './socket-address.js';
import { TimerEntry, TimerQueue } from './timer-queue.js';
import { attemptDelayMs } from './happy-eyeballs/schedule.js';
import type { RaceTarget } from './happy-eyeballs/race.js';
import type { LocalInterface, PathManagerFactory } from './path-manager.js';
import {
  decodeLongHeader,
  decodeShortHeader,
  decodeVersionNegotiation,
  DEFAULT_CID_LENGTH,
  encodeLongHeader,
  encodeVersionNegotiation,
  isLongHeader,
  longHeaderLength,
  versionNegotiationLength,
  WIRE_VERSION,
} from './wire/index.js';

/**
 * The endpoint: one per socket set. It routes datagrams to connections by
 * destination connection ID, accepts new connections on a server (with a
 * stateless retry when asked), answers unknown versions, and merges every
 * connection's output and timers into the sans-IO contract of
 * {@link DatagramEndpoint}.
 * @module
 */

/** Server-side settings. */
export interface ServerOptions {
  /** The server's static key pair (IK and XX clients). */
  readonly staticKeyPair?: KeyPair | undefined;
  /** A pre-shared key, if PSK clients are accepted. */
  readonly psk?: Uint8Array | undefined;
  /** Accepts or rejects a client's static key; default: any. */
  readonly verifyClientKey?: ((key: Uint8Array) => boolean) | undefined;
  /** Whether 0-RTT data of IK clients is delivered; default false. */
  readonly acceptEarlyData?: boolean | undefined;
  /**
   * Answer new Initials with a stateless Retry first (DoS defence: the client must prove its address
   * before the server keeps state, at one extra round trip). true: always; 'auto': only while at least
   * {@link AUTO_RETRY_HALF_OPEN} connections (or half of a smaller `maxConnections`) are half-open
   * (accepted, the client's address not yet proven); false: never. Default false.
   */
  readonly retry?: boolean | 'auto' | undefined;
  /** Most connections at once; new ones beyond are dropped. Default 10 000. */
  readonly maxConnections?: number | undefined;
  /** The path manager of every accepted connection (e.g. `fullmesh()`, which advertises the other addresses); default none. */
  readonly pathManager?: PathManagerFactory | undefined;
  /** The server's usable local addresses, for its path manager; default the address each connection arrived on. */
  readonly localAddresses?: readonly SocketAddress[] | undefined;
  /** Those addresses' interfaces, for policy rules (`Connection.setLocalAddresses`). */
  readonly localInterfaces?: readonly LocalInterface[] | undefined;
}

/** With `retry: 'auto'`, half-open server connections at which new Initials get a Retry first. */
export const AUTO_RETRY_HALF_OPEN = 256;

/** Endpoint settings; everything has a default. */
export interface EndpointOptions {
  /** Transport settings for every connection. */
  readonly transport?: Partial<Record<keyof TransportConfig, unknown>> | undefined;
  /** AEAD provider; default {@link defaultProvider}. */
  readonly provider?: CryptoProvider | undefined;
  /** Randomness (CIDs, keys, ephemerals); default node:crypto. The simulator passes a seeded one. */
  readonly randomBytes?: RandomBytes | undefined;
  /** Present on a server. */
  readonly server?: ServerOptions | undefined;
}

/** How a client authenticates the server. */
export interface ConnectOptions {
  /** The server's static public key: pins it (Noise IK). */
  readonly serverKey?: Uint8Array | undefined;
  /** A 32-byte pre-shared key (Noise NNpsk0). */
  readonly psk?: Uint8Array | undefined;
  /** Our static key pair; default a fresh one. */
  readonly staticKeyPair?: KeyPair | undefined;
  /** Without serverKey: accept or reject the key the server presents (XX). Default: accept. */
  readonly verifyServerKey?: ((key: Uint8Array) => boolean) | undefined;
  /** 0-RTT data sent with the first message (IK only; replayable: see docs). */
  readonly earlyData?: Uint8Array | undefined;
  /** A path manager that opens and closes the connection's further paths (e.g. `fullmesh()`); default none. */
  readonly pathManager?: PathManagerFactory | undefined;
  /** Our usable local addresses, for the path manager; default `local` alone. */
  readonly localAddresses?: readonly SocketAddress[] | undefined;
  /** Those addresses' interfaces, for policy rules (`Connection.setLocalAddresses`). */
  readonly localInterfaces?: readonly LocalInterface[] | undefined;
  /**
   * Happy eyeballs (RFC 8305): further destinations (our socket, the server's address) raced after
   * `local` -> `remote`, each one attempt delay (default 250 ms) after the previous, none cancelled;
   * every attempt carries the same Initial, so the server sees one connection. The first to answer
   * becomes path 0; a later answer from another server address is offered to the path manager
   * (`addRemoteAddress`). Events: `attempt`. See `src/core/happy-eyeballs`.
   */
  readonly race?: { readonly alternatives: readonly RaceTarget[]; readonly attemptDelayMs?: number | undefined } | undefined;
}

/** Endpoint-level events. */
export type EndpointEvent = { readonly type: 'connection'; readonly connection: Connection };

/** Why the endpoint dropped datagrams, counted. */
export interface EndpointStats {
  /** Not a packet of any version we can read. */
  undecodable: number;
  /** For a connection ID we do not know. */
  unknownConnection: number;
  /** New connections refused (limits, bad tokens, failed first message). */
  refused: number;
  /** Version Negotiation packets sent. */
  versionNegotiations: number;
  /** Retry packets sent. */
  retries: number;
}

/**
 * How many entries each of the endpoint's per-connection tables holds ({@link Endpoint.tableSizes}): all
 * of them go back to 0 once every connection is closed and swept. For tests and diagnostics (the soak
 * samples them to show that nothing per connection is left behind).
 */
export interface EndpointTableSizes {
  /** Live connections. */
  readonly connections: number;
  /** Round-robin and timer slots, one per live connection. */
  readonly slots: number;
  /** The slots in registration order. */
  readonly polled: number;
  /** Connection timers queued. */
  readonly timers: number;
  /** Connections that may have output. */
  readonly ready: number;
  /** Connections whose deadline is to be refreshed. */
  readonly dirty: number;
  /** Local connection IDs routed to a connection. */
  readonly byCid: number;
  /** Client-chosen Initial DCIDs of server connections (both directions of that map). */
  readonly byInitialDcid: number;
  /** Server connections whose client has not proven its address. */
  readonly halfOpen: number;
  /** Datagrams queued to send. */
  readonly queued: number;
  /** Events not yet taken. */
  readonly events: number;
}

interface QueuedDatagram {
  readonly local: SocketAddress;
  readonly remote: SocketAddress;
  readonly bytes: Uint8Array;
}

/**
 * What the endpoint keeps per connection: its place in the round robin, its timer, and whether it
 * may have something to send.
 */
interface Slot {
  readonly connection: Connection;
  /** Registration order: the round robin and simultaneous timers go by it. */
  readonly seq: number;
  /** Keyed by the connection's nextTimeout() as last computed. */
  readonly timer: TimerEntry<Slot>;
  /** In {@link Endpoint.ready}: touched since a pollTransmit last found nothing to send. */
  ready: boolean;
  /** In the endpoint's dirty list: its nextTimeout() must be asked again. */
  dirty: boolean;
  /** Unregistered. */
  gone: boolean;
}

/** Whether `connection` reached `closed` (a call, so a check made before a call into it is not assumed to hold after). */
function isClosed(connection: Connection): boolean {
  return connection.state === 'closed';
}

/** The first index of `slots` (sorted by seq) whose seq is at least `seq`. */
function lowerBound(slots: readonly Slot[], seq: number): number {
  let lo = 0;
  let hi = slots.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((slots[mid] as Slot).seq < seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Removes `list[at]`, keeping the order (splice without the array it returns: this runs per poll). */
function removeAt<T>(list: T[], at: number): void {
  for (let i = at + 1; i < list.length; i++) list[i - 1] = list[i] as T;
  list.pop();
}

/** Inserts `item` at `at`, keeping the order (splice without the array it returns). */
function insertAt<T>(list: T[], at: number, item: T): void {
  list.push(item);
  for (let i = list.length - 1; i > at; i--) list[i] = list[i - 1] as T;
  list[at] = item;
}

/** Routes by the first 6 bytes of a CID: exact for the 8-byte CIDs we issue, checked in full after lookup. */
function cidKey(cid: Uint8Array): number {
  let key = 0;
  const n = Math.min(6, cid.length);
  for (let i = 0; i < n; i++) key = key * 256 + (cid[i] as number);
  return key + n * 2 ** 48;
}

function hex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

let scratch: Uint8Array | undefined;

/**
 * The packet payload scratch every connection of every endpoint in this thread shares: the engine is
 * single-threaded and each payload is sealed before the next is built, so neither a half-open server
 * connection nor a client's endpoint costs a 64 KiB buffer of its own (allocated on first use).
 */
function payloadScratch(): Uint8Array {
  scratch ??= new Uint8Array(MAX_DATAGRAM_SIZE);
  return scratch;
}

/** An mpt endpoint: a client, a server, or both. */
export class Endpoint implements DatagramEndpoint {
  /** Drop counters. */
  readonly stats: EndpointStats = { undecodable: 0, unknownConnection: 0, refused: 0, versionNegotiations: 0, retries: 0 };
  /** Live connections. */
  readonly connections = new Set<Connection>();
  /**
   * Called whenever a connection is handed a datagram or a timeout, polled, or called into by the
   * application: whoever owns connections (the Node driver) looks again only at those, not at every one.
   */
  onTouched: ((connection: Connection) => void) | undefined = undefined;
  /** The same connections' slots in registration order: the round robin's order. */
  private readonly polled: Slot[] = [];
  /** Each live connection's slot. */
  private readonly slots = new Map<Connection, Slot>();
  /** Every connection with a deadline, keyed by it: no scan of every connection per flush. */
  private readonly timers = new TimerQueue<Slot>();
  /**
   * The connections that may have something to send (touched since pollTransmit last found them with
   * nothing), sorted by seq; a connection that closed stays until it is swept.
   */
  private readonly ready: Slot[] = [];
  /** Connections whose nextTimeout() may have changed since it was last asked. */
  private readonly dirty: Slot[] = [];
  private nextSeq = 0;

  private readonly transport: TransportConfig;
  private readonly provider: CryptoProvider;
  private readonly randomBytes: RandomBytes;
  private readonly server: ServerOptions | undefined;
  /** A server's local addresses set after it was made ({@link setServerLocalAddresses}); else `server.localAddresses`. */
  private serverLocalAddresses: readonly SocketAddress[] | undefined = undefined;
  private readonly retryTokens: RetryTokens | undefined;
  private readonly byCid = new Map<number, Connection>();
  /** Client-chosen Initial DCIDs of server connections, for repeated Initials. */
  private readonly byInitialDcid = new Map<string, Connection>();
  /** The key of each server connection in {@link byInitialDcid}, to remove it without a scan. */
  private readonly initialDcidOf = new Map<Connection, string>();
  /** Server connections accepted without a Retry token whose client has not proven its address yet (for retry: 'auto'). */
  private readonly halfOpen = new Set<Connection>();
  private readonly queued: QueuedDatagram[] = [];
  private readonly events: EndpointEvent[] = [];
  /** The round robin's next turn starts at the first ready connection with at least this seq. */
  private cursorSeq = 0;
  /** When accept() last swept every connection at the connection limit, ms. */
  private limitSweepAtMs = -1;

  private constructor(transport: TransportConfig, options: EndpointOptions, retryTokens: RetryTokens | undefined) {
    this.transport = transport;
    this.provider = options.provider ?? defaultProvider();
    this.randomBytes = options.randomBytes ?? defaultRandomBytes;
    this.server = options.server;
    this.retryTokens = retryTokens;
  }

  /** An endpoint with validated settings. */
  static create(options: EndpointOptions = {}): Result<Endpoint, MptError> {
    const transport = resolveTransportConfig(options.transport);
    if (transport.isErr()) return err(transport.error);
    let tokens: RetryTokens | undefined;
    if (options.server?.retry === true || options.server?.retry === 'auto') {
      const made = createRetryTokens({ randomBytes: options.randomBytes });
      if (made.isErr()) return err(made.error);
      tokens = made.value;
    }
    return ok(new Endpoint(transport.value, options, tokens));
  }

  /** The next endpoint event, or undefined. */
  pollEvent(): EndpointEvent | undefined {
    return this.events.shift();
  }

  /**
   * A server's usable local addresses, for the path manager of every connection accepted from now on
   * (replaces `ServerOptions.localAddresses`): the owner learns them only once its sockets are bound,
   * after the endpoint exists (port 0), and they change when a socket closes.
   */
  setServerLocalAddresses(addresses: readonly SocketAddress[]): void {
    this.serverLocalAddresses = [...addresses];
  }

  /** Starts a client connection from `local` to `remote`; its first datagram is ready to send. */
  connect(nowMs: number, local: SocketAddress, remote: SocketAddress, options: ConnectOptions = {}): Result<Connection, MptError> {
    const mode = options.psk !== undefined ? 'psk' : options.serverKey !== undefined ? 'ik' : 'xx';
    const staticKeyPair = options.staticKeyPair ?? keyPairFromPrivate(this.randomBytes(32));
    const connection = Connection.client(
      {
        ...this.connectionInit(nowMs, local, remote, this.newCid(), this.randomBytes(DEFAULT_CID_LENGTH), options),
        race: options.race === undefined ? undefined : { alternatives: options.race.alternatives, attemptDelayMs: attemptDelayMs(undefined, options.race.attemptDelayMs) },
      },
      { mode, serverKey: options.serverKey, psk: options.psk, staticKeyPair, verifyServerKey: options.verifyServerKey },
      options.earlyData,
    );
    if (connection instanceof MptError) return err(connection);
    this.register(connection);
    return ok(connection);
  }

  // ----- DatagramEndpoint -----------------------------------------------------------------

  /** Routes one datagram. Never throws. */
  handleDatagram(nowMs: number, local: SocketAddress, remote: SocketAddress, bytes: Uint8Array): void {
    if (bytes.length === 0) {
      this.stats.undecodable++;
      return;
    }
    if (isLongHeader(bytes[0] as number)) this.handleLong(nowMs, local, remote, bytes);
    else this.handleShort(nowMs, local, remote, bytes);
  }

  /** Forgets a connection that reached `closed`, so it neither lingers in the maps nor counts toward maxConnections. */
  private sweep(connection: Connection): void {
    if (connection.state === 'closed') this.unregister(connection);
  }

  /** Runs every connection timer that is due: only the connections whose deadline passed are visited. */
  handleTimeout(nowMs: number): void {
    this.refreshTimers();
    const due: Slot[] = [];
    for (let entry = this.timers.popDue(nowMs); entry !== undefined; entry = this.timers.popDue(nowMs)) due.push(entry.value);
    // In registration order, as connections that fall due together always ran.
    if (due.length > 1) due.sort((a, b) => a.seq - b.seq);
    for (const slot of due) {
      if (slot.gone) continue;
      slot.connection.handleTimeout(nowMs);
      this.touch(slot);
      this.sweep(slot.connection);
    }
    this.sweepReady();
  }

  /** The next datagram of any connection, round robin over those that may have one. */
  pollTransmit(nowMs: number, out: Uint8Array): Transmit | undefined {
    for (let queued = this.queued.shift(); queued !== undefined; queued = this.queued.shift()) {
      if (queued.bytes.length > out.length) continue; // never written past the caller's buffer
      out.set(queued.bytes, 0);
      return { local: queued.local, remote: queued.remote, length: queued.bytes.length };
    }
    if (this.polled.length === 0) return undefined;
    // A connection whose deadline passed may send because of it (a delayed ACK, the pacer) even before
    // its timers run. Only deadlines of connections not already ready matter here, and those are up to
    // date: a connection leaves the ready list only when polled empty, and its deadline is asked then.
    const timers = this.timers;
    if (timers.size > 0 && (timers.nextDeadline() as number) <= nowMs) timers.forEachDue(nowMs, this.markReady);
    const ready = this.ready;
    // The turn starts at the first connection registered after the last one that sent.
    let i = lowerBound(ready, this.cursorSeq);
    let closedSeen = false;
    for (let remaining = ready.length; remaining > 0; remaining--) {
      if (i >= ready.length) i = 0;
      const slot = ready[i] as Slot;
      const connection = slot.connection;
      if (connection.state === 'closed') {
        closedSeen = true; // closed by the application or a failed handshake since the last sweep
        i++;
        continue;
      }
      const transmit = connection.pollTransmit(nowMs, out);
      this.markDirty(slot);
      this.onTouched?.(connection);
      if (transmit !== undefined) {
        this.cursorSeq = slot.seq + 1;
        return transmit;
      }
      if (isClosed(connection)) {
        closedSeen = true; // closed while polled: stays until swept
        i++;
        continue;
      }
      slot.ready = false;
      removeAt(ready, i);
      this.refreshTimer(slot);
    }
    if (closedSeen) this.sweepReady();
    return undefined;
  }

  /** The sizes of the per-connection tables (see {@link EndpointTableSizes}). */
  tableSizes(): EndpointTableSizes {
    return {
      connections: this.connections.size,
      slots: this.slots.size,
      polled: this.polled.length,
      timers: this.timers.size,
      ready: this.ready.length,
      dirty: this.dirty.length,
      byCid: this.byCid.size,
      byInitialDcid: this.byInitialDcid.size + this.initialDcidOf.size,
      halfOpen: this.halfOpen.size,
      queued: this.queued.length,
      events: this.events.length,
    };
  }

  /** The earliest connection timer: the top of the timer queue. */
  nextTimeout(): number | undefined {
    this.refreshTimers();
    return this.timers.nextDeadline();
  }

  // ----- connection bookkeeping -----------------------------------------------------------

  /** `slot`'s connection was handed something or polled: its deadline may have moved and it may have output. */
  private touch(slot: Slot): void {
    this.markDirty(slot);
    this.markReady(slot.timer);
    this.onTouched?.(slot.connection);
  }

  /** The application called into a connection directly (ConnectionInit.wake). */
  private readonly wake = (connection: Connection): void => {
    const slot = this.slots.get(connection);
    if (slot !== undefined) this.touch(slot);
  };

  private markDirty(slot: Slot): void {
    if (slot.dirty || slot.gone) return;
    slot.dirty = true;
    this.dirty.push(slot);
  }

  private readonly markReady = (entry: TimerEntry<Slot>): void => {
    const slot = entry.value;
    if (slot.ready || slot.gone) return;
    slot.ready = true;
    const ready = this.ready;
    const at = lowerBound(ready, slot.seq);
    if (at === ready.length) ready.push(slot);
    else insertAt(ready, at, slot);
  };

  /** Asks every connection touched since the last time for its next timeout again. */
  private refreshTimers(): void {
    const dirty = this.dirty;
    if (dirty.length === 0) return;
    for (let i = 0; i < dirty.length; i++) this.refreshTimer(dirty[i] as Slot);
    dirty.length = 0;
  }

  /** Asks `slot`'s connection for its next timeout if it was touched since last asked (it may stay in the dirty list). */
  private refreshTimer(slot: Slot): void {
    if (!slot.dirty) return;
    slot.dirty = false;
    if (!slot.gone) this.timers.set(slot.timer, slot.connection.nextTimeout());
  }

  /** Forgets the connections that closed among those that may have output (the only ones that can have closed unseen). */
  private sweepReady(): void {
    const ready = this.ready;
    for (let i = ready.length - 1; i >= 0; i--) this.sweep((ready[i] as Slot).connection);
  }

  // ----- routing --------------------------------------------------------------------------

  private handleLong(nowMs: number, local: SocketAddress, remote: SocketAddress, bytes: Uint8Array): void {
    const decoded = decodeLongHeader(bytes);
    if (decoded.isErr()) {
      if (bytes.length >= 5 && new DataView(bytes.buffer, bytes.byteOffset).getUint32(1) === 0) return this.handleVersionNegotiation(remote, bytes);
      if (decoded.error.kind === 'UnsupportedVersion') return this.answerUnknownVersion(local, remote, bytes);
      this.stats.undecodable++;
      return;
    }
    const packet = decoded.value;
    if (packet.type === 'retry') {
      const connection = this.lookup(packet.dcid);
      if (connection === undefined) return void this.stats.unknownConnection++;
      connection.handleRetry(nowMs, packet.scid, packet.retryToken);
      this.touchConnection(connection);
      return;
    }
    const payload = bytes.subarray(packet.headerLength, packet.packetLength);
    const known = this.lookup(packet.dcid) ?? (packet.type === 'initial' ? this.byInitialDcid.get(hex(packet.dcid)) : undefined);
    if (known !== undefined) {
      known.handleLongPacket(nowMs, local, remote, packet.type, packet.scid, payload, bytes.length);
      this.touchConnection(known);
      this.sweep(known);
      return;
    }
    if (packet.type !== 'initial' || this.server === undefined) return void this.stats.unknownConnection++;
    this.accept(nowMs, local, remote, packet.dcid, packet.scid, packet.token, payload, bytes.length);
  }

  private handleShort(nowMs: number, local: SocketAddress, remote: SocketAddress, bytes: Uint8Array): void {
    const header = decodeShortHeader(bytes, DEFAULT_CID_LENGTH);
    if (header.isErr()) return void this.stats.undecodable++;
    // Routed by the CID's first bytes, then checked in full against the connection's CIDs, which also
    // names the path: each CID was issued for one path (docs/protocol.md §6).
    const dcid = header.value.dcid;
    const connection = this.byCid.get(cidKey(dcid));
    const pathId = connection === undefined ? -1 : connection.pathIdForCid(dcid);
    if (connection === undefined || pathId < 0) return void this.stats.unknownConnection++;
    connection.handleShortPacket(nowMs, local, remote, bytes, header.value, pathId);
    this.touchConnection(connection);
    this.sweep(connection);
  }

  private lookup(cid: Uint8Array): Connection | undefined {
    const connection = this.byCid.get(cidKey(cid));
    if (connection === undefined) return undefined;
    const cids = connection.localCids;
    for (let i = 0; i < cids.length; i++) if (equalBytes(cids[i] as Uint8Array, cid)) return connection;
    return undefined;
  }

  private accept(
    nowMs: number,
    local: SocketAddress,
    remote: SocketAddress,
    dcid: Uint8Array,
    scid: Uint8Array,
    token: Uint8Array,
    payload: Uint8Array,
    datagramBytes: number,
  ): void {
    const server = this.server as ServerOptions;
    // Connections that closed since the last poll must not count toward the limit. A full pass at most once
    // per millisecond, so a flood of Initials at the limit does not cost a pass each.
    if (this.connections.size >= (server.maxConnections ?? 10_000) && nowMs !== this.limitSweepAtMs) {
      this.limitSweepAtMs = nowMs;
      for (const c of this.connections) this.sweep(c);
    }
    // RFC 9000 §14.1: a server ignores Initials in datagrams below 1200 bytes, so it never amplifies.
    if (datagramBytes < MIN_DATAGRAM_SIZE || this.connections.size >= (server.maxConnections ?? 10_000)) {
      this.stats.refused++;
      return;
    }
    let originalDcid = dcid;
    let retryScid: Uint8Array | undefined;
    if (this.retryTokens !== undefined) {
      if (token.length === 0 && (server.retry === true || this.halfOpenCount() >= this.autoRetryThreshold())) return this.sendRetry(nowMs, local, remote, dcid, scid);
    }
    if (this.retryTokens !== undefined && token.length > 0) {
      const valid = this.retryTokens.validate(token, { address: remote.host, port: remote.port }, nowMs);
      if (valid.isErr()) {
        this.stats.refused++;
        return;
      }
      originalDcid = valid.value.originalDcid;
      retryScid = dcid;
    }
    const localCid = this.newCid();
    const params = serverTransportParams(this.transport, this.provider, localCid, originalDcid, retryScid);
    const accepted = ServerHandshake.accept(
      {
        params,
        provider: this.provider,
        randomBytes: this.randomBytes,
        staticKeyPair: server.staticKeyPair,
        psk: server.psk,
        verifyClientKey: server.verifyClientKey,
        acceptEarlyData: server.acceptEarlyData,
      },
      payload,
    );
    // The client's parameters must name the SCID it actually used (RFC 9000 §7.3).
    if (accepted.isErr() || !equalBytes(accepted.value.clientParams.initialSourceConnectionId, scid)) {
      this.stats.refused++;
      return;
    }
    const connection = Connection.server(
      this.connectionInit(nowMs, local, remote, localCid, scid.slice(), {
        pathManager: this.server?.pathManager,
        localAddresses: this.serverLocalAddresses ?? this.server?.localAddresses,
        localInterfaces: this.server?.localInterfaces,
      }),
      accepted.value,
      params,
      datagramBytes,
    );
    this.register(connection);
    const key = hex(dcid);
    this.byInitialDcid.set(key, connection);
    this.initialDcidOf.set(connection, key);
    if (retryScid === undefined) this.halfOpen.add(connection);
    this.events.push({ type: 'connection', connection });
  }

  /**
   * Half-open connections: those accepted without a token whose client has not proven its address.
   * Pruned only when the count reaches the threshold, so a flood costs at most that many checks per Initial.
   */
  private halfOpenCount(): number {
    if (this.halfOpen.size >= this.autoRetryThreshold()) for (const c of this.halfOpen) if (!c.halfOpen || c.state === 'closed') this.halfOpen.delete(c);
    return this.halfOpen.size;
  }

  /**
   * Half-open connections at which `retry: 'auto'` starts: {@link AUTO_RETRY_HALF_OPEN}, or half of a
   * smaller `maxConnections`, so that a flood never fills the table before the Retries start.
   */
  private autoRetryThreshold(): number {
    return Math.min(AUTO_RETRY_HALF_OPEN, Math.ceil((this.server?.maxConnections ?? 10_000) / 2));
  }

  private sendRetry(nowMs: number, local: SocketAddress, remote: SocketAddress, dcid: Uint8Array, scid: Uint8Array): void {
    const token = this.retryTokens?.mint({ address: remote.host, port: remote.port }, dcid, nowMs);
    if (token === undefined || token.isErr()) return;
    const header = { type: 'retry', version: WIRE_VERSION, dcid: scid, scid: this.randomBytes(DEFAULT_CID_LENGTH), retryToken: token.value } as const;
    const bytes = new Uint8Array(longHeaderLength(header));
    encodeLongHeader(bytes, 0, header);
    this.queued.push({ local, remote, bytes });
    this.stats.retries++;
  }

  private answerUnknownVersion(local: SocketAddress, remote: SocketAddress, bytes: Uint8Array): void {
    // Only servers answer, and only datagrams large enough that the answer cannot amplify (RFC 9000 §6.1).
    if (this.server === undefined || bytes.length < MIN_DATAGRAM_SIZE) return void this.stats.undecodable++;
    const dcidLength = bytes[5] ?? 0;
    const dcid = bytes.subarray(6, 6 + dcidLength);
    const scidLength = bytes[6 + dcidLength] ?? 0;
    const scid = bytes.subarray(7 + dcidLength, 7 + dcidLength + scidLength);
    const vn = { dcid: scid, scid: dcid, supportedVersions: [WIRE_VERSION] };
    const out = new Uint8Array(versionNegotiationLength(vn));
    encodeVersionNegotiation(out, 0, vn);
    this.queued.push({ local, remote, bytes: out });
    this.stats.versionNegotiations++;
  }

  private handleVersionNegotiation(remote: SocketAddress, bytes: Uint8Array): void {
    const vn = decodeVersionNegotiation(bytes);
    if (vn.isErr()) return void this.stats.undecodable++;
    const connection = this.lookup(vn.value.dcid);
    // RFC 9000 §6.2: ignore one that lists our version (it cannot be genuine). The connection ignores one
    // unless it is a client that has heard nothing from the server yet, from the address it sent to: a
    // spoofed VN must not end a connection.
    if (connection === undefined || vn.value.supportedVersions.includes(WIRE_VERSION)) return;
    const error = new MptError(MptErrorCode.VersionNegotiation, `the server speaks versions ${vn.value.supportedVersions.map((v) => `0x${v.toString(16)}`).join(', ')}, not 0x${WIRE_VERSION.toString(16)}`);
    if (connection.failVersionNegotiation(error, remote)) this.unregister(connection);
    else this.touchConnection(connection);
  }

  /** A fresh CID routed to `connection` (a connection's CIDs for further paths). */
  /** What every new connection is built from; `paths` gives its path manager and local addresses. */
  private connectionInit(
    nowMs: number,
    local: SocketAddress,
    remote: SocketAddress,
    localCid: Uint8Array,
    remoteCid: Uint8Array,
    paths: {
      readonly pathManager?: PathManagerFactory | undefined;
      readonly localAddresses?: readonly SocketAddress[] | undefined;
      readonly localInterfaces?: readonly LocalInterface[] | undefined;
    },
  ): ConnectionInit {
    return {
      transport: this.transport,
      provider: this.provider,
      randomBytes: this.randomBytes,
      nowMs,
      local,
      remote,
      localCid,
      remoteCid,
      scratch: payloadScratch(),
      issueCid: this.issueCid,
      retireCid: this.retireCid,
      wake: this.wake,
      pathManager: paths.pathManager,
      localAddresses: paths.localAddresses,
      localInterfaces: paths.localInterfaces,
    };
  }

  private readonly issueCid = (connection: Connection): Uint8Array => {
    const cid = this.newCid();
    this.byCid.set(cidKey(cid), connection);
    return cid;
  };

  private readonly retireCid = (cid: Uint8Array): void => {
    this.byCid.delete(cidKey(cid));
  };

  private newCid(): Uint8Array {
    for (;;) {
      const cid = this.randomBytes(DEFAULT_CID_LENGTH);
      if (!this.byCid.has(cidKey(cid))) return cid;
    }
  }

  private register(connection: Connection): void {
    this.connections.add(connection);
    const slot: Slot = { connection, seq: this.nextSeq++, timer: undefined as unknown as TimerEntry<Slot>, ready: false, dirty: false, gone: false };
    (slot as { timer: TimerEntry<Slot> }).timer = new TimerEntry(slot);
    this.slots.set(connection, slot);
    this.polled.push(slot);
    this.touch(slot);
    for (const cid of connection.localCids) this.byCid.set(cidKey(cid), connection);
  }

  /** Marks a registered connection touched (see {@link touch}). */
  private touchConnection(connection: Connection): void {
    const slot = this.slots.get(connection);
    if (slot !== undefined) this.touch(slot);
  }

  private unregister(connection: Connection): void {
    if (!this.connections.delete(connection)) return;
    this.halfOpen.delete(connection);
    const slot = this.slots.get(connection) as Slot;
    this.slots.delete(connection);
    slot.gone = true;
    this.timers.remove(slot.timer);
    if (slot.ready) {
      slot.ready = false;
      removeAt(this.ready, lowerBound(this.ready, slot.seq));
    }
    const at = lowerBound(this.polled, slot.seq);
    if (this.polled[at] === slot) this.polled.splice(at, 1);
    for (const cid of connection.localCids) if (this.byCid.get(cidKey(cid)) === connection) this.byCid.delete(cidKey(cid));
    const key = this.initialDcidOf.get(connection);
    if (key !== undefined) {
      this.initialDcidOf.delete(connection);
      if (this.byInitialDcid.get(key) === connection) this.byInitialDcid.delete(key);
    }
  }
}
