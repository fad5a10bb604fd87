import { createCongestionGroup } from '../cc/congestion-group.js';
import type { CongestionGroup } from '../cc/congestion-controller.js';
import type { CryptoProvider } from '../crypto/provider.js';
import type { RandomBytes } from '../crypto/random.js';
import { RETRY_TOKEN_MAC_LENGTH, RETRY_TOKEN_MAX_DCID_LENGTH } from '../crypto/retry-token.js';
import { AEAD_TAG_LENGTH } from '../crypto/provider.js';
import { MptError, MptErrorCode } from '../errors.js';
import type { TransportConfig } from './config.js';
import { MAX_DATAGRAM_SIZE, MIN_DATAGRAM_SIZE } from './config.js';
import { equalBytes } from './bytes.js';
import type { CloseInitiator, ConnectionEvent } from './connection-events.js';
import { ReceiveFlowControl } from './flow-control.js';
import { ClientHandshake, type AcceptedInitial, type ClientHandshakeConfig, type HandshakeOutcome, type ServerHandshake } from './handshake.js';
import { AckStatus } from './loss-detector.js';
import { PacketContents, Path } from './path.js';
import { SEARCH_RESOLUTION_BYTES } from './pmtud.js';
import { Reassembly, ReassemblyStatus } from './reassembly.js';
import { RttEstimator } from './rtt-estimator.js';
import { createScheduler } from './scheduler/create-scheduler.js';
import { DuplicatingScheduler } from './scheduler/duplication.js';
import { SendBuffer } from './send-buffer.js';
import type { SentPacket } from './sent-packets.js';
import { MAX_PEER_ADDRESSES, PathSignals } from './path-signals.js';
import { PathManagerRunner } from './path-manager-runner.js';
import type { LocalInterface, PathManager, PathManagerFactory } from './path-manager.js';
import { sameAddress, type SocketAddress } from './socket-address.js';
import { HandshakeRace, type RaceAttempt, type RaceTarget } from './happy-eyeballs/race.js';
import type { Transmit } from './datagram-endpoint.js';
import {
  ackDelayMicros,
  ackFrameRanges,
  closeReasonText,
  dataFrameHeaderLength,
  decodePacketNumber,
  defaultTransportParams,
  encodeDataFrameHeader,
  encodeFrame,
  encodeLongHeader,
  encodeShortHeader,
  ExtensionId,
  frameLength,
  longHeaderLength,
  makeCloseFrame,
  packetNumberLength,
  readFrame,
  Reader,
  ReasonCode,
  SHORT_RESERVED_MASK,
  WIRE_VERSION,
  type AckFrame,
  type DecodedShortHeader,
  type Frame,
  type TransportParams,
} from './wire/index.js';

/**
 * One mpt connection: the handshake, its paths, the single reliable stream
 * and the close, as a sans-IO state machine (DESIGN §2). Inputs are
 * `handle*` calls and the stream methods; outputs are `pollTransmit`,
 * `pollEvent` and `nextTimeout`. Bad input from the network is dropped and
 * counted, never thrown.
 * @module
 */

/** Which end of the handshake this is. */
export type ConnectionRole = 'client' | 'server';

/** Lifecycle of a connection (RFC 9000 §10 terms). */
export type ConnectionState = 'handshaking' | 'established' | 'closing' | 'draining' | 'closed';

/** Connection-wide counters. */
export interface ConnectionStats {
  /** Datagrams dropped: undecodable, not authenticating, duplicates or for a wrong state. */
  packetsDropped: number;
  /** Stream bytes written by the application. */
  bytesWritten: number;
  /** Stream bytes delivered to the application. */
  bytesRead: number;
  /** Packets declared lost on every path. */
  packetsLost: number;
  /** Stream bytes sent more than once. */
  bytesRetransmitted: number;
}

/** Everything a connection is built from; the endpoint fills it in. */
export interface ConnectionInit {
  /** Transport settings. */
  readonly transport: TransportConfig;
  /** AEAD provider. */
  readonly provider: CryptoProvider;
  /** Randomness (path challenges, ephemerals). */
  readonly randomBytes: RandomBytes;
  /** When the connection starts, ms. */
  readonly nowMs: number;
  /** Our socket. */
  readonly local: SocketAddress;
  /** The peer. */
  readonly remote: SocketAddress;
  /** The CID we receive on for path 0 (our handshake SCID). */
  readonly localCid: Uint8Array;
  /** Client: the random DCID of its first Initial. Server: the client's SCID. */
  readonly remoteCid: Uint8Array;
  /**
   * Scratch space for building packet payloads (at least MAX_DATAGRAM_SIZE bytes), shared by every
   * connection of an endpoint: the engine is single-threaded and a payload is sealed before the
   * next is built. Without it the connection allocates its own.
   */
  readonly scratch?: Uint8Array | undefined;
  /**
   * Makes a new CID the endpoint routes to `connection` (unique among the endpoint's CIDs). Without it
   * the connection issues no CID beyond its handshake one, and so has only path 0.
   */
  readonly issueCid?: ((connection: Connection) => Uint8Array) | undefined;
  /** Takes a CID made by `issueCid` out of the endpoint's routing table: its path closed. */
  readonly retireCid?: ((cid: Uint8Array) => void) | undefined;
  /** A path-manager plugin that decides which paths the connection has (src/path-managers); default none. */
  readonly pathManager?: PathManagerFactory | undefined;
  /** Our usable local addresses (sockets), for the path manager; see {@link Connection.setLocalAddresses}. */
  readonly localAddresses?: readonly SocketAddress[] | undefined;
  /** What the owner knows of those addresses' interfaces (policy rules match on them); see {@link Connection.setLocalAddresses}. */
  readonly localInterfaces?: readonly LocalInterface[] | undefined;
  /**
   * A client's happy-eyeballs race: further (local, remote) destinations its Initial goes to, one
   * attempt delay apart, after `local` -> `remote` (see {@link HandshakeRace}).
   */
  readonly race?: { readonly alternatives: readonly RaceTarget[]; readonly attemptDelayMs: number } | undefined;
}

/** Most 1-RTT datagrams a server sends to an unvalidated address, per byte received (RFC 9000 §8.1). */
const AMPLIFICATION_FACTOR = 3;
/** Most answers a server sends to Initials repeated from other addresses (happy-eyeballs attempts): bounds what a flood of copies costs. */
const MAX_ATTEMPT_REPLIES = 16;
/** Server keys a client rejects before it gives up on the handshake. */
const MAX_REJECTED_SERVER_KEYS = 3;
/** Smallest room, in bytes, worth starting a DATA frame in. */
const MIN_DATA_ROOM = 32;
/** Smallest packet, in bytes, worth sending under the anti-amplification limit (room for an ACK or a PATH_CHALLENGE). */
const MIN_AMPLIFICATION_ROOM = 64;
/**
 * Consecutive PTOs after which a path whose PMTU was raised falls back to the base size (RFC 8899 §4.3
 * black-hole detection): every full-size packet is being lost, and repeated probe timeouts are all the
 * sender sees. Three (1 + 2 + 4 PTOs of backoff) rule out a tail loss or a short burst.
 */
const PMTU_BLACK_HOLE_PTOS = 3;
/**
 * Consecutive probe timeouts without an answer after which a path is declared failed (a 'path' event,
 * `Path.failed`); it is still probed, and an answer brings it back ('recovered'). Two: the first PTO
 * may be a tail loss, a second in a row (backed off) is a path that stopped answering.
 */
export const PATH_FAILED_PTOS = 2;
/**
 * Bytes a Retry token can add to an Initial: address (IPv6 + port), the original DCID, the MAC, its
 * header, and a 2-byte length varint. Early data must leave room for it (docs/protocol.md §3.5).
 */
const RETRY_TOKEN_ROOM = 10 + 18 + 1 + RETRY_TOKEN_MAX_DCID_LENGTH + RETRY_TOKEN_MAC_LENGTH + 1;
/**
 * The extensions this implementation supports. Redundant scheduling is always listed: our receiver
 * deduplicates DATA by offset, so copies on several paths are always welcome (docs/protocol.md §8.2).
 */
const LOCAL_EXTENSIONS: readonly number[] = [ExtensionId.PmtuProbe, ExtensionId.RedundantScheduling];
const LOCAL_EXTENSIONS_NO_PMTU: readonly number[] = [ExtensionId.RedundantScheduling];
const EMPTY = new Uint8Array(0);

/** Our transport parameters, from the transport settings (docs/protocol.md §8). */
function transportParams(transport: TransportConfig, provider: CryptoProvider, localCid: Uint8Array): TransportParams {
  return {
    ...defaultTransportParams(localCid),
    maxIdleTimeoutMs: transport.idleTimeoutMs,
    initialMaxData: transport.initialWindowBytes,
    maxAckDelayMs: transport.maxAckDelayMs,
    maxUdpPayloadSize: transport.maxDatagramSizeBytes,
    supportedAeads: provider.aeads,
    extensions: transport.pmtuDiscovery ? LOCAL_EXTENSIONS : LOCAL_EXTENSIONS_NO_PMTU,
    maxPaths: transport.maxPaths,
  };
}

/**
 * A server's transport parameters: as a client's, plus the CIDs that let the
 * client check that nobody rewrote its first DCID or forged a Retry (RFC 9000 §7.3).
 */
export function serverTransportParams(
  transport: TransportConfig,
  provider: CryptoProvider,
  localCid: Uint8Array,
  originalDcid: Uint8Array,
  retryScid: Uint8Array | undefined,
): TransportParams {
  const params = { ...transportParams(transport, provider, localCid), originalDestinationConnectionId: originalDcid };
  return retryScid === undefined ? params : { ...params, retrySourceConnectionId: retryScid };
}

/** A connection; made by an {@link Endpoint}. */
export class Connection {
  /** Client or server. */
  readonly role: ConnectionRole;
  /** Where the connection stands. */
  state: ConnectionState = 'handshaking';
  /** Counters. */
  readonly stats: ConnectionStats = { packetsDropped: 0, bytesWritten: 0, bytesRead: 0, packetsLost: 0, bytesRetransmitted: 0 };
  /** Open paths, in the order they opened (path 0 first); see {@link pathById}. */
  readonly paths: Path[] = [];
  /** The CIDs we receive on, for the endpoint's routing table. */
  readonly localCids: Uint8Array[] = [];
  /** The path id each entry of {@link localCids} was issued for. */
  readonly localCidPathIds: number[] = [];
  /** DATA_BLOCKED frames sent: times the peer's flow control, not the network, held our data back. */
  dataBlockedSent = 0;
  /** Datagrams not sent because the caller's buffer was too small for them (a driver bug; never written past it). */
  oversizedDatagrams = 0;
  /** The handshake outcome once complete. */
  outcome: HandshakeOutcome | undefined;

  private readonly transport: TransportConfig;
  private readonly localParams: TransportParams;
  private readonly issueCid: ((connection: Connection) => Uint8Array) | undefined;
  private readonly retireCid: ((cid: Uint8Array) => void) | undefined;
  /** The time of the latest input (datagram, timer or poll), ms. */
  private nowMs: number;
  /** Most paths both sides allow, path 0 included (the smaller max_paths); 1 until the handshake completes. */
  private pathLimit = 1;
  /** Our CID for each path id >= 1 (index = path id), issued after the handshake. */
  private readonly localCidByPath = new Map<number, Uint8Array>();
  /** The stateless reset token sent with each of those CIDs. */
  private readonly localResetTokenByPath = new Map<number, Uint8Array>();
  /** The peer's CID (sequence 0) for each path id >= 1, from its NEW_CONNECTION_ID frames. */
  private readonly remoteCidByPath = new Map<number, Uint8Array>();
  /** Path ids whose NEW_CONNECTION_ID still has to be sent (again, if lost). */
  private readonly newCidsPending: number[] = [];
  /** The lowest path id neither side has used yet: {@link openPath} takes it (ids are never reused). */
  private nextPathId = 1;
  /** The next path id to issue one of our CIDs for: one more each time a path closes, so it can be replaced. */
  private nextIssuedPathId = 1;
  /** ADD_ADDRESS / REMOVE_ADDRESS / PATH_STATUS / PATH_ABANDON state and queue. */
  private readonly signals = new PathSignals();
  /** Peer addresses the owner added ({@link addRemoteAddress}). */
  private readonly knownRemotes: SocketAddress[] = [];
  /** Decides which path is offered the next packet, and whether stream data goes on one path or all. */
  private readonly scheduler: DuplicatingScheduler;
  /** The order the scheduler offers paths the next packet in, recomputed on each poll; reused. */
  private readonly offerOrder: Path[] = [];
  /** Largest datagram the peer accepts and we allow, bytes (PMTU search bound of every path). */
  private maxDatagramBytes = MIN_DATAGRAM_SIZE;
  private readonly events: ConnectionEvent[] = [];
  /** The path manager, when the owner gave one. */
  private readonly pathManager: PathManagerRunner | undefined;
  private readonly sendBuffer = new SendBuffer(0);
  private readonly reassembly: Reassembly;
  private readonly flow: ReceiveFlowControl;
  private readonly ccGroup: CongestionGroup;
  /** Packet payload scratch (see {@link ConnectionInit.scratch}). */
  private readonly payload: Uint8Array;
  private readonly randomBytes: RandomBytes;
  private local: SocketAddress;
  private remote: SocketAddress;
  /** A client's happy-eyeballs race, when it has more than one destination. */
  private race: HandshakeRace | undefined;
  /** When a client's connect() started (its first attempt), ms. */
  private readonly connectStartedAtMs: number;
  /** Race destinations owed the current handshake datagram (a started attempt, or a retransmission). */
  private readonly raceQueue: RaceTarget[] = [];
  /** A server's answers to Initials repeated from other addresses (other attempts of the same connect()). */
  private readonly attemptReplies: RaceTarget[] = [];
  /** How many such answers were queued in all (bounded: {@link MAX_ATTEMPT_REPLIES}). */
  private attemptRepliesQueued = 0;
  /** The client's handshake driver; undefined on a server. */
  private clientHandshake: ClientHandshake | undefined;
  /** The client's Initial payload (mode byte and Noise message 1), kept for a Retry. */
  private clientInitialPayload: Uint8Array | undefined;
  /** The server's handshake driver; undefined on a client. */
  private serverHandshake: ServerHandshake | undefined;
  /** A handshake datagram waiting to be sent. */
  private pendingHandshake: Uint8Array | undefined;
  /** The last handshake datagram we sent, for retransmission. */
  private lastHandshake: Uint8Array | undefined;
  private handshakeTimerMs: number | undefined;
  private handshakeBackoff = 1;
  /** When the current handshake message was first sent, ms; -1 before. */
  private handshakeFirstSentAtMs = -1;
  /** When a handshake datagram was last sent, ms; -1 before. */
  private handshakeLastSentAtMs = -1;
  /** Times the current handshake message was sent; an RTT sample is only taken from one sent once (Karn). */
  private handshakeSends = 0;
  /** Server: least time between repeats of message 2 prompted by unreadable 1-RTT packets, ms; -1 until measured. */
  private handshakeRepeatGapMs = -1;
  /** An RTT sample from the handshake exchange, ms, to seed path 0's estimator; -1 if none. */
  private handshakeRttMs = -1;
  private handshakePacketNumber = 0;
  /** Client: true once a 1-RTT packet from the server authenticated (RFC 9001 §4.1.2 "confirmed"). */
  private handshakeConfirmed = false;
  private rejectedServerKeys = 0;
  private handshakeDonePending = false;
  private handshakeDoneAcked = false;
  private closePending = false;
  private closeFrame: Frame | undefined;
  private closeDeadlineMs: number | undefined;
  private idleTimeoutMs = 0;
  private idleDeadlineMs: number | undefined;
  private keepAliveAtMs: number | undefined;
  /** PING after this long without sending; 0 = off. Starts as the transport setting. */
  private keepAliveIntervalMs: number;
  private pingPending = false;
  private ackElicitingSentSinceReceive = false;
  private resetPending = false;
  private resetCode = 0;
  /** Whether our RESET went out: no more DATA after it. */
  private resetSent: boolean;
  /** The peer's RESET final size once one arrived (RFC 9000 §4.5), else -1. */
  private peerResetFinalSize: number;
  /** The flow-control limit we last reported being blocked at with DATA_BLOCKED, or -1. */
  private dataBlockedReported: number;
  /** Client, after a Retry: the next Initial echoes this token to the Retry's SCID. */
  private retryToken: Uint8Array;
  /** Closing: packets received since we entered the closing state, and when to answer with CLOSE again. */
  private closingPacketsReceived: number;
  private closingNextReply: number;
  private peerParams: TransportParams | undefined;
  private pmtuEnabled = false;
  /** Whether both sides listed redundant scheduling, so the redundant scheduler may send copies. */
  private redundantAgreed = false;
  private writeBlocked = false;
  private finishedReported = false;
  private pacingWakeMs: number | undefined;
  /** Bytes received / sent on path 0 before the peer's address was validated (anti-amplification). */
  private unvalidatedReceived = 0;
  private unvalidatedSent = 0;
  private addressValidated: boolean;
  /** Server: whether the client has proven its address once (a 1-RTT packet); always true on a client. */
  private peerProven: boolean;
  /** The DCID we send long headers to: the client's random first DCID, the Retry's SCID, then the server's SCID. */
  private initialRemoteCid: Uint8Array;
  /** Client: the DCID of its very first Initial, which the server must echo (RFC 9000 §7.3). */
  private readonly originalDcid: Uint8Array;
  /** Client: the SCID of the Retry, if one came. */
  private retryScid: Uint8Array | undefined;

  private constructor(role: ConnectionRole, init: ConnectionInit, params: TransportParams) {
    this.role = role;
    this.nowMs = init.nowMs;
    this.transport = init.transport;
    this.local = init.local;
    this.remote = init.remote;
    this.connectStartedAtMs = init.nowMs;
    this.race = role === 'client' && init.race !== undefined && init.race.alternatives.length > 0
      ? new HandshakeRace([{ local: init.local, remote: init.remote }, ...init.race.alternatives], init.race.attemptDelayMs, init.nowMs)
      : undefined;
    this.localParams = params;
    this.originalDcid = init.remoteCid;
    this.payload = init.scratch ?? new Uint8Array(MAX_DATAGRAM_SIZE);
    this.randomBytes = init.randomBytes;
    this.resetSent = false;
    this.peerResetFinalSize = -1;
    this.dataBlockedReported = -1;
    this.retryToken = EMPTY;
    this.closingPacketsReceived = 0;
    this.closingNextReply = 1;
    this.flow = new ReceiveFlowControl({ initialWindowBytes: init.transport.initialWindowBytes, maxWindowBytes: init.transport.maxWindowBytes });
    this.reassembly = new Reassembly(init.transport.initialWindowBytes, init.transport.maxWindowBytes);
    this.ccGroup = createCongestionGroup(init.transport.congestionControl);
    this.scheduler = new DuplicatingScheduler(createScheduler(init.transport.scheduler));
    this.issueCid = init.issueCid;
    this.retireCid = init.retireCid;
    this.localCids.push(init.localCid);
    this.localCidPathIds.push(0);
    this.initialRemoteCid = init.remoteCid;
    // A client validated the server's address by choosing it; a server must see the client answer (RFC 9000 §8.1).
    this.addressValidated = role === 'client';
    this.peerProven = role === 'client';
    this.idleTimeoutMs = init.transport.idleTimeoutMs;
    this.keepAliveIntervalMs = init.transport.keepAliveIntervalMs;
    this.touchIdle(init.nowMs);
    this.pathManager =
      init.pathManager === undefined
        ? undefined
        : new PathManagerRunner(init.pathManager, this, init.localAddresses ?? [init.local], init.nowMs, (e) => this.events.push(e), init.localInterfaces);
  }

  /** Reports an event to the owner (pollEvent) and to the path manager. */
  private emit(event: ConnectionEvent): void {
    this.events.push(event);
    this.pathManager?.enqueue(event);
  }

  /**
   * The owner's usable local addresses changed (an interface came or went): the path manager hears of
   * each address added or removed first; paths still open from a removed address afterwards are
   * abandoned with AddressRemoved (their socket is going away), but never the last validated path.
   * `interfaces` describes the addresses' interfaces (name, type, metered) for policy rules; an
   * address it leaves out reads as type 'other', unmetered. Without it the descriptions given before
   * are kept for the addresses that remain.
   */
  setLocalAddresses(nowMs: number, addresses: readonly SocketAddress[], interfaces?: readonly LocalInterface[]): void {
    this.nowMs = nowMs;
    this.pathManager?.setLocalAddresses(addresses, nowMs, interfaces);
    if (this.pathManager === undefined || this.state !== 'established') return;
    for (const path of this.paths) {
      if (!path.closed && !addresses.some((a) => sameAddress(a, path.local))) this.abandonPath(path.id, ReasonCode.AddressRemoved);
    }
    this.pathManager.run(nowMs);
  }

  /**
   * Stream data is copied onto these paths (each sends its own copy of every byte not yet
   * acknowledged, as the redundant scheduler does), whichever path the scheduler gives it to first;
   * `undefined` or an empty list: off. Copies go out only once both ends listed redundant scheduling
   * (mpt always does). The path manager's `setDuplication`.
   */
  setDuplication(pathIds: readonly number[] | undefined): void {
    this.scheduler.setDuplication(pathIds);
  }


  /** The paths stream data is copied onto ({@link setDuplication}); empty when off. */
  get duplication(): readonly number[] {
    return this.scheduler.duplication;
  }

  /** The path manager's plugin instance, if any (tests, diagnostics). */
  get pathManagerPlugin(): PathManager | undefined {
    return this.pathManager?.pathManager;
  }

  /**
   * A client connection; its Initial is ready to send. Fails for a handshake
   * configuration that cannot work (e.g. ik without the server key).
   */
  static client(
    init: ConnectionInit,
    handshake: Omit<ClientHandshakeConfig, 'params' | 'provider' | 'randomBytes' | 'earlyFrames'>,
    earlyData?: Uint8Array,
  ): Connection | MptError {
    const c = new Connection('client', init, transportParams(init.transport, init.provider, init.localCid));
    let earlyFrames: Uint8Array | undefined;
    if (earlyData !== undefined && earlyData.length > 0) {
      // 0-RTT data rides in the Initial; it is also written to the stream as
      // usual and sent again after the handshake, which the receiver
      // deduplicates (docs/protocol.md §3.6).
      const frame: Frame = { type: 'data', offset: 0, data: earlyData, fin: false, explicitLength: true };
      earlyFrames = new Uint8Array(frameLength(frame));
      encodeFrame(earlyFrames, 0, frame);
    }
    const hs = ClientHandshake.create({ ...handshake, params: c.localParams, provider: init.provider, randomBytes: init.randomBytes, earlyFrames });
    if (hs.isErr()) return hs.error;
    const first = hs.value.initialPayload();
    if (first.isErr()) return first.error;
    if (earlyFrames !== undefined) {
      // 0-RTT data rides in the Initial, which must stay within the 1200 bytes every path carries, with room
      // for a Retry token (a larger Initial could exceed the path, or the caller's datagram buffer).
      const header = { type: 'initial', version: WIRE_VERSION, dcid: init.remoteCid, scid: init.localCid, token: EMPTY, packetNumber: 0, packetNumberLength: 4 } as const;
      const datagram = longHeaderLength(header, first.value.length) + first.value.length + RETRY_TOKEN_ROOM;
      if (datagram > MIN_DATAGRAM_SIZE) {
        const most = (earlyData as Uint8Array).length - (datagram - MIN_DATAGRAM_SIZE);
        return new MptError(MptErrorCode.InvalidConfig, `earlyData of ${(earlyData as Uint8Array).length} bytes does not fit the Initial (at most ${Math.max(0, most)} bytes here)`);
      }
    }
    c.clientHandshake = hs.value;
    c.clientInitialPayload = first.value;
    if (earlyData !== undefined) c.write(earlyData);
    c.queueHandshake('initial', init.localCid, first.value, init.nowMs);
    const attempt0 = c.race?.attempts[0];
    if (attempt0 !== undefined) c.emitAttempt('started', attempt0);
    c.pathManager?.run(init.nowMs);
    return c;
  }

  /** A server connection for an accepted Initial; message 2 is ready to send. */
  static server(init: ConnectionInit, accepted: AcceptedInitial, params: TransportParams, initialDatagramBytes: number): Connection {
    const c = new Connection('server', init, params);
    c.serverHandshake = accepted.handshake;
    c.unvalidatedReceived = initialDatagramBytes;
    c.queueHandshake('handshake', init.localCid, accepted.reply, init.nowMs);
    if (accepted.handshake.outcome !== undefined) c.onHandshakeComplete(accepted.handshake.outcome, init.nowMs);
    if (accepted.earlyFrames.length > 0 && c.outcome !== undefined) c.handleFrames(c.paths[0] as Path, accepted.earlyFrames, init.nowMs);
    c.pathManager?.run(init.nowMs);
    return c;
  }

  // ----- application interface --------------------------------------------------------------

  /** The next event, or undefined. */
  pollEvent(): ConnectionEvent | undefined {
    return this.events.shift();
  }

  /**
   * Queues stream bytes (copied). Returns false once the unacknowledged
   * bytes exceed the send buffer limit: wait for a 'writable' event.
   */
  write(bytes: Uint8Array): boolean {
    if (this.state === 'closing' || this.state === 'draining' || this.state === 'closed' || this.sendBuffer.finalSize !== undefined) return false;
    if (bytes.length > 0) {
      this.sendBuffer.write(bytes);
      this.stats.bytesWritten += bytes.length;
    }
    const ok = this.sendBuffer.unackedBytes < this.transport.sendBufferBytes;
    if (!ok) this.writeBlocked = true;
    return ok;
  }

  /** Ends our direction after the bytes written so far (half-close, FIN). */
  shutdown(): void {
    if (this.state === 'closed' || this.state === 'draining' || this.state === 'closing') return;
    this.sendBuffer.finish();
  }

  /** Stream bytes received in order, up to `maxBytes`, or undefined if none are ready. */
  read(maxBytes?: number): Uint8Array | undefined {
    const bytes = this.reassembly.read(maxBytes);
    if (bytes === undefined) return undefined;
    this.stats.bytesRead += bytes.length;
    this.flow.onConsumed(bytes.length);
    return bytes;
  }

  /** Server: whether the client has not yet proven its address (a half-open connection, RFC 9000 §8.1). */
  get halfOpen(): boolean {
    return !this.peerProven;
  }

  /** Whether stream bytes have arrived that {@link read} would return now. */
  get hasReadable(): boolean {
    return this.reassembly.hasReadable;
  }

  /** Whether the peer's FIN arrived and every byte before it has been read. */
  get readEnded(): boolean {
    return this.reassembly.isFinished;
  }

  /** Whether everything we wrote, and our FIN, has been acknowledged. */
  get writeEnded(): boolean {
    return this.sendBuffer.isFinished;
  }

  /** Bytes written and not yet acknowledged. */
  get bufferedBytes(): number {
    return this.sendBuffer.unackedBytes;
  }

  /**
   * Sends a PING after `intervalMs` without sending anything, to keep NAT
   * bindings and the peer's idle timer alive; 0 turns it off.
   */
  setKeepAlive(nowMs: number, intervalMs: number): void {
    this.keepAliveIntervalMs = Math.max(0, intervalMs);
    this.keepAliveAtMs = undefined;
    this.armKeepAlive(nowMs);
  }

  /** Abandons our direction abruptly: unsent data is dropped and the peer gets RESET. */
  reset(applicationErrorCode: number): void {
    if (this.state === 'closed' || this.state === 'draining' || this.state === 'closing') return;
    this.resetCode = applicationErrorCode;
    this.resetPending = true;
  }

  /**
   * Closes the connection: the peer gets CLOSE with the reason, we keep
   * answering with it for three PTOs, then the connection is gone.
   */
  close(nowMs: number, reasonCode: number = ReasonCode.ApplicationClose, applicationErrorCode = 0, reason = ''): void {
    this.closeWith(nowMs, reasonCode, applicationErrorCode, reason, 'local', undefined);
  }

  // ----- network input --------------------------------------------------------------------

  /** A long-header packet addressed to this connection (Handshake, or a repeated Initial). */
  handleLongPacket(nowMs: number, local: SocketAddress, remote: SocketAddress, type: 'initial' | 'handshake', scid: Uint8Array, payload: Uint8Array, datagramBytes: number): void {
    this.nowMs = nowMs;
    this.receiveLongPacket(nowMs, local, remote, type, scid, payload, datagramBytes);
    this.pathManager?.run(nowMs);
  }

  private receiveLongPacket(nowMs: number, local: SocketAddress, remote: SocketAddress, type: 'initial' | 'handshake', scid: Uint8Array, payload: Uint8Array, datagramBytes: number): void {
    if (this.state === 'closed' || this.state === 'draining') return;
    if (!this.addressValidated) this.unvalidatedReceived += datagramBytes;
    const elsewhere = !sameAddress(local, this.local) || !sameAddress(remote, this.remote);
    if (this.role === 'server') {
      if (type === 'initial' && elsewhere) {
        // The same Initial through another of our addresses (or from another of the client's sockets): a
        // happy-eyeballs attempt of the same connect(), never a second connection. Answer it there, so
        // the client learns that destination works too (a padded Initial of >= 1200 bytes for a message 2
        // of a few hundred: no amplification); the client's message 3 then says which one it chose.
        if (this.lastHandshake !== undefined && this.attemptRepliesQueued < MAX_ATTEMPT_REPLIES && !this.attemptReplies.some((t) => sameAddress(t.local, local) && sameAddress(t.remote, remote))) {
          this.attemptRepliesQueued++;
          this.attemptReplies.push({ local, remote });
        }
        return;
      }
      if (type === 'initial') {
        // Our message 2 was lost: the client repeats its Initial; repeat the answer until a 1-RTT packet
        // from the client shows it has the keys (an IK server is complete at once, yet its message 2 may be lost).
        if (!this.addressValidated) this.pendingHandshake = this.lastHandshake;
        return;
      }
      const hs = this.serverHandshake;
      if (hs === undefined || this.outcome !== undefined) return this.dropPacket();
      const outcome = hs.readClientFinal(payload);
      if (outcome.isErr()) return this.dropPacket();
      // Message 3 goes where the client's winning attempt went: path 0 runs there.
      this.local = local;
      this.remote = remote;
      this.takeHandshakeRttSample(nowMs);
      this.onHandshakeComplete(outcome.value, nowMs);
      return;
    }
    const hs = this.clientHandshake;
    if (type === 'handshake' && this.outcome !== undefined && elsewhere) {
      // Message 2 again, through another attempt of our race: a late success, offered to the path manager.
      this.onLateAnswer({ local, remote }, nowMs);
      return this.dropPacket();
    }
    if (type === 'handshake' && this.outcome !== undefined && !this.handshakeConfirmed && this.lastHandshake !== undefined) {
      // The server repeats message 2: our message 3 was lost, so it could read none of our 1-RTT packets.
      // Repeat message 3 now, and queue again what those packets carried (not congestion: no window cut).
      this.pendingHandshake = this.lastHandshake;
      const path = this.paths[0];
      if (path !== undefined) {
        for (const packet of path.loss.discardAll()) {
          this.requeue(packet.payload);
          if (packet.payload.mtuProbeBytes > 0) path.pmtud.onProbeAbandoned(packet.payload.mtuProbeBytes);
        }
      }
      return;
    }
    if (type !== 'handshake' || hs === undefined || this.outcome !== undefined) return this.dropPacket();
    const read = hs.readServerMessage(payload);
    if (read.isErr()) {
      // Forged, corrupt, or presenting a key the application rejected: drop it and keep waiting for the
      // genuine server, since XX message 1 is in clear and anyone can answer it. Give up only after
      // several rejected keys, reporting the mismatch.
      this.dropPacket();
      if (read.error.code === MptErrorCode.ServerKeyMismatch && ++this.rejectedServerKeys >= MAX_REJECTED_SERVER_KEYS) {
        this.failHandshake(read.error);
      }
      return;
    }
    const mismatch = this.checkServerCids(read.value.outcome.peerParams, scid);
    if (mismatch !== undefined) {
      this.failHandshake(new MptError(MptErrorCode.HandshakeFailed, mismatch));
      return;
    }
    this.local = local;
    this.remote = remote;
    this.initialRemoteCid = scid.slice();
    const won = this.race?.answer({ local, remote }, nowMs);
    this.raceQueue.length = 0;
    if (won !== undefined) {
      // The attempt's own round trip, unless a retransmission since makes it ambiguous (RFC 9002 §5.1 spirit).
      if (this.handshakeBackoff === 1) this.handshakeRttMs = nowMs - won.startedAtMs;
      this.emitAttempt('won', won);
    } else this.takeHandshakeRttSample(nowMs);
    this.handshakeTimerMs = undefined;
    this.onHandshakeComplete(read.value.outcome, nowMs);
    if (read.value.reply !== undefined) {
      // XX message 3: a new flight, timed from the RTT just measured rather than the initial guess.
      this.handshakeBackoff = 1;
      this.queueHandshake('handshake', this.localCids[0] as Uint8Array, read.value.reply, nowMs);
    }
  }

  /**
   * The newest authenticated packet of a path came from another address: NAT rebinding, or the peer
   * moved. Only a packet with a new largest packet number moves the path (a reordered or re-sourced
   * older one cannot; a replayed one was dropped as a duplicate), and a packet from the old address with
   * a newer number moves it back the same way. Until the new address answers a PATH_CHALLENGE it gets
   * at most 3x the bytes that arrived from it (RFC 9000 §8.1, §9.3), so a forged source address cannot
   * turn the connection into an amplifier, and a later path carries no stream data meanwhile. Once it
   * answers, the path starts afresh there (RFC 9000 §9.4): outstanding data is requeued, and RTT, loss
   * detection and congestion state restart. A move back to the last validated address (the peer's next
   * real packet after a spoofed one) restores it at once, with its state untouched (RFC 9000 §9.3.2).
   */
  private onPeerAddressChanged(path: Path, remote: SocketAddress, datagramBytes: number, nowMs: number): void {
    path.remote = remote;
    path.stats.addressChanges++;
    const known = path.validatedRemote;
    if (known !== undefined && sameAddress(known, remote)) {
      this.restoreValidatedAddress(path);
      return;
    }
    if (path.id === 0) {
      this.addressValidated = false;
      this.unvalidatedReceived = datagramBytes;
      this.unvalidatedSent = 0;
    } else {
      path.validated = false;
      path.amplificationLimited = true;
      path.unvalidatedReceivedBytes = datagramBytes;
      path.unvalidatedSentBytes = 0;
    }
    path.restartOnValidation = known !== undefined;
    this.startChallenge(path, nowMs);
  }

  /** Puts a path back on its last validated address, as it was: no challenge outstanding, no limit. */
  private restoreValidatedAddress(path: Path): void {
    path.remote = path.validatedRemote as SocketAddress;
    path.challengeOutstanding = false;
    path.challengePending = false;
    path.restartOnValidation = false;
    if (path.id === 0) this.addressValidated = true;
    else path.validated = true;
  }

  /** The path's current address answered our challenge. */
  private onAddressValidated(path: Path, nowMs: number): void {
    path.challengeOutstanding = false;
    path.challengePending = false;
    if (path.restartOnValidation) {
      path.restartOnValidation = false;
      path.stats.recoveryRestarts++;
      for (const packet of path.restartRecovery(this.ccGroup.createController({ maxDatagramSizeBytes: MIN_DATAGRAM_SIZE, nowMs }))) {
        this.requeue(packet.payload);
      }
    }
    path.validatedRemote = path.remote;
    if (path.id === 0) this.addressValidated = true;
    else if (!path.validated) {
      path.validated = true;
      this.emit({ type: 'path', pathId: path.id, change: 'up', reasonCode: 0 });
    }
  }

  /** The reply to our last handshake message arrived: an RTT sample if that message went out once (Karn). */
  private takeHandshakeRttSample(nowMs: number): void {
    if (this.handshakeSends === 1 && this.handshakeFirstSentAtMs >= 0) this.handshakeRttMs = nowMs - this.handshakeFirstSentAtMs;
  }

  /**
   * A short-header packet that arrived at our socket `local` for one of our CIDs, issued for path
   * `pathId`; `header` is its decoded header.
   */
  handleShortPacket(nowMs: number, local: SocketAddress, remote: SocketAddress, datagram: Uint8Array, header: DecodedShortHeader, pathId: number): void {
    this.nowMs = nowMs;
    this.receiveShortPacket(nowMs, local, remote, datagram, header, pathId);
    this.pathManager?.run(nowMs);
  }

  private receiveShortPacket(nowMs: number, local: SocketAddress, remote: SocketAddress, datagram: Uint8Array, header: DecodedShortHeader, pathId: number): void {
    if (this.state === 'closed' || this.state === 'draining') return;
    let path = this.pathById(pathId);
    // RFC 9000 §8.1: every byte the unvalidated address sends counts towards what we may send it (only
    // datagrams from that address: bytes from elsewhere must not raise what a spoofed address gets).
    if (pathId === 0 && !this.addressValidated) {
      const to = path?.remote ?? this.remote;
      if (remote.host === to.host && remote.port === to.port) this.unvalidatedReceived += datagram.length;
    } else if (path !== undefined && !path.validated && remote.host === path.remote.host && remote.port === path.remote.port) {
      path.unvalidatedReceivedBytes += datagram.length;
    }
    const keys = this.outcome;
    // The peer opens a path by sending on a CID we issued for an unused path id; the path exists only
    // once such a packet authenticates (a forged one creates nothing).
    const opening = path === undefined && pathId > 0 && this.state === 'established' && this.localCidByPath.has(pathId) && this.openPathCount < this.pathLimit;
    if (keys === undefined || (path === undefined && !opening)) {
      // A server still waiting for XX message 3 gets the client's 1-RTT packets: message 3 was lost. Repeat
      // message 2 (at most once per round trip), which makes the client repeat message 3.
      if (this.role === 'server' && keys === undefined && this.lastHandshake !== undefined && this.handshakeLastSentAtMs >= 0) {
        const sinceSent = nowMs - this.handshakeLastSentAtMs;
        // The first such packet comes at least a round trip after message 2 left: that gap is the rate limit.
        if (this.handshakeRepeatGapMs < 0) this.handshakeRepeatGapMs = Math.max(sinceSent, 1);
        if (sinceSent >= this.handshakeRepeatGapMs) this.pendingHandshake = this.lastHandshake;
      }
      return this.dropPacket();
    }
    // A path either end abandoned carries nothing more (its id is never reused).
    if (path?.closed === true) return this.dropPacket();
    const pn = decodePacketNumber(path?.largestReceived ?? -1, header.packetNumber, header.packetNumberLength);
    if (pn < 0) return this.dropPacket();
    const aad = datagram.subarray(0, header.headerLength);
    const payload = keys.receive.open(pathId, pn, aad, datagram.subarray(header.headerLength));
    if (payload === null) return this.dropPacket();
    if ((header.reservedBits & SHORT_RESERVED_MASK) !== 0) {
      this.closeWith(nowMs, ReasonCode.ProtocolError, 0, 'reserved header bits set', 'local', undefined);
      return;
    }
    if (path === undefined) {
      // The peer opened this path: answer on it with the CID the peer issued for it (once known), and
      // validate its address with our own challenge; until then it gets at most 3x what it sent.
      path = this.createPath(pathId, local, remote, this.localCidByPath.get(pathId) as Uint8Array, this.remoteCidByPath.get(pathId) ?? EMPTY, nowMs, false, true);
      path.unvalidatedReceivedBytes = datagram.length;
      path.peerBackup = this.signals.peerStatusOf(pathId) === 'backup';
      path.backup = path.peerBackup;
      this.startChallenge(path, nowMs);
    }
    // RFC 9000 §12.3: a duplicate (a replay, or a copy the network made) is dropped before any frame is applied.
    if (path.acks.isDuplicate(pn)) return this.dropPacket();
    const newest = pn > path.largestReceived;
    if (newest) path.largestReceived = pn;
    path.stats.packetsReceived++;
    path.stats.bytesReceived += datagram.length;
    if (path.id === 0 && !this.addressValidated && this.role === 'server' && newest && !sameAddress(local, path.local)) {
      // An IK or PSK server made path 0 at the first Initial; the client's winning happy-eyeballs attempt
      // went to another of our addresses: path 0 answers from the address the client chose.
      path.local = local;
      this.local = local;
    }
    if (path.id === 0 && !this.addressValidated && !path.challengeOutstanding) {
      // A packet under our 1-RTT keys proves the peer received our message 2 at that address.
      this.addressValidated = true;
      path.validatedRemote = path.remote;
      this.peerProven = true;
      // An IK or PSK server took no RTT sample in the handshake: message 2 -> the client's first 1-RTT
      // packet is one (an upper bound), better than the 333 ms guess for its first PTOs.
      if (this.role === 'server' && !path.loss.rtt.hasSample && this.handshakeSends === 1 && this.handshakeFirstSentAtMs >= 0) {
        path.loss.rtt.update(nowMs - this.handshakeFirstSentAtMs, 0, path.loss.maxAckDelayMs, false, nowMs);
      }
    }
    if (this.role === 'client' && !this.handshakeConfirmed) this.confirmHandshake();
    if (newest && (remote.port !== path.remote.port || remote.host !== path.remote.host)) this.onPeerAddressChanged(path, remote, datagram.length, nowMs);
    this.touchIdle(nowMs);
    this.ackElicitingSentSinceReceive = false;
    if (this.state === 'closing') {
      path.acks.onPacketReceived(pn, false, nowMs);
      // RFC 9000 §10.2.1: answer with CLOSE again, but not every packet (a flood would be reflected one
      // for one): on the 1st, 2nd, 4th, 8th... packet received while closing.
      if (++this.closingPacketsReceived >= this.closingNextReply) {
        this.closingNextReply *= 2;
        this.closePending = true;
      }
      return;
    }
    // Frames are parsed once: whether the packet was ack-eliciting is learnt while applying them.
    const ackEliciting = this.handleFrames(path, payload, nowMs);
    if (path.loss.rtt.hasSample) path.acks.rttMs = path.loss.rtt.smoothedRttMs;
    path.acks.onPacketReceived(pn, ackEliciting, nowMs);
  }

  // ----- timers ---------------------------------------------------------------------------

  /** The earliest time anything is due, or undefined. */
  nextTimeout(): number | undefined {
    if (this.state === 'closed') return undefined;
    let t = min(this.closeDeadlineMs, this.idleDeadlineMs);
    if (this.state === 'closing' || this.state === 'draining') return t;
    t = min(t, this.handshakeTimerMs);
    if (this.outcome === undefined) t = min(t, this.race?.nextTimeout());
    t = min(t, this.keepAliveAtMs);
    t = min(t, this.pacingWakeMs);
    t = min(t, this.pathManager?.nextTimeout());
    for (const path of this.paths) {
      if (path.closed) {
        t = min(t, path.forgetAtMs);
        continue;
      }
      t = min(t, path.loss.timerMs);
      // An ACK a path cannot send yet waits for the datagram that unblocks it, not for a timer that
      // would fire at once, again and again.
      if (!this.sendBlocked(path)) t = min(t, path.acks.ackDueAtMs);
      if (path.challengeOutstanding && (path.id > 0 || path.validatedRemote !== undefined)) t = min(t, path.challengeStartedMs + this.validationTimeoutMs(path));
    }
    return t;
  }

  /** Runs whatever timers are due at `nowMs`. */
  handleTimeout(nowMs: number): void {
    this.nowMs = nowMs;
    this.runTimers(nowMs);
    if (this.state === 'established') this.pathManager?.handleTimeout(nowMs);
    this.pathManager?.run(nowMs);
  }

  private runTimers(nowMs: number): void {
    if (this.state === 'closed') return;
    if (this.closeDeadlineMs !== undefined && nowMs >= this.closeDeadlineMs) {
      this.state = 'closed';
      return;
    }
    if (this.idleDeadlineMs !== undefined && nowMs >= this.idleDeadlineMs) {
      this.closeSilently(ReasonCode.IdleTimeout, 'idle timeout', 'idle-timeout', new MptError(MptErrorCode.IdleTimeout, 'no packet arrived for the idle timeout'));
      return;
    }
    if (this.state === 'closing' || this.state === 'draining') return;
    if (this.handshakeTimerMs !== undefined && nowMs >= this.handshakeTimerMs) {
      this.pendingHandshake = this.lastHandshake;
      this.handshakeBackoff *= 2;
      this.handshakeTimerMs = nowMs + this.handshakeTimeoutMs();
      // Every running attempt gets the retransmission (RFC 8305 §5: attempts are never cancelled).
      if (this.race !== undefined && this.outcome === undefined) {
        for (const a of this.race.running()) if (!sameAddress(a.local, this.local) || !sameAddress(a.remote, this.remote)) this.raceQueue.push(a);
      }
    }
    if (this.race !== undefined && this.outcome === undefined) {
      for (const a of this.race.handleTimeout(nowMs)) {
        this.raceQueue.push(a);
        this.emitAttempt('started', a);
      }
      this.retargetHandshake();
    }
    if (this.keepAliveAtMs !== undefined && nowMs >= this.keepAliveAtMs) {
      this.pingPending = true;
      this.keepAliveAtMs = undefined;
    }
    if (this.pacingWakeMs !== undefined && nowMs >= this.pacingWakeMs) this.pacingWakeMs = undefined;
    for (let i = this.paths.length - 1; i >= 0; i--) {
      const path = this.paths[i] as Path;
      if (path.closed) {
        if (nowMs >= path.forgetAtMs) this.forgetPath(path);
        continue;
      }
      const movable = path.id > 0 || path.validatedRemote !== undefined;
      if (path.challengeOutstanding && movable && nowMs >= path.challengeStartedMs + this.validationTimeoutMs(path)) {
        // RFC 9000 §8.2.4, §9.3.2: the address never answered. A path that moved goes back to its last
        // validated address; a new later path is given up (path 0 without one waits for the idle timeout).
        if (path.validatedRemote !== undefined) this.restoreValidatedAddress(path);
        else if (path.id > 0) this.abandonPath(path.id, ReasonCode.PathValidationFailed);
        continue;
      }
      const timer = path.loss.timerMs;
      if (timer === undefined || nowMs < timer) continue;
      const outcome = path.loss.onTimeout(nowMs);
      if (outcome.kind === 'lost') this.onPacketsLost(path, outcome.lost, outcome.persistentCongestion, nowMs);
      else if (outcome.kind === 'pto') {
        path.probesDue = outcome.probePackets;
        if (outcome.ptoCount >= PATH_FAILED_PTOS && !path.failed) {
          path.failed = true;
          this.emit({ type: 'path', pathId: path.id, change: 'failed', reasonCode: 0 });
        }
        if (outcome.ptoCount >= PMTU_BLACK_HOLE_PTOS) this.onPmtuBlackHole(path);
        // RFC 9002 §6.2.4: with no new data to carry, a probe should carry data still unacknowledged, so a
        // lost tail (or FIN) is repaired by the probe itself rather than one round trip after it.
        // A path that stopped answering must not hold the stream hostage: with another validated path to
        // carry it, everything it has outstanding (data and connection-level frames such as MAX_DATA) is
        // queued again, whether or not new data is waiting (reinjection; whichever copy is acknowledged
        // first settles it), as its ACKs may never come to declare it lost.
        if (this.hasOtherValidatedPath(path)) this.requeueOutstanding(path);
        else if (!this.sendBuffer.hasDataToSend) this.requeueOldestData(path, outcome.probePackets);
        // Until the server confirms, our probes are unreadable to it if XX message 3 was lost: repeat it too.
        if (this.role === 'client' && !this.handshakeConfirmed && this.lastHandshake !== undefined) this.pendingHandshake = this.lastHandshake;
      }
    }
  }

  /**
   * How long a path's PATH_CHALLENGE may go unanswered: three times the larger of path 0's current PTO
   * and the new path's PTO from the initial RTT (RFC 9000 §8.2.4). The latter does not shrink with the
   * path's first samples: a challenge lost at a full queue is resent only once its loss is detected, and
   * its answer then queues behind the same congestion.
   */
  private validationTimeoutMs(path: Path): number {
    const fresh = RttEstimator.initialPtoBaseMs(this.transport.initialRttMs, path.loss.maxAckDelayMs);
    const current = this.paths[0]?.loss.rtt.ptoBaseMs(this.paths[0].loss.maxAckDelayMs) ?? fresh;
    return 3 * Math.max(fresh, current);
  }

  // ----- output ---------------------------------------------------------------------------

  /** The next datagram to send, written into `out`, or undefined. */
  pollTransmit(nowMs: number, out: Uint8Array): Transmit | undefined {
    if (this.state === 'closed' || this.state === 'draining') return undefined;
    const handshake = this.pendingHandshake;
    if (handshake !== undefined && handshake.length > out.length) {
      // Never written past the caller's buffer (early data is bounded, so this is a driver bug): counted.
      this.pendingHandshake = undefined;
      this.oversizedDatagrams++;
    } else if (handshake !== undefined && this.mayAmplify(handshake.length)) {
      this.pendingHandshake = undefined;
      if (this.handshakeSends++ === 0) this.handshakeFirstSentAtMs = nowMs;
      this.handshakeLastSentAtMs = nowMs;
      out.set(handshake, 0);
      this.noteUnvalidatedSent(handshake.length);
      return { local: this.local, remote: this.remote, length: handshake.length };
    }
    const extra = this.nextAttemptTransmit(out);
    if (extra !== undefined) return extra;
    if (this.outcome === undefined) return undefined;
    // The scheduler orders the paths (closed ones left out) and each is offered the next packet in turn;
    // a path takes stream data only where the scheduler lets it and while its window has room and its
    // pacer allows, so with minRTT data goes to the fastest path that can take it and spills onto slower
    // ones when it is full.
    const order = this.offerOrder;
    this.scheduler.order(this.paths, order);
    for (let i = 0; i < order.length; i++) {
      const path = order[i] as Path;
      const length = this.buildPacket(path, nowMs, out);
      if (length > 0) return { local: path.local, remote: path.remote, length };
    }
    return undefined;
  }

  // ----- internals: handshake -------------------------------------------------------------

  private handshakeTimeoutMs(): number {
    const path = this.paths[0];
    // Before any RTT sample, twice the initial RTT; after the handshake's own sample, a PTO (RFC 9002 §6.2.1).
    const base = path !== undefined && path.loss.rtt.hasSample ? path.loss.rtt.ptoBaseMs(path.loss.maxAckDelayMs) : 2 * this.transport.initialRttMs;
    return base * this.handshakeBackoff;
  }

  private queueHandshake(type: 'initial' | 'handshake', scid: Uint8Array, message: Uint8Array, nowMs: number): void {
    const pn = this.handshakePacketNumber++;
    const header =
      type === 'initial'
        ? ({ type, version: WIRE_VERSION, dcid: this.initialRemoteCid, scid, token: this.retryToken, packetNumber: pn, packetNumberLength: 4 } as const)
        : ({ type, version: WIRE_VERSION, dcid: this.initialRemoteCid, scid, packetNumber: pn, packetNumberLength: 4 } as const);
    const length = longHeaderLength(header, message.length) + message.length;
    // A client pads its Initial so a server never answers more than 3x what it got (docs/protocol.md §3.5).
    const datagram = new Uint8Array(type === 'initial' ? Math.max(length, MIN_DATAGRAM_SIZE) : length);
    datagram.set(message, encodeLongHeader(datagram, 0, header, message.length));
    this.pendingHandshake = datagram;
    this.lastHandshake = datagram;
    this.handshakeSends = 0;
    this.handshakeFirstSentAtMs = -1;
    // The client drives retransmission; a server repeats message 2 when the Initial repeats.
    if (this.role === 'client') this.handshakeTimerMs = nowMs + this.handshakeTimeoutMs();
  }

  /**
   * The handshake datagram owed to another happy-eyeballs destination: a client's Initial to a started
   * (or retransmitting) attempt, or a server's message 2 to an Initial repeated through another address.
   */
  private nextAttemptTransmit(out: Uint8Array): Transmit | undefined {
    const client = this.role === 'client';
    const queue = client ? this.raceQueue : this.attemptReplies;
    const bytes = this.lastHandshake;
    if (queue.length === 0) return undefined;
    if (bytes === undefined || bytes.length > out.length || (client && this.outcome !== undefined) || (!client && !this.mayAmplify(bytes.length))) {
      if (client || bytes === undefined) queue.length = 0;
      return undefined;
    }
    const target = queue.shift() as RaceTarget;
    out.set(bytes, 0);
    if (!client) this.noteUnvalidatedSent(bytes.length);
    return { local: target.local, remote: target.remote, length: bytes.length };
  }

  /** Another attempt answered after the race was won: a late success. */
  private onLateAnswer(target: RaceTarget, nowMs: number): void {
    const attempt = this.race?.answer(target, nowMs);
    if (attempt === undefined) return;
    this.emitAttempt('answered', attempt);
    // Another address of the server: the path manager may open a path there (validated by PATH_CHALLENGE).
    // Another local socket to the same address is already covered by our local addresses.
    if (!sameAddress(target.remote, this.remote)) this.addRemoteAddress(nowMs, target.remote);
  }

  private emitAttempt(change: 'started' | 'failed' | 'won' | 'answered', attempt: RaceAttempt): void {
    this.emit({ type: 'attempt', change, index: attempt.index, local: attempt.local, remote: attempt.remote, reason: attempt.failure });
  }

  /**
   * A client's destinations learnt while connecting (a DNS answer that came after the race started, RFC
   * 8305 §3): appended to the race (one is started if there was none: the first destination becomes
   * attempt 0, as of the connect), one attempt delay after the latest attempt. Returns false, adding
   * nothing, once the handshake is done or for a server.
   */
  addRaceDestinations(nowMs: number, targets: readonly RaceTarget[], attemptDelayMs: number): boolean {
    if (this.role !== 'client' || this.outcome !== undefined || this.state === 'closing' || this.state === 'draining' || this.state === 'closed' || targets.length === 0) return false;
    if (this.race === undefined) {
      this.race = new HandshakeRace([{ local: this.local, remote: this.remote }], attemptDelayMs, this.connectStartedAtMs);
      this.emitAttempt('started', this.race.attempts[0] as RaceAttempt);
    }
    return this.race.add(targets, nowMs).length > 0;
  }

  /** A client's happy-eyeballs attempts (a copy of each), or an empty list without a race. */
  raceAttempts(): RaceAttempt[] {
    return this.race?.attempts.map((a) => ({ ...a })) ?? [];
  }

  /**
   * The owner learnt that an attempt's destination is unreachable (an ICMP error, a send that failed):
   * the attempt stops, and the next one starts at once if no other is running. Returns true when every
   * attempt of the race has now failed (the owner then fails the connect).
   */
  failAttempt(nowMs: number, local: SocketAddress, remote: SocketAddress, reason: string): boolean {
    const race = this.race;
    if (race === undefined || this.outcome !== undefined) return false;
    const attempt = race.fail({ local, remote }, reason, nowMs);
    if (attempt !== undefined) {
      this.emitAttempt('failed', attempt);
      this.raceQueue.splice(0, this.raceQueue.length, ...this.raceQueue.filter((t) => !sameAddress(t.local, local) || !sameAddress(t.remote, remote)));
      this.retargetHandshake();
    }
    return race.allFailed();
  }

  /** When the primary destination's attempt failed, the Initial's retransmissions go to a running attempt instead. */
  private retargetHandshake(): void {
    const race = this.race;
    if (race === undefined) return;
    const primary = race.attempts.find((a) => sameAddress(a.local, this.local) && sameAddress(a.remote, this.remote));
    const next = race.running()[0];
    if (primary?.state !== 'failed' || next === undefined) return;
    this.local = next.local;
    this.remote = next.remote;
  }

  /** The server asked for a retry: resend the Initial with its token to its new CID. */
  handleRetry(nowMs: number, retryScid: Uint8Array, token: Uint8Array): void {
    if (this.role !== 'client' || this.outcome !== undefined || this.retryToken.length > 0 || this.clientHandshake === undefined) return;
    const initial = this.lastHandshake;
    if (initial === undefined) return;
    this.retryToken = token.slice();
    this.retryScid = retryScid.slice();
    this.initialRemoteCid = retryScid.slice();
    // Noise message 1 depends on nothing the Retry changes: resend the same bytes in a new Initial.
    const payload = this.clientInitialPayload;
    if (payload !== undefined) this.queueHandshake('initial', this.localCids[0] as Uint8Array, payload, nowMs);
  }

  /** RFC 9000 §7.3: the server's authenticated parameters must name the CIDs the packets used. */
  private checkServerCids(peer: TransportParams, headerScid: Uint8Array): string | undefined {
    if (!equalBytes(peer.initialSourceConnectionId, headerScid)) return 'server initial_source_connection_id does not match its packets';
    const odcid = peer.originalDestinationConnectionId;
    if (odcid === undefined || !equalBytes(odcid, this.originalDcid)) return 'server original_destination_connection_id does not match';
    const retry = peer.retrySourceConnectionId;
    if (this.retryScid === undefined ? retry !== undefined : retry === undefined || !equalBytes(retry, this.retryScid)) {
      return 'server retry_source_connection_id does not match the Retry';
    }
    return undefined;
  }

  /**
   * A Version Negotiation packet named this connection: the server speaks no version of ours, and the
   * attempt fails. It is unauthenticated, so it counts only for a client that has processed no packet of
   * the server yet (no message 2, no Retry: RFC 9000 §6.2) and only from the address the Initial went to
   * (`from`, when given). Anything else is ignored; returns whether the connection closed.
   */
  failVersionNegotiation(error: MptError, from?: SocketAddress): boolean {
    if (this.role !== 'client' || this.outcome !== undefined || this.retryToken.length > 0 || this.state !== 'handshaking') return false;
    if (from !== undefined && (from.host !== this.remote.host || from.port !== this.remote.port)) return false;
    this.closeSilently(ReasonCode.VersionNegotiationError, error.message, 'handshake', error);
    return true;
  }

  private onHandshakeComplete(outcome: HandshakeOutcome, nowMs: number): void {
    this.outcome = outcome;
    this.peerParams = outcome.peerParams;
    const peer = outcome.peerParams;
    this.sendBuffer.onMaxData(peer.initialMaxData);
    this.pmtuEnabled = this.transport.pmtuDiscovery && peer.extensions.includes(ExtensionId.PmtuProbe);
    this.redundantAgreed = peer.extensions.includes(ExtensionId.RedundantScheduling);
    if (peer.maxIdleTimeoutMs > 0 && (this.idleTimeoutMs === 0 || peer.maxIdleTimeoutMs < this.idleTimeoutMs)) {
      this.idleTimeoutMs = peer.maxIdleTimeoutMs;
    }
    this.maxDatagramBytes = this.pmtuEnabled ? Math.min(this.transport.maxDatagramSizeBytes, peer.maxUdpPayloadSize) : MIN_DATAGRAM_SIZE;
    // Client: the server's SCID from message 2. Server: the client's SCID from its Initial.
    const path0 = this.createPath(0, this.local, this.remote, this.localCids[0] as Uint8Array, this.initialRemoteCid, nowMs, true, false);
    if (this.addressValidated) path0.validatedRemote = this.remote;
    this.issuePathCids();
    // The handshake's round trip is the path's first RTT sample: without it the first PTOs would use the
    // 333 ms initial guess, and a loss right after the handshake would stall for seconds.
    if (this.handshakeRttMs >= 0) (this.paths[0] as Path).loss.rtt.update(this.handshakeRttMs, 0, peer.maxAckDelayMs, false, nowMs);
    if (this.role === 'client') this.lastHandshake = undefined; // IK and PSK end here; XX queues message 3 next
    this.state = 'established';
    if (this.role === 'server') {
      this.handshakeDonePending = true;
      this.handshakeConfirmed = true;
    }
    this.touchIdle(nowMs);
    this.emit({ type: 'connected', remoteStaticKey: outcome.remoteStaticKey });
    this.emit({ type: 'path', pathId: 0, change: 'up', reasonCode: 0 });
  }

  /** A new path with fresh recovery state; added to {@link paths}. */
  private createPath(id: number, local: SocketAddress, remote: SocketAddress, localCid: Uint8Array, remoteCid: Uint8Array, nowMs: number, validated: boolean, amplificationLimited: boolean): Path {
    const path = new Path({
      id,
      local,
      remote,
      localCid,
      remoteCid,
      cc: this.ccGroup.createController({ maxDatagramSizeBytes: MIN_DATAGRAM_SIZE, nowMs }),
      initialRttMs: this.transport.initialRttMs,
      peerMaxAckDelayMs: this.peerParams?.maxAckDelayMs ?? 25,
      localMaxAckDelayMs: this.transport.maxAckDelayMs,
      ackDelayExponent: this.localParams.ackDelayExponent,
      baseDatagramBytes: MIN_DATAGRAM_SIZE,
      maxDatagramBytes: this.maxDatagramBytes,
      validated,
      amplificationLimited,
    });
    this.paths.push(path);
    if (id >= this.nextPathId) this.nextPathId = id + 1;
    return path;
  }

  /**
   * Issues one CID for every further path both sides allow (path ids 1 .. limit-1), registered with the
   * endpoint and announced in NEW_CONNECTION_ID frames, which travel inside packet protection: only the
   * peer learns them, so only the peer can open a path (docs/protocol.md §6).
   */
  private issuePathCids(): void {
    const peer = this.peerParams;
    if (peer === undefined || this.issueCid === undefined) return;
    this.pathLimit = Math.max(1, Math.min(this.transport.maxPaths, peer.maxPaths));
    for (let id = 1; id < this.pathLimit; id++) this.issueCidForNextPath();
  }

  /** Issues one of our CIDs for the next path id and queues its NEW_CONNECTION_ID. */
  private issueCidForNextPath(): void {
    if (this.issueCid === undefined) return;
    const id = this.nextIssuedPathId++;
    const cid = this.issueCid(this);
    this.localCids.push(cid);
    this.localCidPathIds.push(id);
    this.localCidByPath.set(id, cid);
    this.localResetTokenByPath.set(id, this.randomBytes(16));
    this.newCidsPending.push(id);
  }

  /** Paths not closed. */
  get openPathCount(): number {
    let n = 0;
    for (const p of this.paths) if (!p.closed) n++;
    return n;
  }

  /** The path with this id, or undefined. */
  pathById(id: number): Path | undefined {
    const paths = this.paths;
    for (let i = 0; i < paths.length; i++) if ((paths[i] as Path).id === id) return paths[i];
    return undefined;
  }

  /** The path id a CID of ours was issued for, or -1. */
  pathIdForCid(cid: Uint8Array): number {
    const cids = this.localCids;
    for (let i = 0; i < cids.length; i++) if (equalBytes(cids[i] as Uint8Array, cid)) return this.localCidPathIds[i] as number;
    return -1;
  }

  /**
   * Whether {@link openPath} can succeed now, or never will: established, the handshake confirmed
   * (client: the server's first 1-RTT packet came), and the peer's CID for the next path here, unless
   * the connection may have only one path. A client's handshake completes a round trip before that.
   */
  readyForPaths(): boolean {
    if (this.state !== 'established' || !this.handshakeConfirmed) return false;
    return this.pathLimit <= 1 || this.remoteCidByPath.has(this.nextPathId);
  }

  /**
   * Opens a new path from our socket `local` to the peer's `remote`, on the lowest unused path id for
   * which both sides have issued CIDs. Its first packet carries PATH_CHALLENGE (padded to 1200 bytes, RFC
   * 9000 §8.2.1) and it carries no stream data until the PATH_RESPONSE validates it. Returns the path id,
   * or undefined when no path can be opened now (not established, the max_paths limit reached, or the
   * peer's CID for the next path not yet received).
   */
  openPath(nowMs: number, local: SocketAddress, remote: SocketAddress): number | undefined {
    if (this.state !== 'established' || this.outcome === undefined || !this.handshakeConfirmed) return undefined;
    const id = this.nextPathId;
    if (this.openPathCount >= this.pathLimit) return undefined;
    const localCid = this.localCidByPath.get(id);
    const remoteCid = this.remoteCidByPath.get(id);
    if (localCid === undefined || remoteCid === undefined) return undefined;
    const path = this.createPath(id, local, remote, localCid, remoteCid, nowMs, false, false);
    this.startChallenge(path, nowMs);
    return id;
  }

  /**
   * Tells the peer about one of our addresses (ADD_ADDRESS), which it may open paths to. False if it is
   * not an IP literal with a port, is already advertised, or too many are.
   */
  advertiseAddress(address: SocketAddress): boolean {
    if (this.state === 'closing' || this.state === 'draining' || this.state === 'closed') return false;
    return this.signals.advertise(address);
  }

  /** Withdraws an address advertised with {@link advertiseAddress} (REMOVE_ADDRESS); the peer abandons its paths to it. */
  withdrawAddress(address: SocketAddress): boolean {
    if (this.state === 'closing' || this.state === 'draining' || this.state === 'closed') return false;
    return this.signals.withdraw(address);
  }

  /** The addresses we advertise. */
  advertisedAddresses(): SocketAddress[] {
    return this.signals.advertised();
  }

  /** The peer's addresses: the one the connection began with, those the owner added, then those the peer advertised. */
  remoteAddresses(): SocketAddress[] {
    const out = [this.remote];
    for (const a of this.knownRemotes) if (!out.some((b) => sameAddress(a, b))) out.push(a);
    for (const a of this.signals.peerAddresses()) if (!out.some((b) => sameAddress(a, b))) out.push(a);
    return out;
  }

  /**
   * An address of the peer the owner knows of another way (configuration, DNS): reported as a
   * 'remoteAddress' event like an advertised one, so the path manager may open paths to it. False if
   * it is already known.
   */
  addRemoteAddress(nowMs: number, address: SocketAddress): boolean {
    if (this.remoteAddresses().some((a) => sameAddress(a, address)) || this.knownRemotes.length >= MAX_PEER_ADDRESSES) return false;
    this.knownRemotes.push(address);
    this.emit({ type: 'remoteAddress', change: 'added', address });
    this.pathManager?.run(nowMs);
    return true;
  }

  /**
   * Marks a path backup (it carries data only when no available path can) or available, and tells the
   * peer (PATH_STATUS). False for an unknown or closed path.
   */
  setPathStatus(pathId: number, status: 'available' | 'backup'): boolean {
    const path = this.pathById(pathId);
    if (path === undefined || path.closed || this.state !== 'established') return false;
    this.signals.setStatus(pathId, status);
    path.localBackup = status === 'backup';
    const backup = path.localBackup || path.peerBackup;
    if (path.backup !== backup) {
      path.backup = backup;
      this.emit({ type: 'path', pathId, change: 'status', reasonCode: 0 });
    }
    return true;
  }

  /**
   * Closes one path and tells the peer why (PATH_ABANDON, `reasonCode` from docs/protocol.md §9). What
   * it had outstanding is sent again on the other paths at once; its id is never reused, and a fresh
   * CID lets either end open a replacement. False for an unknown or already closed path, and for the
   * last validated one.
   */
  abandonPath(pathId: number, reasonCode: number = ReasonCode.NoError): boolean {
    const path = this.pathById(pathId);
    if (path === undefined || path.closed || this.state !== 'established') return false;
    // The last validated path is never abandoned: the connection would be left with nothing to send on
    // and hang until its idle timeout. Open another first, or close the connection.
    if (path.validated && !this.hasOtherValidatedPath(path)) return false;
    this.signals.abandon(pathId, reasonCode);
    this.closePath(path, reasonCode);
    return true;
  }

  /** Ends a path (either end abandoned it): requeue its outstanding data, replace its CID, report it. */
  private closePath(path: Path, reasonCode: number): void {
    path.closed = true;
    path.probesDue = 0;
    path.challengePending = false;
    path.pathResponsePending = false;
    for (const packet of path.loss.discardAll()) this.requeue(packet.payload);
    path.cc.close();
    // Its state goes once a late packet or two could still arrive; the id is never used again.
    path.forgetAtMs = this.nowMs + 3 * path.loss.ptoMs;
    this.issueCidForNextPath();
    this.emit({ type: 'path', pathId: path.id, change: 'closed', reasonCode });
  }

  /**
   * Drops a closed path's state and its CIDs (from the endpoint's routing table too), so churn of paths
   * opened and abandoned costs no memory: only its id, never reused, remains taken.
   */
  private forgetPath(path: Path): void {
    const at = this.paths.indexOf(path);
    if (at >= 0) this.paths.splice(at, 1);
    this.retirePathCid(path.id);
    this.remoteCidByPath.delete(path.id);
    this.signals.forgetPath(path.id);
  }

  /** Takes our CID for a path id out of use (the path closed, or the peer abandoned it before opening it). */
  private retirePathCid(pathId: number): void {
    const ids = this.localCidPathIds;
    for (let i = ids.length - 1; i >= 0; i--) {
      if (ids[i] !== pathId) continue;
      const cid = this.localCids[i] as Uint8Array;
      this.localCids.splice(i, 1);
      ids.splice(i, 1);
      this.retireCid?.(cid);
    }
    this.localCidByPath.delete(pathId);
    this.localResetTokenByPath.delete(pathId);
  }

  private startChallenge(path: Path, nowMs: number): void {
    path.challengeStartedMs = nowMs;
    path.challengeData.set(this.randomBytes(8), 0);
    path.challengePending = true;
    path.challengeOutstanding = true;
  }

  /** NEW_CONNECTION_ID: the peer's CID for a path. Only the first (sequence 0) per path is kept for now. */
  private onNewConnectionId(pathId: number, sequenceNumber: number, cid: Uint8Array): boolean {
    // Path ids the peer can have issued: one per path allowed, plus one for each path that closed since.
    // Anything further ahead is ignored, so the table stays bounded; so is a CID for an id already used
    // (ids are never reused), unless the peer opened that path before this frame arrived.
    if (pathId === 0 || pathId >= this.nextPathId + 2 * this.pathLimit || sequenceNumber !== 0 || this.remoteCidByPath.has(pathId)) return true;
    const path = this.pathById(pathId);
    if (pathId < this.nextPathId && (path === undefined || path.hasRemoteCid || path.closed)) return true;
    const copy = cid.slice();
    this.remoteCidByPath.set(pathId, copy);
    if (path !== undefined) {
      path.remoteCid = copy;
      path.hasRemoteCid = true;
    }
    return true;
  }

  /** Client: the server's first 1-RTT packet arrived; message 3 no longer needs repeating. */
  private confirmHandshake(): void {
    this.handshakeConfirmed = true;
    this.handshakeTimerMs = undefined;
    this.pendingHandshake = undefined;
    this.lastHandshake = undefined;
  }

  private failHandshake(error: MptError): void {
    this.closeSilently(ReasonCode.HandshakeFailed, error.message, 'handshake', error);
  }

  // ----- internals: frames ----------------------------------------------------------------

  /** Applies every frame of a packet; returns whether any was ack-eliciting (anything but PADDING, ACK and CLOSE). */
  private handleFrames(path: Path, payload: Uint8Array, nowMs: number): boolean {
    const reader = new Reader(payload);
    let ackEliciting = false;
    while (reader.pos < reader.end) {
      const frame = readFrame(reader);
      if (frame === undefined) {
        this.closeWith(nowMs, ReasonCode.FrameEncodingError, 0, 'malformed frame', 'local', undefined);
        return true;
      }
      if (frame.type !== 'padding' && frame.type !== 'ack' && frame.type !== 'close') ackEliciting = true;
      if (!this.handleFrame(path, frame, nowMs)) return true;
    }
    return ackEliciting;
  }

  /** Applies one frame; returns false when the connection closed because of it. */
  private handleFrame(path: Path, frame: Frame, nowMs: number): boolean {
    switch (frame.type) {
      case 'padding':
      case 'ping':
      case 'mtuProbe':
        return true;
      case 'ack':
        return this.onAckFrame(frame, nowMs);
      case 'data':
        return this.onDataFrame(frame.offset, frame.data, frame.fin, nowMs);
      case 'maxData':
        this.sendBuffer.onMaxData(frame.maximumData);
        return true;
      case 'dataBlocked':
        this.flow.onPeerBlocked(frame.limit);
        return true;
      case 'reset':
        return this.onResetFrame(frame.applicationErrorCode, frame.finalSize, nowMs);
      case 'pathChallenge':
        // Only the latest challenge is answered (RFC 9000 §8.2.2): a flood of them costs one 8-byte slot.
        path.pathResponseData.set(frame.data.subarray(0, 8), 0);
        path.pathResponsePending = true;
        path.ackNow = true;
        return true;
      case 'pathResponse':
        // The peer's new address answered: it is reachable there, the amplification limit ends.
        if (path.challengeOutstanding && equalBytes(frame.data, path.challengeData)) this.onAddressValidated(path, nowMs);
        return true;
      case 'newConnectionId':
        return this.onNewConnectionId(frame.pathId, frame.sequenceNumber, frame.connectionId);
      case 'close':
        this.enterDraining(nowMs, frame.reasonCode, frame.applicationErrorCode, closeReasonText(frame));
        return false;
      case 'handshakeDone':
        if (this.role === 'server') return this.protocolError(nowMs, 'HANDSHAKE_DONE from a client');
        if (!this.handshakeConfirmed) this.confirmHandshake();
        return true;
      case 'addAddress': {
        const added = this.signals.onPeerAdd(frame);
        if (added !== undefined) this.emit({ type: 'remoteAddress', change: 'added', address: added });
        return true;
      }
      case 'removeAddress': {
        const removed = this.signals.onPeerRemove(frame);
        if (removed === undefined) return true;
        this.emit({ type: 'remoteAddress', change: 'removed', address: removed });
        // docs/protocol.md §7.12: paths to a withdrawn address are abandoned.
        for (const p of this.paths) if (!p.closed && sameAddress(p.remote, removed)) this.abandonPath(p.id, ReasonCode.AddressRemoved);
        return true;
      }
      case 'pathStatus': {
        // Kept for a path id the peer may open next (a status can overtake the path's first packet); ids
        // further ahead are ignored, so the table stays bounded.
        if (frame.pathId >= this.nextPathId + 2 * this.pathLimit || !this.signals.onPeerStatus(frame)) return true;
        const target = this.pathById(frame.pathId);
        if (target === undefined || target.closed) return true;
        target.peerBackup = frame.status === 'backup';
        const backup = target.localBackup || target.peerBackup;
        if (target.backup !== backup) {
          target.backup = backup;
          this.emit({ type: 'path', pathId: target.id, change: 'status', reasonCode: 0 });
        }
        return true;
      }
      case 'pathAbandon': {
        const target = this.pathById(frame.pathId);
        if (target !== undefined) {
          if (!target.closed) this.closePath(target, frame.reasonCode);
        } else if (frame.pathId > 0 && this.localCidByPath.has(frame.pathId)) {
          // The peer gave up a path whose packets never reached us (its validation failed): the id is
          // spent all the same. Retire our CID for it and issue one for a new id, as for a path we saw.
          this.retirePathCid(frame.pathId);
          this.remoteCidByPath.delete(frame.pathId);
          if (frame.pathId >= this.nextPathId) this.nextPathId = frame.pathId + 1;
          this.issueCidForNextPath();
        }
        return true;
      }
      default:
        // RETIRE_CONNECTION_ID: one CID per path, never rotated, so there is nothing to retire.
        return true;
    }
  }

  private protocolError(nowMs: number, reason: string): false {
    this.closeWith(nowMs, ReasonCode.ProtocolError, 0, reason, 'local', undefined);
    return false;
  }

  /** The peer abandoned its direction. Reported once; its final size must agree with the data (RFC 9000 §4.5). */
  private onResetFrame(applicationErrorCode: number, finalSize: number, nowMs: number): boolean {
    const known = this.peerResetFinalSize >= 0 ? this.peerResetFinalSize : this.reassembly.finalSize;
    if (known !== undefined ? finalSize !== known : finalSize < this.reassembly.highestReceivedOffset) {
      return this.finalSizeError(nowMs, 'RESET final size differs from the data received');
    }
    if (!this.flow.onDataReceived(finalSize)) {
      this.closeWith(nowMs, ReasonCode.FlowControlError, 0, 'RESET final size beyond MAX_DATA', 'local', undefined);
      return false;
    }
    if (this.peerResetFinalSize >= 0) return true; // a repeat (our ACK of the first was lost)
    this.peerResetFinalSize = finalSize;
    this.emit({ type: 'reset', applicationErrorCode });
    return true;
  }

  private finalSizeError(nowMs: number, reason: string): false {
    this.closeWith(nowMs, ReasonCode.FinalSizeError, 0, reason, 'local', undefined);
    return false;
  }

  private onDataFrame(offset: number, data: Uint8Array, fin: boolean, nowMs: number): boolean {
    const end = offset + data.length;
    const reset = this.peerResetFinalSize;
    if (reset >= 0 && (end > reset || (fin && end !== reset))) return this.finalSizeError(nowMs, 'DATA beyond the RESET final size');
    if (!this.flow.onDataReceived(end)) {
      this.closeWith(nowMs, ReasonCode.FlowControlError, 0, 'data beyond MAX_DATA', 'local', undefined);
      return false;
    }
    const readableBefore = this.reassembly.hasReadable;
    const status = this.reassembly.insert(offset, data, fin);
    if (status === ReassemblyStatus.FlowControlError) {
      this.closeWith(nowMs, ReasonCode.FlowControlError, 0, 'data beyond MAX_DATA', 'local', undefined);
      return false;
    }
    if (status === ReassemblyStatus.FinalSizeError) return this.finalSizeError(nowMs, 'final size changed');
    if (status === ReassemblyStatus.TooManySegments) {
      // A peer scattering tiny frames over the window (docs/architecture.md, Engine).
      this.closeWith(nowMs, ReasonCode.LackOfResources, 0, 'too many out-of-order segments', 'local', undefined);
      return false;
    }
    if (!readableBefore && this.reassembly.hasReadable) this.emit({ type: 'readable' });
    if (!this.finishedReported && this.reassembly.finalSize !== undefined) {
      this.finishedReported = true;
      this.emit({ type: 'finished' });
    }
    return true;
  }

  private onAckFrame(frame: AckFrame, nowMs: number): boolean {
    const path = this.pathById(frame.pathId);
    if (path === undefined) return this.protocolError(nowMs, `ACK for unknown path ${frame.pathId}`);
    const exponent = this.peerParams?.ackDelayExponent ?? 3;
    if (path.closed) return true; // an ACK of an abandoned path's packets, sent before the peer knew: nothing to do
    const outcome = path.loss.onAckReceived(ackFrameRanges(frame), ackDelayMicros(frame.ackDelay, exponent) / 1000, nowMs);
    if (outcome.status !== AckStatus.Ok) return this.protocolError(nowMs, 'ACK of a packet never sent');
    if (path.failed && outcome.newlyAcked.length > 0) {
      path.failed = false;
      this.emit({ type: 'path', pathId: path.id, change: 'recovered', reasonCode: 0 });
    }
    const rtt = path.loss.rtt;
    const sample = { latestMs: rtt.latestRttMs, smoothedMs: rtt.smoothedRttMs, minMs: rtt.minRttMs };
    for (const packet of outcome.newlyAcked) {
      const c = packet.payload;
      if (c.dataOffset >= 0) {
        this.sendBuffer.onAcked(c.dataOffset, c.dataLength, c.dataFin);
        path.stats.streamBytesAcked += c.dataLength;
      }
      if (c.ackLargest >= 0) path.acks.onAckOfAckFrame(c.ackLargest);
      if (c.handshakeDone) this.handshakeDoneAcked = true;
      if (c.signals !== undefined) for (const f of c.signals) this.signals.onAcked(f);
      if (c.mtuProbeBytes > 0) {
        path.pmtud.onProbeAcked(c.mtuProbeBytes, nowMs);
        path.cc.onMtuUpdate(path.mtuBytes);
        path.pacer.onMtuUpdate(path.mtuBytes);
      }
      if (packet.inFlight) path.cc.onAck(nowMs, packet.sentAtMs, packet.sizeBytes, sample, path.appLimited);
    }
    if (outcome.lost.length > 0) this.onPacketsLost(path, outcome.lost, outcome.persistentCongestion, nowMs);
    if (this.writeBlocked && this.sendBuffer.unackedBytes < this.transport.sendBufferBytes) {
      this.writeBlocked = false;
      this.emit({ type: 'writable' });
    }
    return true;
  }

  /**
   * Queues the stream data of the oldest `count` outstanding packets for sending again, without
   * declaring them lost (no congestion signal): whichever copy is acknowledged first settles it.
   */
  private requeueOldestData(path: Path, count: number): void {
    const sent = path.loss.sent;
    for (let pn = sent.lowestPn; pn < sent.endPn && count > 0; pn++) {
      const packet = sent.get(pn);
      if (packet === undefined || packet.payload.dataOffset < 0) continue;
      const c = packet.payload;
      this.sendBuffer.onLost(c.dataOffset, c.dataLength, c.dataFin);
      count--;
    }
  }

  /** Queues again what every outstanding packet of `path` carried, without declaring it lost. */
  private requeueOutstanding(path: Path): void {
    const sent = path.loss.sent;
    for (let pn = sent.lowestPn; pn < sent.endPn; pn++) {
      const packet = sent.get(pn);
      if (packet !== undefined) this.requeue(packet.payload);
    }
  }

  private hasOtherValidatedPath(path: Path): boolean {
    const paths = this.paths;
    for (let i = 0; i < paths.length; i++) {
      const p = paths[i] as Path;
      if (p !== path && p.validated && p.hasRemoteCid && !p.closed) return true;
    }
    return false;
  }

  /** Queues again whatever a packet that will never be acknowledged carried (MTU probes aside). */
  private requeue(c: PacketContents): void {
    if (c.dataOffset >= 0) this.sendBuffer.onLost(c.dataOffset, c.dataLength, c.dataFin);
    if (c.maxData >= 0) this.flow.onMaxDataLost(c.maxData);
    if (c.dataBlocked >= 0 && c.dataBlocked === this.dataBlockedReported) this.dataBlockedReported = -1;
    if (c.handshakeDone && !this.handshakeDoneAcked) this.handshakeDonePending = true;
    if (c.reset) this.resetPending = true;
    if (c.newCids !== undefined) for (const id of c.newCids) if (!this.newCidsPending.includes(id)) this.newCidsPending.push(id);
    if (c.signals !== undefined) for (const f of c.signals) this.signals.onLost(f);
  }

  /** Queues again what a lost packet carried that only makes sense on its own path. */
  private requeueOnPath(path: Path, c: PacketContents): void {
    if (c.pathChallenge && path.challengeOutstanding) path.challengePending = true;
  }

  /**
   * PMTU black hole (RFC 8899 §4.3): the path stopped carrying the size discovery reached (a route
   * change, a tunnel), so every full-size packet is lost. Fall back to the base size every path carries
   * and search again; what the lost packets carried is requeued by loss detection as usual.
   */
  private onPmtuBlackHole(path: Path): void {
    if (path.mtuBytes <= MIN_DATAGRAM_SIZE) return;
    path.pmtud.reset(MIN_DATAGRAM_SIZE);
    path.cc.onMtuUpdate(MIN_DATAGRAM_SIZE);
    path.pacer.onMtuUpdate(MIN_DATAGRAM_SIZE);
    path.stats.pmtuBlackHoles++;
  }

  private onPacketsLost(path: Path, lost: readonly SentPacket<PacketContents>[], persistent: boolean, nowMs: number): void {
    let lostBytes = 0;
    let newestSentAtMs = -1;
    for (const packet of lost) {
      const c = packet.payload;
      path.stats.packetsLost++;
      path.stats.bytesLost += packet.sizeBytes;
      this.stats.packetsLost++;
      this.requeue(c);
      this.requeueOnPath(path, c);
      if (c.mtuProbeBytes > 0) {
        path.pmtud.onProbeLost(c.mtuProbeBytes, nowMs); // a lost probe says nothing about congestion (RFC 8899 §4.4)
        continue;
      }
      if (packet.inFlight) {
        lostBytes += packet.sizeBytes;
        if (packet.sentAtMs > newestSentAtMs) newestSentAtMs = packet.sentAtMs;
      }
    }
    if (lostBytes > 0) path.cc.onCongestionEvent(nowMs, newestSentAtMs, lostBytes, persistent);
    // Persistent congestion with a raised PMTU may be a black hole rather than congestion: search again.
    if (persistent) this.onPmtuBlackHole(path);
  }

  // ----- internals: sending ---------------------------------------------------------------

  /** Builds one packet for `path` into `out`; returns its length, 0 if nothing is due. */
  private buildPacket(path: Path, nowMs: number, out: Uint8Array): number {
    if (!path.hasRemoteCid || path.closed) return 0; // a path the peer opened before its NEW_CONNECTION_ID for it arrived
    if (this.state === 'closing') return this.closePending ? this.buildClosePacket(path, out) : 0;
    const acks = path.acks;
    const ackDue = path.ackNow || (acks.ackDueAtMs !== undefined && acks.ackDueAtMs <= nowMs);
    const probe = path.probesDue > 0;
    // Connection-level frames (and stream data) go only on validated paths: an unvalidated one may lead
    // to a spoofed address, and its few bytes under the amplification limit are for validating it.
    const shared = path.validated;
    const maxData = shared && this.flow.shouldSendMaxData;
    // RFC 9000 §4.1: tell the peer when its flow control limit, not the network, holds us back (once per limit).
    const blockedAt = this.sendBuffer.blockedAtOffset;
    const dataBlocked = shared && blockedAt !== undefined && blockedAt !== this.dataBlockedReported && !this.resetSent;
    const room = path.cwndRoomBytes;
    // PATH_RESPONSE is ack-eliciting and in flight like data: it waits for window room (or rides a PTO probe).
    const pathResponse = path.pathResponsePending && (room > 0 || probe);
    const handshakeDone = shared && this.handshakeDonePending;
    const reset = shared && this.resetPending;
    const newCids = shared && this.newCidsPending.length > 0;
    const signals = shared && this.signals.hasPending;
    const ping = shared && this.pingPending;
    const control = handshakeDone || maxData || dataBlocked || reset || newCids || signals || pathResponse || path.challengePending || ping;
    // Redundant scheduling (once both sides listed it): the first stream byte this path still owes its own
    // copy of (sent on another path, not yet acknowledged), or -1.
    const dataPath = shared && this.scheduler.carriesData(path);
    const copyAt = dataPath && this.scheduler.redundant && this.redundantAgreed ? this.sendBuffer.copyStart(this.scheduler.copyFrom(path)) : -1;
    // Reinjection is the scheduler's: by default a probe on a path that stopped answering carries no data
    // while another path answers (scheduler/reinjection.ts).
    const dataRoom = room >= MIN_DATA_ROOM || (probe && this.scheduler.probeMayCarryData(path, this.paths));
    let dataAllowed = dataPath && (this.sendBuffer.hasDataToSend || copyAt >= 0) && !this.resetSent && dataRoom;
    let mtuProbe = 0;
    if (this.pmtuEnabled && shared && !probe && !control && !ackDue && room >= path.mtuBytes) {
      // An MTU probe goes once the window has room for a full-size packet, but is neither held to that
      // room nor counted in flight: RFC 8899 §3 lets probes bypass the congestion controller if they go
      // at least an RTT apart (the next waits for this one's ACK or loss), and §4.4 says their loss is
      // not congestion. A probe that had to fit the room would almost never go out on a busy path (ACKs
      // free a few packets at a time and data fills them); one counted in flight could take a fresh
      // path's whole window, and a link that drops it then leaves nothing behind it to show the loss:
      // the path sits idle for a PTO. Bounded: one probe outstanding at a time, at most one window large
      // (a bigger search target is probed at the window's size first). It travels alone, after any due
      // ACK and control frames, so its loss takes nothing else with it and delays no ACK. It stays
      // ack-eliciting, so it arms the PTO: on an idle path nothing else would show it lost.
      const size = Math.min(path.pmtud.probeSizeDue(nowMs), path.cc.cwnd);
      if (size >= path.mtuBytes + SEARCH_RESOLUTION_BYTES) mtuProbe = size;
    }
    if (dataAllowed && this.transport.pacing && !probe) {
      const srtt = path.loss.rtt.hasSample ? path.loss.rtt.smoothedRttMs : undefined;
      const wait = path.pacer.timeUntilSendMs(nowMs, path.mtuBytes, path.cc.cwnd, srtt);
      if (wait > 0) {
        dataAllowed = false;
        mtuProbe = 0;
        this.pacingWakeMs = min(this.pacingWakeMs, nowMs + wait);
      }
    }
    if (!ackDue && !probe && !control && !dataAllowed && mtuProbe === 0) return 0;
    // The datagram fits the caller's buffer, and an unvalidated address gets at most 3x what it sent us.
    let maxLength = Math.min(path.mtuBytes, out.length);
    const limited = this.amplificationLimited(path);
    if (limited) {
      const budget = this.amplificationBudget(path);
      if (budget < MIN_AMPLIFICATION_ROOM) return 0;
      if (budget < maxLength) maxLength = budget;
    }
    if (mtuProbe > 0 && (mtuProbe > out.length || (limited && mtuProbe > maxLength))) mtuProbe = 0;
    if (mtuProbe > 0) maxLength = mtuProbe;

    const pn = path.nextPacketNumber;
    const pnLength = packetNumberLength(pn, path.loss.largestAckedPn);
    const headerLength = encodeShortHeader(out, 0, { keyPhase: 0, dcid: path.remoteCid, packetNumber: pn, packetNumberLength: pnLength });
    const limit = maxLength - headerLength - AEAD_TAG_LENGTH;
    const payload = this.payload;
    const contents = new PacketContents();
    let at = 0;
    let ackEliciting = false;

    if ((acks.hasNewPackets || ackDue) && mtuProbe === 0) {
      let ack = acks.buildAckFrame(nowMs);
      // A long ACK may not fit a datagram held to a small amplification budget: its newest ranges do
      // (one always fits the smallest room we send in), so a due ACK is never left pending with its
      // timer in the past.
      while (ack !== undefined && frameLength(ack) > limit && ack.ranges.length > 0) {
        ack = acks.buildAckFrame(nowMs, Math.ceil((ack.ranges.length + 1) / 2)); // ranges + the first one, halved
      }
      if (ack !== undefined && frameLength(ack) <= limit) {
        at = encodeFrame(payload, at, ack);
        contents.ackLargest = ack.largestAcked;
        acks.onAckSent();
      }
      path.ackNow = false;
    }
    if (handshakeDone) {
      at = encodeFrame(payload, at, { type: 'handshakeDone' });
      contents.handshakeDone = true;
      this.handshakeDonePending = false;
      ackEliciting = true;
    }
    if (maxData) {
      const value = this.flow.pollMaxData(nowMs, path.loss.rtt.smoothedRttMs);
      if (value !== undefined) {
        this.reassembly.setLimitOffset(value);
        at = encodeFrame(payload, at, { type: 'maxData', maximumData: value });
        contents.maxData = value;
        ackEliciting = true;
      }
    }
    if (dataBlocked) {
      at = encodeFrame(payload, at, { type: 'dataBlocked', limit: blockedAt });
      contents.dataBlocked = blockedAt;
      this.dataBlockedReported = blockedAt;
      this.dataBlockedSent++;
      ackEliciting = true;
    }
    if (newCids) {
      const pending = this.newCidsPending;
      while (pending.length > 0) {
        const id = pending[0] as number;
        const cid = this.localCidByPath.get(id);
        if (cid === undefined) {
          pending.shift(); // retired before it went out: the path closed
          continue;
        }
        const frame: Frame = {
          type: 'newConnectionId',
          pathId: id,
          sequenceNumber: 0,
          retirePriorTo: 0,
          connectionId: cid,
          statelessResetToken: this.localResetTokenByPath.get(id) as Uint8Array,
        };
        if (frameLength(frame) > limit - at - MIN_DATA_ROOM) break;
        at = encodeFrame(payload, at, frame);
        pending.shift();
        (contents.newCids ??= []).push(id);
        ackEliciting = true;
      }
    }
    if (signals) {
      for (let f = this.signals.peek(); f !== undefined; f = this.signals.peek()) {
        if (frameLength(f) > limit - at - MIN_DATA_ROOM) break;
        at = encodeFrame(payload, at, f);
        this.signals.shift();
        (contents.signals ??= []).push(f);
        ackEliciting = true;
      }
    }
    if (reset) {
      at = encodeFrame(payload, at, { type: 'reset', applicationErrorCode: this.resetCode, finalSize: this.sendBuffer.writtenBytes });
      contents.reset = true;
      this.resetPending = false;
      this.resetSent = true;
      ackEliciting = true;
    }
    if (pathResponse && limit - at >= 9) {
      at = encodeFrame(payload, at, { type: 'pathResponse', data: path.pathResponseData });
      path.pathResponsePending = false;
      path.stats.pathResponsesSent++;
      ackEliciting = true;
    }
    if (path.challengePending && limit - at >= 9) {
      at = encodeFrame(payload, at, { type: 'pathChallenge', data: path.challengeData });
      path.challengePending = false;
      contents.pathChallenge = true;
      ackEliciting = true;
    }
    if (mtuProbe > 0) {
      at = encodeFrame(payload, at, { type: 'mtuProbe', probeSize: mtuProbe });
      payload.fill(0, at, limit); // PADDING up to the probed size
      at = limit;
      contents.mtuProbeBytes = mtuProbe;
      path.pmtud.onProbeSent(mtuProbe);
      ackEliciting = true;
    } else if (dataAllowed && limit - at >= MIN_DATA_ROOM) {
      const maxBytes = limit - at - dataFrameHeaderLength(this.sendBuffer.writtenBytes + limit, limit, false);
      // Lost ranges first (they hold delivery up), then this path's redundant copy, then new data.
      const range = copyAt >= 0 && !this.sendBuffer.hasLostData ? this.sendBuffer.nextCopy(copyAt, maxBytes) : this.sendBuffer.nextRange(maxBytes);
      if (range !== undefined) {
        at = encodeDataFrameHeader(payload, at, range.offset, range.length, range.fin, false);
        at += this.sendBuffer.copyTo(range.offset, range.length, payload, at);
        contents.dataOffset = range.offset;
        contents.dataLength = range.length;
        contents.dataFin = range.fin;
        if (range.retransmission) {
          path.stats.streamBytesRetransmitted += range.length;
          this.stats.bytesRetransmitted += range.length;
        } else {
          path.stats.streamBytesSent += range.length;
        }
        this.scheduler.onDataSent(path, range.offset + range.length, range.retransmission);
        ackEliciting = true;
      }
    }
    if ((probe || ping) && !ackEliciting) {
      at = encodeFrame(payload, at, { type: 'ping' });
      ackEliciting = true;
    }
    if (ackEliciting) {
      if (shared) this.pingPending = false;
      if (probe) path.probesDue--;
    }
    // RFC 9000 §8.2.1: a datagram with a PATH_CHALLENGE on a new path is expanded to 1200 bytes (within the
    // amplification limit), so the path is known to carry full-size datagrams before it carries data.
    if (contents.pathChallenge && path.id > 0 && at < limit) {
      payload.fill(0, at, limit);
      at = limit;
    }
    if (at === 0) return 0;

    const length = headerLength + at + AEAD_TAG_LENGTH;
    this.outcome?.send.seal(path.id, pn, out.subarray(0, headerLength), payload.subarray(0, at), out.subarray(headerLength, length));
    path.nextPacketNumber++;
    const inFlight = ackEliciting && mtuProbe === 0; // an MTU probe is outside the window (see above)
    path.loss.onPacketSent(pn, nowMs, length, ackEliciting, inFlight, contents);
    if (ackEliciting) {
      if (inFlight) {
        path.cc.onPacketSent(nowMs, length, path.loss.bytesInFlight);
        path.noteInFlight(nowMs);
      }
      const srtt = path.loss.rtt.hasSample ? path.loss.rtt.smoothedRttMs : undefined;
      path.pacer.onPacketSent(nowMs, length, path.cc.cwnd, srtt);
      if (!this.ackElicitingSentSinceReceive) {
        this.ackElicitingSentSinceReceive = true;
        this.touchIdle(nowMs);
      }
    }
    path.stats.packetsSent++;
    path.stats.bytesSent += length;
    if (path.id === 0) this.noteUnvalidatedSent(length);
    else if (!path.validated) path.unvalidatedSentBytes += length;
    this.armKeepAlive(nowMs);
    return length;
  }

  /** Whether what `path` sends is held to 3x what its address sent us (RFC 9000 §8): until it is validated. */
  private amplificationLimited(path: Path): boolean {
    return path.id === 0 ? !this.addressValidated : path.amplificationLimited && !path.validated;
  }

  /** Bytes `path` may still send under the amplification limit. */
  private amplificationBudget(path: Path): number {
    return path.id === 0
      ? AMPLIFICATION_FACTOR * this.unvalidatedReceived - this.unvalidatedSent
      : AMPLIFICATION_FACTOR * path.unvalidatedReceivedBytes - path.unvalidatedSentBytes;
  }

  /**
   * Whether `path` can send nothing until a datagram arrives: the peer opened it before its
   * NEW_CONNECTION_ID for it came, or its address has used up the amplification limit.
   */
  private sendBlocked(path: Path): boolean {
    if (!path.hasRemoteCid) return true;
    return this.amplificationLimited(path) && this.amplificationBudget(path) < MIN_AMPLIFICATION_ROOM;
  }

  private buildClosePacket(path: Path, out: Uint8Array): number {
    const frame = this.closeFrame;
    if (frame === undefined || this.outcome === undefined) return 0;
    this.closePending = false;
    const pn = path.nextPacketNumber++;
    const pnLength = packetNumberLength(pn, path.loss.largestAckedPn);
    const headerLength = encodeShortHeader(out, 0, { keyPhase: 0, dcid: path.remoteCid, packetNumber: pn, packetNumberLength: pnLength });
    const at = encodeFrame(this.payload, 0, frame);
    const length = headerLength + at + AEAD_TAG_LENGTH;
    this.outcome.send.seal(path.id, pn, out.subarray(0, headerLength), this.payload.subarray(0, at), out.subarray(headerLength, length));
    return length;
  }

  // ----- internals: lifecycle -------------------------------------------------------------

  private mayAmplify(bytes: number): boolean {
    return this.addressValidated || this.unvalidatedSent + bytes <= AMPLIFICATION_FACTOR * this.unvalidatedReceived;
  }

  private noteUnvalidatedSent(bytes: number): void {
    if (!this.addressValidated) this.unvalidatedSent += bytes;
  }

  private touchIdle(nowMs: number): void {
    if (this.idleTimeoutMs <= 0) {
      this.idleDeadlineMs = undefined;
      return;
    }
    // RFC 9000 §10.1: never shorter than three PTOs, so a few losses do not end the connection.
    const pto = this.paths[0]?.loss.ptoMs ?? 3 * this.transport.initialRttMs;
    this.idleDeadlineMs = nowMs + Math.max(this.idleTimeoutMs, 3 * pto);
  }

  private armKeepAlive(nowMs: number): void {
    if (this.keepAliveIntervalMs > 0) this.keepAliveAtMs = nowMs + this.keepAliveIntervalMs;
  }

  private closeDelayMs(): number {
    const pto = this.paths[0]?.loss.ptoMs ?? 3 * this.transport.initialRttMs;
    return 3 * pto;
  }

  private closeWith(nowMs: number, reasonCode: number, applicationErrorCode: number, reason: string, initiator: CloseInitiator, error: MptError | undefined): void {
    if (this.state === 'closing' || this.state === 'draining' || this.state === 'closed') return;
    if (this.outcome === undefined) {
      this.closeSilently(reasonCode, reason, initiator, error);
      return;
    }
    this.state = 'closing';
    this.closeFrame = makeCloseFrame(reasonCode, applicationErrorCode, reason);
    this.closePending = true;
    this.closeDeadlineMs = nowMs + this.closeDelayMs();
    const failure = error ?? (initiator === 'local' && reasonCode !== ReasonCode.ApplicationClose && reasonCode !== ReasonCode.NoError
      ? new MptError(MptErrorCode.ProtocolViolation, `closed: ${reason}`)
      : undefined);
    this.emit({ type: 'closed', reasonCode, applicationErrorCode, reason, initiator, error: failure });
  }

  private enterDraining(nowMs: number, reasonCode: number, applicationErrorCode: number, reason: string): void {
    if (this.state === 'draining' || this.state === 'closed') return;
    const wasClosing = this.state === 'closing';
    this.state = 'draining';
    this.closeDeadlineMs = nowMs + this.closeDelayMs();
    if (wasClosing) return;
    const error =
      reasonCode === ReasonCode.ApplicationClose || reasonCode === ReasonCode.NoError
        ? undefined
        : new MptError(MptErrorCode.PeerClosed, `peer closed the connection: ${reason} (reason ${reasonCode})`);
    this.emit({ type: 'closed', reasonCode, applicationErrorCode, reason, initiator: 'peer', error });
  }

  private closeSilently(reasonCode: number, reason: string, initiator: CloseInitiator, error: MptError | undefined): void {
    if (this.state === 'closed') return;
    const announced = this.state === 'closing' || this.state === 'draining';
    this.state = 'closed';
    if (!announced) this.emit({ type: 'closed', reasonCode, applicationErrorCode: 0, reason, initiator, error });
  }

  private dropPacket(): void {
    this.stats.packetsDropped++;
  }
}

function min(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a < b ? a : b;
}

