import type { CongestionController } from '../cc/congestion-controller.js';
import { Pacer } from '../cc/pacer.js';
import { AckTracker } from './ack-tracker.js';
import { LossDetector } from './loss-detector.js';
import type { SentPacket } from './sent-packets.js';
import { PmtuDiscovery } from './pmtud.js';
import type { PacketContents } from './packet-contents.js';
import { sameAddress, type SocketAddress } from './socket-address.js';
import { AddressValidation } from './address-validation.js';
import { equalBytes } from './bytes.js';

export { PacketContents } from './packet-contents.js';

/**
 * One path of a connection: a (local socket, remote address) pair with its
 * own packet number space, ACK state, RTT estimate, loss detection,
 * congestion controller, pacer and PMTU (draft-ietf-quic-multipath), and
 * the validation of the peer's address on it. The packet writer decides
 * what goes into its packets.
 * @module
 */

/**
 * A read-only copy of what a path's owner (the application, a path manager, diagnostics) may know of it:
 * its addresses, status and measurements now. Taken by {@link Path.snapshot}; it does not change after.
 */
export interface PathSnapshot {
  /** Path id. */
  readonly id: number;
  /** Our address on this path. */
  readonly local: SocketAddress;
  /** The peer's address on this path. */
  readonly remote: SocketAddress;
  /** Where the path stands. */
  readonly state: 'validating' | 'active' | 'backup' | 'failed' | 'closed';
  /** Whether it may carry stream data. */
  readonly validated: boolean;
  /** Smoothed RTT, ms (the initial guess before a sample). */
  readonly srttMs: number;
  /** Least RTT seen, ms. */
  readonly minRttMs: number;
  /** Probe timeouts in a row without an answer. */
  readonly ptoCount: number;
  /** Congestion window, bytes. */
  readonly cwndBytes: number;
  /** Bytes in flight. */
  readonly bytesInFlight: number;
  /** The largest datagram the path carries now (PMTU), bytes. */
  readonly mtuBytes: number;
  /** The path's counters, copied. */
  readonly stats: Readonly<PathStats>;
}

/** Counters of one path. */
export interface PathStats {
  /** Packets sent. */
  packetsSent: number;
  /** Packets received that authenticated. */
  packetsReceived: number;
  /** Packets declared lost. */
  packetsLost: number;
  /** Bytes (UDP payload) of the packets declared lost. */
  bytesLost: number;
  /** Bytes of UDP payload sent. */
  bytesSent: number;
  /** Bytes of UDP payload received. */
  bytesReceived: number;
  /** Stream bytes sent for the first time on this path. */
  streamBytesSent: number;
  /** Stream bytes sent again after a loss. */
  streamBytesRetransmitted: number;
  /** Stream bytes of packets acknowledged on this path. */
  streamBytesAcked: number;
  /** PATH_RESPONSE frames sent. */
  pathResponsesSent: number;
  /** Times the peer's address changed (a newest packet from elsewhere). */
  addressChanges: number;
  /** Times the path's RTT, loss and congestion state restarted because it moved to a new, validated address. */
  recoveryRestarts: number;
  /** Times PMTU discovery fell back to the base size after full-size packets kept being lost (RFC 8899 §4.3). */
  pmtuBlackHoles: number;
}

/** The state of one path. */
export class Path {
  /** Path id: part of every nonce; never reused within a connection. */
  readonly id: number;
  /** Our socket address. */
  local: SocketAddress;
  /** The peer's address. */
  remote: SocketAddress;
  /** The connection ID we send in packets on this path (the peer issued it). */
  remoteCid: Uint8Array;
  /** The connection ID the peer uses to reach us on this path. */
  readonly localCid: Uint8Array;
  /** Next packet number to send. */
  nextPacketNumber = 0;
  /** Largest packet number received, -1 before any. */
  largestReceived = -1;
  /** Sent packets, RTT and timers. */
  readonly loss: LossDetector<PacketContents>;
  /** Received packets and when to acknowledge them. */
  readonly acks: AckTracker;
  /** This path's congestion controller. */
  cc: CongestionController;
  /** Spreads packets over the RTT (RFC 9002 §7.7). */
  pacer: Pacer;
  /** PMTU search. */
  pmtud: PmtuDiscovery;
  /** Probe packets a PTO asked for and that are still to be sent. */
  probesDue = 0;
  /** Most bytes in flight seen since {@link inFlightEpochMs}: how much of the window was really used. */
  maxInFlightBytes = 0;
  /** Start of the current measuring period of {@link maxInFlightBytes} (about one RTT long). */
  inFlightEpochMs = 0;
  /** Whether an ACK must go out with the next packet regardless of the ACK timer. */
  ackNow = false;
  /** Counters. */
  readonly stats: PathStats = {
    packetsSent: 0,
    packetsReceived: 0,
    packetsLost: 0,
    bytesLost: 0,
    bytesSent: 0,
    bytesReceived: 0,
    streamBytesSent: 0,
    streamBytesRetransmitted: 0,
    streamBytesAcked: 0,
    pathResponsesSent: 0,
    addressChanges: 0,
    recoveryRestarts: 0,
    pmtuBlackHoles: 0,
  };
  /**
   * The data of the latest PATH_CHALLENGE received, to echo. One slot: a newer challenge replaces an
   * older one (RFC 9000 §8.2.2 requires an answer only to the latest), so a flood costs no memory.
   */
  readonly pathResponseData = new Uint8Array(8);
  /** Whether {@link pathResponseData} still has to be sent. */
  pathResponsePending = false;
  /** The data of our PATH_CHALLENGE on this path (after the peer's address changed). */
  readonly challengeData = new Uint8Array(8);
  /** Whether our PATH_CHALLENGE has to be sent (again, if lost). */
  challengePending = false;
  /** Whether we wait for the PATH_RESPONSE to our challenge: the peer's current address is unvalidated. */
  challengeOutstanding = false;
  /** When the current challenge started (or starts, if deferred), ms (RFC 9000 §8.2.4: validation is abandoned after a while). */
  challengeStartedMs = 0;
  /** Whether the challenge waits for {@link challengeStartedMs} before it is sent (the connection's probe budget). */
  challengeDeferred = false;
  /**
   * Whether a PING should go to {@link validatedRemote} while the path waits for a new address to answer
   * its challenge (RFC 9000 §9.3.3): if the peer is still there (the new address was a copy re-sent by
   * someone on the path), its answer comes from there and takes the path back at once.
   */
  oldAddressProbe = false;
  /** The peer's last address on this path that answered a challenge (or the handshake's); undefined before. */
  validatedRemote: SocketAddress | undefined = undefined;
  /** Whether the recovery state restarts when the current challenge is answered: the path moved (RFC 9000 §9.4). */
  restartOnValidation = false;
  /** The peer address's validation and anti-amplification account (RFC 9000 §8.1). */
  readonly validation: AddressValidation;
  /**
   * Whether stream data and connection-level frames wait for the address to be validated: on every
   * path but the handshake's, which goes on under the amplification limit while a new address of the
   * peer is validated (RFC 9000 §9.3), since it may be the connection's only path.
   */
  private readonly dataWaitsForValidation: boolean;
  /** Whether this is the path the handshake ran on (path 0): it took over the handshake's address validation. */
  readonly handshakePath: boolean;
  /**
   * Whether what we send is held to 3x what we received until the address is validated: the
   * handshake's path (a server's), a path the peer opened, or one whose peer address changed.
   */
  amplificationLimited: boolean;
  /** Whether {@link remoteCid} is known: a path the peer opened may precede the peer's NEW_CONNECTION_ID for it. */
  hasRemoteCid: boolean;
  /** What {@link restartRecovery} needs to start the recovery state afresh. */
  private readonly recoveryInit: { readonly initialRttMs: number; readonly baseDatagramBytes: number; readonly maxDatagramBytes: number };
  /**
   * Backup: the schedulers use it only when no available path can send. Either end may ask for it with
   * PATH_STATUS; a path is backup while either end's latest word for it is backup ({@link localBackup}
   * or {@link peerBackup}), so both ends see the same status whatever the order of their frames.
   */
  backup = false;
  /** Our latest PATH_STATUS for this path says backup. */
  localBackup = false;
  /** The peer's latest PATH_STATUS for this path says backup. */
  peerBackup = false;
  /** Declared failed: consecutive probe timeouts without an answer; cleared when it answers again. */
  failed = false;
  /** Abandoned (PATH_ABANDON from either end): no longer used; kept only until removed. */
  closed = false;
  /** When a closed path's state is dropped (its id stays unused for ever), ms; Infinity while open. */
  forgetAtMs = Number.POSITIVE_INFINITY;

  constructor(init: {
    id: number;
    local: SocketAddress;
    remote: SocketAddress;
    localCid: Uint8Array;
    remoteCid: Uint8Array;
    cc: CongestionController;
    initialRttMs: number;
    peerMaxAckDelayMs: number;
    localMaxAckDelayMs: number;
    ackDelayExponent: number;
    baseDatagramBytes: number;
    maxDatagramBytes: number;
    /**
     * The handshake's address validation, for the handshake's path (path 0): it keeps the byte account
     * of the handshake, and carries data while a new address is validated. Omitted for a later path.
     */
    handshakeValidation?: AddressValidation | undefined;
    /** A later path: whether it held to the amplification limit from the start (the peer opened it). Default false. */
    amplificationLimited?: boolean;
  }) {
    this.id = init.id;
    this.local = init.local;
    this.remote = init.remote;
    this.localCid = init.localCid;
    this.remoteCid = init.remoteCid;
    this.handshakePath = init.handshakeValidation !== undefined;
    this.hasRemoteCid = init.remoteCid.length > 0 || this.handshakePath;
    this.validation = init.handshakeValidation ?? new AddressValidation(false);
    this.dataWaitsForValidation = !this.handshakePath;
    this.amplificationLimited = init.handshakeValidation !== undefined || (init.amplificationLimited ?? false);
    this.cc = init.cc;
    this.recoveryInit = init;
    this.loss = new LossDetector<PacketContents>({ initialRttMs: init.initialRttMs, maxAckDelayMs: init.peerMaxAckDelayMs });
    this.acks = new AckTracker({ pathId: init.id, maxAckDelayMs: init.localMaxAckDelayMs, ackDelayExponent: init.ackDelayExponent });
    this.pacer = new Pacer(init.baseDatagramBytes);
    this.pmtud = new PmtuDiscovery(init.baseDatagramBytes, init.maxDatagramBytes);
  }

  /**
   * Starts the path afresh at a new address (RFC 9000 §9.4: what was measured on the old one says
   * nothing about the new): new RTT estimate, loss detection, congestion controller (`cc`, the old one
   * is closed), pacer and PMTU search. Returns what was outstanding, for the caller to requeue.
   */
  restartRecovery(cc: CongestionController): SentPacket<PacketContents>[] {
    const init = this.recoveryInit;
    const outstanding = this.loss.restart(init.initialRttMs);
    this.cc.close();
    this.cc = cc;
    this.pacer = new Pacer(init.baseDatagramBytes);
    this.pmtud = new PmtuDiscovery(init.baseDatagramBytes, init.maxDatagramBytes);
    this.probesDue = 0;
    this.maxInFlightBytes = 0;
    return outstanding;
  }

  /** The path's state as path managers and the Node layer see it. */
  get state(): 'validating' | 'active' | 'backup' | 'failed' | 'closed' {
    if (this.closed) return 'closed';
    if (this.failed) return 'failed';
    if (!this.validated) return 'validating';
    return this.backup ? 'backup' : 'active';
  }

  /** The largest datagram this path carries now, in bytes. */
  get mtuBytes(): number {
    return this.pmtud.currentBytes;
  }

  /** Records bytes in flight after a send, in periods of about one RTT. */
  noteInFlight(nowMs: number): void {
    const inFlight = this.loss.bytesInFlight;
    if (nowMs - this.inFlightEpochMs > this.loss.rtt.smoothedRttMs) {
      this.inFlightEpochMs = nowMs;
      this.maxInFlightBytes = inFlight;
    } else if (inFlight > this.maxInFlightBytes) {
      this.maxInFlightBytes = inFlight;
    }
  }

  /**
   * Whether the window is underused (RFC 9002 §7.8): ACKs must not grow it
   * then, or an application-, flow-control- or CPU-limited sender would
   * inflate it without bound. Underused means less than half of it was in
   * flight at any time in the last RTT, as Linux judges slow start
   * (tcp_is_cwnd_limited); the half leaves room for pacing and ACK
   * decimation, which keep a fully used window a little below full.
   */
  get appLimited(): boolean {
    return 2 * this.maxInFlightBytes < this.cc.cwnd;
  }

  /** Bytes the congestion window still allows in flight. */
  get cwndRoomBytes(): number {
    return this.cc.cwnd - this.loss.bytesInFlight;
  }

  /**
   * Whether the path may carry stream data and connection-level frames: its address is validated (the
   * handshake's path always may, under the amplification limit).
   */
  get validated(): boolean {
    return !this.dataWaitsForValidation || this.validation.validated;
  }

  /** Bytes the amplification limit still lets us send here; Infinity when it does not apply. */
  get amplificationBudget(): number {
    return this.amplificationLimited ? this.validation.budget : Number.POSITIVE_INFINITY;
  }

  /** Whether what we send here is held to the amplification limit now. */
  get isAmplificationLimited(): boolean {
    return this.amplificationLimited && !this.validation.validated;
  }

  /**
   * Starts validating the peer's current address: a PATH_CHALLENGE with fresh `data` (8 bytes) goes out,
   * at once or, deferred by the connection's probe budget, at `startMs`.
   */
  startChallenge(nowMs: number, data: Uint8Array, startMs: number = nowMs): void {
    this.challengeStartedMs = startMs;
    this.challengeData.set(data, 0);
    this.challengeDeferred = startMs > nowMs;
    this.challengePending = !this.challengeDeferred;
    this.challengeOutstanding = true;
  }

  /** A deferred challenge's time came: it goes out with the next packet. */
  releaseChallenge(): void {
    this.challengeDeferred = false;
    this.challengePending = true;
  }

  /** A PATH_CHALLENGE arrived: answer the latest only (RFC 9000 §8.2.2), at once. */
  onChallenge(data: Uint8Array): void {
    this.pathResponseData.set(data.subarray(0, 8), 0);
    this.pathResponsePending = true;
    this.ackNow = true;
  }

  /** Whether a PATH_RESPONSE answers our outstanding challenge. */
  answersChallenge(data: Uint8Array): boolean {
    return this.challengeOutstanding && equalBytes(data, this.challengeData);
  }

  /** Puts the path back on its last validated address, as it was: no challenge outstanding, no limit. */
  restoreValidatedAddress(): void {
    this.remote = this.validatedRemote as SocketAddress;
    this.oldAddressProbe = false;
    this.challengeOutstanding = false;
    this.challengePending = false;
    this.challengeDeferred = false;
    this.restartOnValidation = false;
    this.validation.validated = true;
  }

  /**
   * The peer's newest packet came from `remote`, which sent `bytes`: the path moves there and, unless
   * it is the last validated address, validates it (the amplification account starts afresh). Returns
   * whether a challenge must start.
   */
  moveTo(remote: SocketAddress, bytes: number): boolean {
    this.remote = remote;
    this.stats.addressChanges++;
    const known = this.validatedRemote;
    if (known !== undefined && sameAddress(known, remote)) {
      this.restoreValidatedAddress();
      return false;
    }
    this.validation.restart(bytes);
    this.amplificationLimited = true;
    this.restartOnValidation = known !== undefined;
    this.oldAddressProbe = known !== undefined;
    return true;
  }

  /**
   * Our challenge was answered: the current address is validated. A path that moved to it starts its
   * recovery afresh there (RFC 9000 §9.4) with a controller from `newCc`; returns what was outstanding
   * then, for the caller to requeue (empty otherwise).
   */
  onValidated(newCc: () => CongestionController): SentPacket<PacketContents>[] {
    this.oldAddressProbe = false;
    this.challengeOutstanding = false;
    this.challengePending = false;
    this.challengeDeferred = false;
    let outstanding: SentPacket<PacketContents>[] = [];
    if (this.restartOnValidation) {
      this.restartOnValidation = false;
      this.stats.recoveryRestarts++;
      outstanding = this.restartRecovery(newCc());
    }
    this.validatedRemote = this.remote;
    this.validation.validated = true;
    return outstanding;
  }

  /**
   * Abandoned by either end: nothing more is sent on it, its controller closes, and its state is kept
   * for three PTOs (a late packet or two may still arrive; its id is never used again). Returns what
   * was outstanding, for the caller to requeue.
   */
  close(nowMs: number): SentPacket<PacketContents>[] {
    this.closed = true;
    this.probesDue = 0;
    this.challengePending = false;
    this.challengeDeferred = false;
    this.oldAddressProbe = false;
    this.pathResponsePending = false;
    const outstanding = this.loss.discardAll();
    this.cc.close();
    this.forgetAtMs = nowMs + 3 * this.loss.ptoMs;
    return outstanding;
  }

  /** Smoothed RTT, ms (the initial guess before a sample). */
  get srttMs(): number {
    return this.loss.rtt.smoothedRttMs;
  }

  /** Probe timeouts in a row without an answer (above 0: the path may have failed). */
  get ptoCount(): number {
    return this.loss.ptoCount;
  }

  /** A read-only copy of the path as its owner may see it (see {@link PathSnapshot}). */
  snapshot(): PathSnapshot {
    return {
      id: this.id,
      local: { host: this.local.host, port: this.local.port },
      remote: { host: this.remote.host, port: this.remote.port },
      state: this.state,
      validated: this.validated,
      srttMs: this.loss.rtt.smoothedRttMs,
      minRttMs: this.loss.rtt.minRttMs,
      ptoCount: this.loss.ptoCount,
      cwndBytes: this.cc.cwnd,
      bytesInFlight: this.loss.bytesInFlight,
      mtuBytes: this.mtuBytes,
      stats: { ...this.stats },
    };
  }
}
