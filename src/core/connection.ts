import { createCongestionGroup } from '../cc/congestion-group.js';
import type { CryptoProvider } from '../crypto/provider.js';
import type { RandomBytes } from '../crypto/random.js';
import type { MptError } from '../errors.js';
import type { TransportConfig } from './config.js';
import { MAX_DATAGRAM_SIZE, MIN_DATAGRAM_SIZE } from './config.js';
import type { CloseInitiator, ConnectionEvent } from './connection-events.js';
import type { ConnectionStats } from './connection-stats.js';
import type { AcceptedInitial, ClientHandshakeConfig, HandshakeOutcome } from './handshake.js';
import { HandshakeDriver, type HandshakeHost, type Path0Start } from './handshake-driver.js';
import { Path } from './path.js';
import { createScheduler } from './scheduler/create-scheduler.js';
import { DuplicatingScheduler } from './scheduler/duplication.js';
import { PathSignals } from './path-signals.js';
import { PathManagerRunner } from './path-manager-runner.js';
import type { LocalInterface, PathManager, PathManagerFactory } from './path-manager.js';
import { sameAddress, type SocketAddress } from './socket-address.js';
import type { RaceAttempt, RaceTarget } from './happy-eyeballs/race.js';
import type { Transmit } from './datagram-endpoint.js';
import { AddressValidation } from './address-validation.js';
import { ByteStream } from './byte-stream.js';
import { allowedInEarlyFrames, dispatchFrame, isAckEliciting, PEER_CLOSED, type FrameOwners } from './frame-dispatch.js';
import { Lifecycle, type ConnectionState } from './lifecycle.js';
import { PacketWriter, type PacketSealer, type PacketWriterHost } from './packet-writer.js';
import { PathSet, type PathTimerActions } from './path-set.js';
import { PathLifecycle, type PathLifecycleHost } from './path-lifecycle.js';
import { protocolError } from './transport-error.js';
import { Recovery, type RecoveryHost } from './recovery.js';
import { transportParams } from './local-transport-params.js';
import {
  closeReasonText,
  decodePacketNumber,
  ExtensionId,
  readFrame,
  Reader,
  ReasonCode,
  SHORT_RESERVED_MASK,
  type AckFrame,
  type AddAddressFrame,
  type CloseFrame,
  type DecodedShortHeader,
  type PathAbandonFrame,
  type PathStatusFrame,
  type RemoveAddressFrame,
  type TransportParams,
} from './wire/index.js';
import type { CongestionController, CongestionGroup } from '../cc/congestion-controller.js';
import type { PacketContents } from './packet-contents.js';
import type { TransportError } from './transport-error.js';

/**
 * One mpt connection: the handshake, its paths, the single reliable stream
 * and the close, as a sans-IO state machine (docs/design.md §2.1). Inputs are
 * `handle*` calls and the stream methods; outputs are `pollTransmit`,
 * `pollEvent` and `nextTimeout`. Bad input from the network is dropped and
 * counted, never thrown.
 * @module
 */

/** Which end of the handshake this is. */
export type ConnectionRole = 'client' | 'server';

export type { ConnectionState };
export type { ConnectionStats };

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
  /**
   * Called at the start of every method the application calls directly (write, read, close, openPath,
   * ...): the connection's next timeout, or what it has to send, may change, so its endpoint looks at it
   * again before its next nextTimeout/handleTimeout/pollTransmit.
   */
  readonly wake?: ((connection: Connection) => void) | undefined;
}

export { serverTransportParams } from './local-transport-params.js';

/** A connection; made by an {@link Endpoint}. */
export class Connection {
  /** Client or server. */
  readonly role: ConnectionRole;
  /** Counters. */
  readonly stats: ConnectionStats = { packetsDropped: 0, bytesWritten: 0, bytesRead: 0, packetsLost: 0, bytesRetransmitted: 0 };
  /** Datagrams not sent because the caller's buffer was too small for them (a driver bug; never written past it). */
  oversizedDatagrams = 0;
  /** The handshake outcome (keys, the peer's parameters) once complete. */
  get outcome(): HandshakeOutcome | undefined {
    return this.handshake.outcome;
  }

  private readonly transport: TransportConfig;
  private readonly localParams: TransportParams;
  /** Tells the endpoint to look at this connection again (see {@link ConnectionInit.wake}). */
  private readonly wake: ((connection: Connection) => void) | undefined;
  /** The time of the latest input (datagram, timer or poll), ms. */
  private nowMs: number;
  /** The paths and the connection IDs that name them. */
  private readonly pathSet: PathSet;
  /** Where the connection stands, its idle timeout and keep-alive. */
  private readonly lifecycle: Lifecycle;
  /** The byte stream. */
  private readonly stream: ByteStream;
  /** Builds each path's packets. */
  private readonly writer: PacketWriter;

  /** ACK and loss processing, routed to each frame's owner. */
  private readonly recovery: Recovery;
  /** Opens, validates, moves, re-statuses, closes and forgets paths. */
  private readonly pathLifecycle: PathLifecycle;
  /** What the modules the connection is made of may ask of it: one object, not a closure per question. */
  private readonly hooks: ConnectionHooks;
  /** The handshake's address validation, which becomes path 0's (anti-amplification, RFC 9000 §8.1). */
  private readonly handshakeValidation: AddressValidation;
  /** ADD_ADDRESS / REMOVE_ADDRESS / PATH_STATUS / PATH_ABANDON state and queue. */
  private readonly signals = new PathSignals();
  /** Decides which path is offered the next packet, and whether stream data goes on one path or all. */
  private readonly scheduler: DuplicatingScheduler;
  /** The order the scheduler offers paths the next packet in, recomputed on each poll; reused. */
  private readonly offerOrder: Path[] = [];
  /** Largest datagram the peer accepts and we allow, bytes (PMTU search bound of every path). */
  private maxDatagramBytes = MIN_DATAGRAM_SIZE;
  private readonly events: ConnectionEvent[] = [];
  /** The path manager, when the owner gave one. */
  private readonly pathManager: PathManagerRunner | undefined;
  private readonly ccGroup: CongestionGroup;
  /** Packet payload scratch (see {@link ConnectionInit.scratch}). */
  private readonly payload: Uint8Array;
  private readonly randomBytes: RandomBytes;
  /** The handshake, the happy-eyeballs race, Retry and version negotiation; where the handshake runs (path 0 starts there). */
  private readonly handshake: HandshakeDriver;
  private peerParams: TransportParams | undefined;
  private pmtuEnabled = false;
  /** Whether both sides listed redundant scheduling, so the redundant scheduler may send copies. */
  private redundantAgreed = false;
  /** When the pacer lets a path send again, ms (a wake-up timer). */
  private pacingWakeMs: number | undefined;
  /** Server: whether the client has proven its address once (a 1-RTT packet); always true on a client. */
  private peerProven: boolean;

  private constructor(role: ConnectionRole, init: ConnectionInit, params: TransportParams) {
    this.role = role;
    this.nowMs = init.nowMs;
    this.transport = init.transport;
    this.wake = init.wake;
    this.hooks = new Connection.Hooks(this);
    const { local, remote, localCid, remoteCid, race } = init;
    this.handshake = new HandshakeDriver({ role, nowMs: init.nowMs, local, remote, localCid, remoteCid, initialRttMs: init.transport.initialRttMs, race }, this.hooks);
    this.localParams = params;
    this.payload = init.scratch ?? new Uint8Array(MAX_DATAGRAM_SIZE);
    this.randomBytes = init.randomBytes;
    const emit = (event: ConnectionEvent): void => this.emit(event);
    this.stream = new ByteStream(init.transport, this.stats, emit);
    this.ccGroup = createCongestionGroup(init.transport.congestionControl);
    this.scheduler = new DuplicatingScheduler(createScheduler(init.transport.scheduler));
    const issueCid = init.issueCid;
    this.pathSet = new PathSet(init.localCid, issueCid === undefined ? undefined : () => issueCid(this), init.retireCid, init.randomBytes);
    // A client validated the server's address by choosing it; a server must see the client answer (RFC 9000 §8.1).
    this.handshakeValidation = new AddressValidation(role === 'client');
    this.peerProven = role === 'client';
    const ptoMs = (): number => this.pathSet.paths[0]?.loss.ptoMs ?? 3 * this.transport.initialRttMs;
    this.lifecycle = new Lifecycle(init.transport.idleTimeoutMs, init.transport.keepAliveIntervalMs, ptoMs, emit);
    this.lifecycle.touch(init.nowMs);
    this.recovery = new Recovery(this.hooks, this.stream, this.pathSet);
    this.pathLifecycle = new PathLifecycle(this.hooks, this.pathSet, this.signals);
    // The owners of connection-level control frames, in the order their frames go into a packet.
    const frameSources = [this.handshake, this.stream.flowFrames, this.pathSet, this.signals, this.stream.resetFrames];
    this.writer = new PacketWriter(init.transport, this.payload, this.hooks, this.lifecycle, this.stream, this.pathSet, frameSources, this.scheduler);
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
    this.wake?.(this);
    this.nowMs = nowMs;
    this.pathManager?.setLocalAddresses(addresses, nowMs, interfaces);
    if (this.pathManager === undefined || this.state !== 'established') return;
    this.pathLifecycle.onLocalAddresses(addresses, nowMs);
    this.pathManager.run(nowMs);
  }

  /**
   * Stream data is copied onto these paths (each sends its own copy of every byte not yet
   * acknowledged, as the redundant scheduler does), whichever path the scheduler gives it to first;
   * `undefined` or an empty list: off. Copies go out only once both ends listed redundant scheduling
   * (mpt always does). The path manager's `setDuplication`.
   */
  setDuplication(pathIds: readonly number[] | undefined): void {
    this.wake?.(this);
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
    const failed = c.handshake.startClient({ ...handshake, params: c.localParams, provider: init.provider, randomBytes: init.randomBytes }, earlyData, init.nowMs);
    if (failed !== undefined) return failed;
    if (earlyData !== undefined) c.write(earlyData);
    c.pathManager?.run(init.nowMs);
    return c;
  }

  /** A server connection for an accepted Initial; message 2 is ready to send. */
  static server(init: ConnectionInit, accepted: AcceptedInitial, params: TransportParams, initialDatagramBytes: number): Connection {
    const c = new Connection('server', init, params);
    c.handshakeValidation.noteReceived(initialDatagramBytes);
    c.handshake.startServer(accepted, init.nowMs);
    if (accepted.earlyFrames.length > 0 && c.outcome !== undefined) c.handleFrames(c.paths[0] as Path, accepted.earlyFrames, init.nowMs, true);
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
    this.wake?.(this);
    return this.lifecycle.isOpen && this.stream.write(bytes);
  }

  /** Ends our direction after the bytes written so far (half-close, FIN). */
  shutdown(): void {
    this.wake?.(this);
    if (this.lifecycle.isOpen) this.stream.finish();
  }

  /** Stream bytes received in order, up to `maxBytes`, or undefined if none are ready. */
  read(maxBytes?: number): Uint8Array | undefined {
    const bytes = this.stream.read(maxBytes);
    // Reading frees receive window (a MAX_DATA may be due); reading nothing changes nothing.
    if (bytes !== undefined) this.wake?.(this);
    return bytes;
  }

  /** Server: whether the client has not yet proven its address (a half-open connection, RFC 9000 §8.1). */
  get halfOpen(): boolean {
    return !this.peerProven;
  }

  /** Whether stream bytes have arrived that {@link read} would return now. */
  get hasReadable(): boolean {
    return this.stream.hasReadable;
  }

  /** Whether the peer's FIN arrived and every byte before it has been read. */
  get readEnded(): boolean {
    return this.stream.readEnded;
  }

  /** Whether everything we wrote, and our FIN, has been acknowledged. */
  get writeEnded(): boolean {
    return this.stream.writeEnded;
  }

  /** Bytes written and not yet acknowledged. */
  get bufferedBytes(): number {
    return this.stream.bufferedBytes;
  }

  /**
   * Sends a PING after `intervalMs` without sending anything, to keep NAT
   * bindings and the peer's idle timer alive; 0 turns it off.
   */
  setKeepAlive(nowMs: number, intervalMs: number): void {
    this.wake?.(this);
    this.lifecycle.setKeepAlive(nowMs, intervalMs);
  }

  /** Abandons our direction abruptly: unsent data is dropped and the peer gets RESET. */
  reset(applicationErrorCode: number): void {
    this.wake?.(this);
    if (this.lifecycle.isOpen) this.stream.reset(applicationErrorCode);
  }

  /**
   * Closes the connection: the peer gets CLOSE with the reason, we keep
   * answering with it for three PTOs, then the connection is gone.
   */
  close(nowMs: number, reasonCode: number = ReasonCode.ApplicationClose, applicationErrorCode = 0, reason = ''): void {
    this.wake?.(this);
    this.closeWith(nowMs, reasonCode, applicationErrorCode, reason, 'local', undefined);
  }

  /** Where the connection stands. */
  get state(): ConnectionState {
    return this.lifecycle.state;
  }

  /** Open paths, in the order they opened (path 0 first); see {@link pathById}. */
  get paths(): readonly Path[] {
    return this.pathSet.paths;
  }

  /** The CIDs we receive on, for the endpoint's routing table. */
  get localCids(): readonly Uint8Array[] {
    return this.pathSet.localCids;
  }

  /** The path id each entry of {@link localCids} was issued for. */
  get localCidPathIds(): readonly number[] {
    return this.pathSet.localCidPathIds;
  }

  /** DATA_BLOCKED frames sent: times the peer's flow control, not the network, held our data back. */
  get dataBlockedSent(): number {
    return this.stream.dataBlockedSent;
  }

  // ----- network input --------------------------------------------------------------------

  /** A long-header packet addressed to this connection (Handshake, or a repeated Initial). */
  handleLongPacket(nowMs: number, local: SocketAddress, remote: SocketAddress, type: 'initial' | 'handshake', scid: Uint8Array, payload: Uint8Array, datagramBytes: number): void {
    this.nowMs = nowMs;
    this.receiveLongPacket(nowMs, local, remote, type, scid, payload, datagramBytes);
    this.pathManager?.run(nowMs);
  }

  private receiveLongPacket(nowMs: number, local: SocketAddress, remote: SocketAddress, type: 'initial' | 'handshake', scid: Uint8Array, payload: Uint8Array, datagramBytes: number): void {
    if (this.lifecycle.isSilent) return;
    this.handshakeValidation.noteReceived(datagramBytes);
    this.handshake.receive(nowMs, local, remote, type, scid, payload);
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
    if (this.lifecycle.isSilent) return;
    let path = this.pathById(pathId);
    // RFC 9000 §8.1: every byte the unvalidated address sends counts towards what we may send it (only
    // datagrams from that address: bytes from elsewhere must not raise what a spoofed address gets).
    const validation = path?.validation ?? (pathId === 0 ? this.handshakeValidation : undefined);
    if (validation !== undefined && !validation.validated && sameAddress(remote, path?.remote ?? this.handshake.remote)) validation.noteReceived(datagram.length);
    const keys = this.outcome;
    // The peer opens a path by sending on a CID we issued for an unused path id; the path exists only
    // once such a packet authenticates (a forged one creates nothing).
    const opening = path === undefined && this.state === 'established' && this.pathSet.peerMayOpen(pathId);
    if (keys === undefined || (path === undefined && !opening)) {
      // A server still waiting for XX message 3 gets the client's 1-RTT packets: message 3 was lost.
      if (keys === undefined) this.handshake.onUnreadablePacket(nowMs);
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
      path = this.pathLifecycle.openedByPeer(pathId, local, remote, datagram.length, nowMs); // validated by our challenge
    }
    // RFC 9000 §12.3: a duplicate (a replay, or a copy the network made) is dropped before any frame is applied.
    if (path.acks.isDuplicate(pn)) return this.dropPacket();
    const newest = pn > path.largestReceived;
    if (newest) path.largestReceived = pn;
    path.stats.packetsReceived++;
    path.stats.bytesReceived += datagram.length;
    if (path.handshakePath && !path.validation.validated && this.role === 'server' && newest && !sameAddress(local, path.local)) {
      // An IK or PSK server made path 0 at the first Initial; the client's winning happy-eyeballs attempt
      // went to another of our addresses: path 0 answers from the address the client chose.
      path.local = local;
      this.handshake.moveLocal(local);
    }
    if (path.handshakePath && !path.validation.validated && !path.challengeOutstanding) {
      // A packet under our 1-RTT keys proves the peer received our message 2 at that address.
      path.validation.validated = true;
      path.validatedRemote = path.remote;
      this.peerProven = true;
      // An IK or PSK server took no RTT sample in the handshake: message 2 -> the client's first 1-RTT
      // packet is one (an upper bound), better than the 333 ms guess for its first PTOs.
      const sample = this.role === 'server' && !path.loss.rtt.hasSample ? this.handshake.rttSampleMs(nowMs) : -1;
      if (sample >= 0) path.loss.rtt.update(sample, 0, path.loss.maxAckDelayMs, false, nowMs);
    }
    this.handshake.onAuthenticatedPacket();
    if (newest && (remote.port !== path.remote.port || remote.host !== path.remote.host)) this.pathLifecycle.onPeerMoved(path, remote, datagram.length, nowMs);
    this.lifecycle.onPacketReceived(nowMs);
    if (this.state === 'closing') {
      path.acks.onPacketReceived(pn, false, nowMs);
      this.lifecycle.onPacketWhileClosing();
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
    let t = this.lifecycle.nextTimeout();
    if (!this.lifecycle.isOpen) return t;
    t = min(t, this.handshake.nextTimeout());
    t = min(t, this.pacingWakeMs);
    t = min(t, this.pathManager?.nextTimeout());
    return min(t, this.pathSet.nextTimeout(this.transport.initialRttMs, this.writer));
  }

  /** Runs whatever timers are due at `nowMs`. */
  handleTimeout(nowMs: number): void {
    this.nowMs = nowMs;
    this.runTimers(nowMs);
    if (this.state === 'established') this.pathManager?.handleTimeout(nowMs);
    this.pathManager?.run(nowMs);
  }

  private runTimers(nowMs: number): void {
    if (this.lifecycle.handleTimeout(nowMs)) return;
    this.handshake.handleTimeout(nowMs);
    if (this.pacingWakeMs !== undefined && nowMs >= this.pacingWakeMs) this.pacingWakeMs = undefined;
    this.pathSet.handleTimeout(nowMs, this.transport.initialRttMs, this.writer, this.hooks);
  }

  // ----- output ---------------------------------------------------------------------------

  /** The next datagram to send, written into `out`, or undefined. */
  pollTransmit(nowMs: number, out: Uint8Array): Transmit | undefined {
    if (this.lifecycle.isSilent) return undefined;
    const handshake = this.handshake.pollTransmit(nowMs, out);
    if (handshake !== undefined) return handshake;
    if (this.outcome === undefined) return undefined;
    // The scheduler orders the paths (closed ones left out) and each is offered the next packet in turn;
    // a path takes stream data only where the scheduler lets it and while its window has room and its
    // pacer allows, so with minRTT data goes to the fastest path that can take it and spills onto slower
    // ones when it is full.
    const order = this.offerOrder;
    this.scheduler.order(this.paths, order);
    return this.writer.next(order, nowMs, out);
  }

  // ----- internals: handshake -------------------------------------------------------------

  /**
   * A client's destinations learnt while connecting (a DNS answer that came after the race started, RFC
   * 8305 §3): appended to the race (one is started if there was none: the first destination becomes
   * attempt 0, as of the connect), one attempt delay after the latest attempt. Returns false, adding
   * nothing, once the handshake is done or for a server.
   */
  addRaceDestinations(nowMs: number, targets: readonly RaceTarget[], attemptDelayMs: number): boolean {
    this.wake?.(this);
    return this.handshake.addRaceDestinations(nowMs, targets, attemptDelayMs);
  }

  /** A client's happy-eyeballs attempts (a copy of each), or an empty list without a race. */
  raceAttempts(): RaceAttempt[] {
    return this.handshake.raceAttempts();
  }

  /**
   * The owner learnt that an attempt's destination is unreachable (an ICMP error, a send that failed):
   * the attempt stops, and the next one starts at once if no other is running. Returns true when every
   * attempt of the race has now failed (the owner then fails the connect).
   */
  failAttempt(nowMs: number, local: SocketAddress, remote: SocketAddress, reason: string): boolean {
    this.wake?.(this);
    return this.handshake.failAttempt(nowMs, local, remote, reason);
  }

  /** The server asked for a retry: resend the Initial with its token to its new CID. */
  handleRetry(nowMs: number, retryScid: Uint8Array, token: Uint8Array): void {
    this.handshake.handleRetry(nowMs, retryScid, token);
  }

  /**
   * A Version Negotiation packet named this connection: the server speaks no version of ours, and the
   * attempt fails. It is unauthenticated, so it counts only for a client that has processed no packet of
   * the server yet (no message 2, no Retry: RFC 9000 §6.2) and only from the address the Initial went to
   * (`from`, when given). Anything else is ignored; returns whether the connection closed.
   */
  failVersionNegotiation(error: MptError, from?: SocketAddress): boolean {
    return this.handshake.failVersionNegotiation(error, from);
  }

  /** The handshake completed: the peer's parameters apply, and path 0 starts. */
  private onHandshakeComplete(outcome: HandshakeOutcome, start: Path0Start, rttMs: number, nowMs: number): void {
    this.peerParams = outcome.peerParams;
    const peer = outcome.peerParams;
    this.stream.onMaxData(peer.initialMaxData);
    this.pmtuEnabled = this.transport.pmtuDiscovery && peer.extensions.includes(ExtensionId.PmtuProbe);
    this.redundantAgreed = peer.extensions.includes(ExtensionId.RedundantScheduling);
    this.lifecycle.negotiateIdleTimeout(peer.maxIdleTimeoutMs);
    this.maxDatagramBytes = this.pmtuEnabled ? Math.min(this.transport.maxDatagramSizeBytes, peer.maxUdpPayloadSize) : MIN_DATAGRAM_SIZE;
    const path0 = this.createPath(0, start.local, start.remote, this.localCids[0] as Uint8Array, start.remoteCid, nowMs, this.handshakeValidation, false);
    if (this.handshakeValidation.validated) path0.validatedRemote = start.remote;
    this.pathSet.issueForLimit(this.transport.maxPaths, peer.maxPaths);
    // The handshake's round trip is the path's first RTT sample: without it the first PTOs would use the
    // 333 ms initial guess, and a loss right after the handshake would stall for seconds.
    if (rttMs >= 0) path0.loss.rtt.update(rttMs, 0, peer.maxAckDelayMs, false, nowMs);
    this.lifecycle.establish();
    this.lifecycle.touch(nowMs);
    this.emit({ type: 'connected', remoteStaticKey: outcome.remoteStaticKey });
    this.emit({ type: 'path', pathId: 0, change: 'up', reasonCode: 0 });
  }

  /** A new path with fresh recovery state; added to {@link paths}. */
  private createPath(id: number, local: SocketAddress, remote: SocketAddress, localCid: Uint8Array, remoteCid: Uint8Array, nowMs: number, handshakeValidation: AddressValidation | undefined, amplificationLimited: boolean): Path {
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
      handshakeValidation,
      amplificationLimited,
    });
    this.pathSet.add(path);
    return path;
  }

  /** Paths not closed. */
  get openPathCount(): number {
    return this.pathSet.openCount;
  }

  /** The path with this id, or undefined. */
  pathById(id: number): Path | undefined {
    return this.pathSet.byId(id);
  }

  /** The path id a CID of ours was issued for, or -1. */
  pathIdForCid(cid: Uint8Array): number {
    return this.pathSet.idForCid(cid);
  }

  /**
   * Whether {@link openPath} can succeed now, or never will: established, the handshake confirmed
   * (client: the server's first 1-RTT packet came), and the peer's CID for the next path here, unless
   * the connection may have only one path. A client's handshake completes a round trip before that.
   */
  readyForPaths(): boolean {
    return this.state === 'established' && this.handshake.confirmed && this.pathSet.readyForPaths;
  }

  /**
   * Opens a new path from our socket `local` to the peer's `remote`, on the lowest unused path id for
   * which both sides have issued CIDs. Its first packet carries PATH_CHALLENGE (padded to 1200 bytes, RFC
   * 9000 §8.2.1) and it carries no stream data until the PATH_RESPONSE validates it. Returns the path id,
   * or undefined when no path can be opened now (not established, the max_paths limit reached, or the
   * peer's CID for the next path not yet received).
   */
  openPath(nowMs: number, local: SocketAddress, remote: SocketAddress): number | undefined {
    this.wake?.(this);
    if (this.state !== 'established' || this.outcome === undefined || !this.handshake.confirmed) return undefined;
    return this.pathLifecycle.open(nowMs, local, remote);
  }

  /**
   * Tells the peer about one of our addresses (ADD_ADDRESS), which it may open paths to. False if it is
   * not an IP literal with a port, is already advertised, or too many are.
   */
  advertiseAddress(address: SocketAddress): boolean {
    this.wake?.(this);
    if (!this.lifecycle.isOpen) return false;
    return this.signals.advertise(address);
  }

  /** Withdraws an address advertised with {@link advertiseAddress} (REMOVE_ADDRESS); the peer abandons its paths to it. */
  withdrawAddress(address: SocketAddress): boolean {
    this.wake?.(this);
    if (!this.lifecycle.isOpen) return false;
    return this.signals.withdraw(address);
  }

  /** The addresses we advertise. */
  advertisedAddresses(): SocketAddress[] {
    return this.signals.advertised();
  }

  /** The peer's addresses: the one the connection began with, those the owner added, then those the peer advertised. */
  remoteAddresses(): SocketAddress[] {
    return this.signals.remoteAddresses(this.handshake.remote);
  }

  /**
   * An address of the peer the owner knows of another way (configuration, DNS): reported as a
   * 'remoteAddress' event like an advertised one, so the path manager may open paths to it. False if
   * it is already known.
   */
  addRemoteAddress(nowMs: number, address: SocketAddress): boolean {
    this.wake?.(this);
    if (!this.signals.addKnown(this.handshake.remote, address)) return false;
    this.emit({ type: 'remoteAddress', change: 'added', address });
    this.pathManager?.run(nowMs);
    return true;
  }

  /**
   * Marks a path backup (it carries data only when no available path can) or available, and tells the
   * peer (PATH_STATUS). False for an unknown or closed path.
   */
  setPathStatus(pathId: number, status: 'available' | 'backup'): boolean {
    this.wake?.(this);
    return this.state === 'established' && this.pathLifecycle.setStatus(pathId, status);
  }

  /**
   * Closes one path and tells the peer why (PATH_ABANDON, `reasonCode` from docs/protocol.md §9). What
   * it had outstanding is sent again on the other paths at once; its id is never reused, and a fresh
   * CID lets either end open a replacement. False for an unknown or already closed path, and for the
   * last validated one.
   */
  abandonPath(pathId: number, reasonCode: number = ReasonCode.NoError): boolean {
    this.wake?.(this);
    return this.state === 'established' && this.pathLifecycle.abandon(pathId, reasonCode, this.nowMs);
  }

  // ----- internals: frames ----------------------------------------------------------------

  /**
   * Applies every frame of a packet, each by its owner ({@link dispatchFrame}); a transport error closes
   * the connection here. `early`: a client's 0-RTT frames, where only DATA and PADDING may appear. Returns
   * whether any frame was ack-eliciting.
   */
  private handleFrames(path: Path, payload: Uint8Array, nowMs: number, early = false): boolean {
    const reader = new Reader(payload);
    const owners = this.hooks;
    let ackEliciting = false;
    while (reader.pos < reader.end) {
      const frame = readFrame(reader);
      if (frame === undefined) {
        this.closeWith(nowMs, ReasonCode.FrameEncodingError, 0, 'malformed frame', 'local', undefined);
        return true;
      }
      if (isAckEliciting(frame)) ackEliciting = true;
      const outcome = early && !allowedInEarlyFrames(frame) ? protocolError(`${frame.type} frame in 0-RTT early frames`) : dispatchFrame(owners, frame, path, nowMs);
      if (outcome === PEER_CLOSED) return true;
      if (outcome !== undefined) {
        this.closeWith(nowMs, outcome.reasonCode, 0, outcome.reason, 'local', undefined);
        return true;
      }
    }
    return ackEliciting;
  }

  // ----- internals: lifecycle -------------------------------------------------------------

  /** Closes: with keys, a CLOSE goes to the peer and the closing period starts; without, at once. */
  private closeWith(nowMs: number, reasonCode: number, applicationErrorCode: number, reason: string, initiator: CloseInitiator, error: MptError | undefined): void {
    this.lifecycle.close(nowMs, reasonCode, applicationErrorCode, reason, initiator, error, this.outcome !== undefined);
  }

  /** Ends at once, sending nothing. */
  private closeSilently(reasonCode: number, reason: string, initiator: CloseInitiator, error: MptError | undefined): void {
    this.lifecycle.end(reasonCode, reason, initiator, error);
  }

  private dropPacket(): void {
    this.stats.packetsDropped++;
  }

  /**
   * What the modules a connection is made of may ask of it (the packet writer, recovery, the handshake
   * driver, path lifecycle, the paths' timers, and the owners received frames go to): one object per
   * connection whose methods live on a shared prototype, rather than a closure per question per
   * connection. Declared inside the class so it may reach the connection's private state.
   */
  private static readonly Hooks = class ConnectionHooks implements PacketWriterHost, RecoveryHost, HandshakeHost, PathLifecycleHost, PathTimerActions, FrameOwners {
    constructor(private readonly c: Connection) {}

    emit(event: ConnectionEvent): void {
      this.c.emit(event);
    }

    // The packet writer.
    get sealer(): PacketSealer | undefined {
      return this.c.outcome?.send;
    }
    get pmtuEnabled(): boolean {
      return this.c.pmtuEnabled;
    }
    get redundantAgreed(): boolean {
      return this.c.redundantAgreed;
    }
    wakeAt(atMs: number): void {
      const c = this.c;
      if (c.pacingWakeMs === undefined || atMs < c.pacingWakeMs) c.pacingWakeMs = atMs;
    }

    // Recovery.
    onProbeTimeout(): void {
      this.c.handshake.onProbeTimeout();
    }
    get peerAckDelayExponent(): number {
      return this.c.peerParams?.ackDelayExponent ?? 3;
    }
    get stats(): ConnectionStats {
      return this.c.stats;
    }

    // The handshake driver.
    isClosing(): boolean {
      return !this.c.lifecycle.isOpen;
    }
    addressValidated(): boolean {
      return this.c.handshakeValidation.validated;
    }
    mayAmplify(bytes: number): boolean {
      return this.c.handshakeValidation.mayAmplify(bytes);
    }
    noteSent(bytes: number): void {
      this.c.handshakeValidation.noteSent(bytes);
    }
    ptoBaseMs(): number | undefined {
      const path = this.c.paths[0];
      return path !== undefined && path.loss.rtt.hasSample ? path.loss.rtt.ptoBaseMs(path.loss.maxAckDelayMs) : undefined;
    }
    dropPacket(): void {
      this.c.dropPacket();
    }
    dropOversized(): void {
      this.c.oversizedDatagrams++;
    }
    onEstablished(outcome: HandshakeOutcome, path0: Path0Start, rttMs: number, nowMs: number): void {
      this.c.onHandshakeComplete(outcome, path0, rttMs, nowMs);
    }
    requeueUnreadable(): void {
      const path = this.c.paths[0];
      if (path === undefined) return;
      for (const packet of path.loss.discardAll()) {
        this.c.recovery.requeue(packet.payload);
        if (packet.payload.mtuProbeBytes > 0) path.pmtud.onProbeAbandoned(packet.payload.mtuProbeBytes);
      }
    }
    fail(reasonCode: number, error: MptError): void {
      this.c.closeSilently(reasonCode, error.message, 'handshake', error);
    }
    addRemoteAddress(nowMs: number, address: SocketAddress): void {
      this.c.addRemoteAddress(nowMs, address);
    }

    // Path lifecycle.
    newPath(id: number, local: SocketAddress, remote: SocketAddress, localCid: Uint8Array, remoteCid: Uint8Array, nowMs: number, amplificationLimited: boolean): Path {
      return this.c.createPath(id, local, remote, localCid, remoteCid, nowMs, undefined, amplificationLimited);
    }
    newController(nowMs: number): CongestionController {
      return this.c.ccGroup.createController({ maxDatagramSizeBytes: MIN_DATAGRAM_SIZE, nowMs });
    }
    requeue(contents: PacketContents): void {
      this.c.recovery.requeue(contents);
    }
    randomBytes(n: number): Uint8Array {
      return this.c.randomBytes(n);
    }

    // The paths' timers.
    forget(path: Path): void {
      this.c.pathLifecycle.forget(path);
    }
    validationFailed(path: Path): void {
      this.c.abandonPath(path.id, ReasonCode.PathValidationFailed);
    }
    lossTimeout(path: Path, nowMs: number): void {
      this.c.recovery.onLossTimeout(path, nowMs);
    }

    // The owners of received frames (frame-dispatch.ts).
    get stream(): ByteStream {
      return this.c.stream;
    }
    get pathSet(): PathSet {
      return this.c.pathSet;
    }
    onAck(frame: AckFrame, nowMs: number): TransportError | undefined {
      return this.c.recovery.onAck(frame, nowMs);
    }
    onAddressValidated(path: Path, nowMs: number): void {
      this.c.pathLifecycle.onAddressValidated(path, nowMs);
    }
    onPeerClose(frame: CloseFrame, nowMs: number): void {
      this.c.lifecycle.drain(nowMs, frame.reasonCode, frame.applicationErrorCode, closeReasonText(frame));
    }
    onHandshakeDone(): TransportError | undefined {
      if (this.c.role === 'server') return protocolError('HANDSHAKE_DONE from a client');
      this.c.handshake.confirm();
      return undefined;
    }
    onAddAddress(frame: AddAddressFrame): void {
      this.c.pathLifecycle.onPeerAddAddress(frame);
    }
    onRemoveAddress(frame: RemoveAddressFrame, nowMs: number): void {
      this.c.pathLifecycle.onPeerRemoveAddress(frame, nowMs);
    }
    onPathStatus(frame: PathStatusFrame): void {
      this.c.pathLifecycle.onPeerStatus(frame);
    }
    onPathAbandon(frame: PathAbandonFrame, nowMs: number): TransportError | undefined {
      return this.c.pathLifecycle.onPeerAbandon(frame, nowMs);
    }
  };
}

type ConnectionHooks = InstanceType<(typeof Connection)['Hooks']>; // see Connection.Hooks

function min(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a < b ? a : b;
}

