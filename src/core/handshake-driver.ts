import { RETRY_TOKEN_MAC_LENGTH, RETRY_TOKEN_MAX_DCID_LENGTH } from '../crypto/retry-token.js';
import { MptError, MptErrorCode } from '../errors.js';
import { equalBytes } from './bytes.js';
import { MIN_DATAGRAM_SIZE } from './config.js';
import type { ConnectionEvent } from './connection-events.js';
import type { Transmit } from './datagram-endpoint.js';
import type { FrameSource, FrameWriter } from './frame-writer.js';
import type { SentFrameOwner } from './packet-contents.js';
import { ClientHandshake, type AcceptedInitial, type ClientHandshakeConfig, type HandshakeOutcome, type ServerHandshake } from './handshake.js';
import { HandshakeFlight } from './handshake-flight.js';
import { HandshakeAttempts, type RaceSettings } from './happy-eyeballs/attempts.js';
import type { RaceAttempt, RaceTarget } from './happy-eyeballs/race.js';
import { sameAddress, type SocketAddress } from './socket-address.js';
import { encodeFrame, frameLength, longHeaderLength, ReasonCode, WIRE_VERSION, type Frame, type TransportParams } from './wire/index.js';

/**
 * A connection's handshake, driven to completion: the Noise messages in long-header packets, their
 * retransmission and deadline, the happy-eyeballs race of a client's Initial, a Retry, version
 * negotiation failure, and the handshake's confirmation (HANDSHAKE_DONE). It owns the handshake state
 * and its deadline (the datagram in flight is a {@link HandshakeFlight}, the race's bookkeeping
 * {@link HandshakeAttempts}); it reaches the connection only through a {@link HandshakeHost}.
 * @module
 */

/** Server keys a client rejects before it gives up on the handshake. */
const MAX_REJECTED_SERVER_KEYS = 3;
/**
 * Bytes a Retry token can add to an Initial: address (IPv6 + port), the original DCID, the MAC, its
 * header, and a 2-byte length varint. Early data must leave room for it (docs/protocol.md §3.5).
 */
const RETRY_TOKEN_ROOM = 10 + 18 + 1 + RETRY_TOKEN_MAX_DCID_LENGTH + RETRY_TOKEN_MAC_LENGTH + 1;
const EMPTY = new Uint8Array(0);

/** What the handshake driver needs from its connection. */
export interface HandshakeHost {
  /** Whether the connection is closing, draining or closed. */
  isClosing(): boolean;
  /** Whether the peer's address on path 0 is validated (a server repeats message 2 only until it is). */
  addressValidated(): boolean;
  /** Whether `bytes` more may go to the peer's address under the anti-amplification limit (RFC 9000 §8.1). */
  mayAmplify(bytes: number): boolean;
  /** `bytes` went to the peer's address (counted against that limit). */
  noteSent(bytes: number): void;
  /** Path 0's PTO base once it has an RTT sample, ms; undefined before, or without path 0. */
  ptoBaseMs(): number | undefined;
  /** Reports an event to the owner. */
  emit(event: ConnectionEvent): void;
  /** A packet was dropped (counted). */
  dropPacket(): void;
  /** A handshake datagram did not fit the caller's buffer and was not sent (counted). */
  dropOversized(): void;
  /**
   * The handshake completed: path 0 starts at `path0` (our socket, the peer's address and the CID we
   * send to), with the handshake's round trip, `rttMs`, as its first RTT sample (-1: none).
   */
  onEstablished(outcome: HandshakeOutcome, path0: Path0Start, rttMs: number, nowMs: number): void;
  /** Client: message 3 was lost, so our 1-RTT packets were unreadable: queue again what path 0 has outstanding (not congestion). */
  requeueUnreadable(): void;
  /** The handshake failed: the connection closes without a CLOSE (the peer may have no keys to read one). */
  fail(reasonCode: number, error: MptError): void;
  /** Client: another address of the server answered our Initial (a late success), for the path manager. */
  addRemoteAddress(nowMs: number, address: SocketAddress): void;
}

/** Where path 0 starts once the handshake completes. */
export interface Path0Start {
  /** Our socket. */
  readonly local: SocketAddress;
  /** The peer's address. */
  readonly remote: SocketAddress;
  /** The CID we send to: the server's SCID from message 2 (client), the client's SCID from its Initial (server). */
  readonly remoteCid: Uint8Array;
}

/** What a handshake driver starts from. */
export interface HandshakeDriverInit {
  /** Which end of the handshake this is. */
  readonly role: 'client' | 'server';
  /** When the connection starts, ms. */
  readonly nowMs: number;
  /** Our socket. */
  readonly local: SocketAddress;
  /** The peer. */
  readonly remote: SocketAddress;
  /** Our handshake SCID (the CID we receive on for path 0). */
  readonly localCid: Uint8Array;
  /** Client: the random DCID of its first Initial. Server: the client's SCID. */
  readonly remoteCid: Uint8Array;
  /** The RTT assumed before any sample, ms. */
  readonly initialRttMs: number;
  /** A client's happy-eyeballs race, if any. */
  readonly race?: RaceSettings | undefined;
}

/** A client's handshake settings, as {@link HandshakeDriver.startClient} takes them. */
export type ClientStart = Omit<ClientHandshakeConfig, 'earlyFrames'>;

/** Drives one connection's handshake; see the module comment. */
export class HandshakeDriver implements FrameSource, SentFrameOwner<null> {
  /** The handshake outcome (keys, the peer's parameters) once complete. */
  private done: HandshakeOutcome | undefined;
  private readonly role: 'client' | 'server';
  private readonly host: HandshakeHost;
  /** Our handshake SCID. */
  private readonly localCid: Uint8Array;
  /** Where handshake datagrams go, and path 0 starts: our socket and the peer's address. */
  private localAddress: SocketAddress;
  private remoteAddress: SocketAddress;
  /** The happy-eyeballs attempts: a client's race, a server's answers to other attempts. */
  private readonly attempts: HandshakeAttempts;
  /** The client's handshake state; undefined on a server. */
  private clientHandshake: ClientHandshake | undefined;
  /** The client's Initial payload (mode byte and Noise message 1), kept for a Retry. */
  private clientInitialPayload: Uint8Array | undefined;
  /** The server's handshake state; undefined on a client. */
  private serverHandshake: ServerHandshake | undefined;
  /** The handshake datagram in flight: pending, kept for repeats, retransmitted on a client's deadline. */
  private readonly flight: HandshakeFlight;
  /** An RTT sample from the handshake exchange, ms, to seed path 0's estimator; -1 if none. */
  private handshakeRttMs = -1;
  /** Client: true once a 1-RTT packet from the server authenticated (RFC 9001 §4.1.2 "confirmed"). Server: once complete. */
  private handshakeConfirmed = false;
  private rejectedServerKeys = 0;
  /** Server: HANDSHAKE_DONE is due (again, if lost); and whether the client acknowledged it. */
  private handshakeDonePending = false;
  private handshakeDoneAcked = false;
  /** Client, after a Retry: the next Initial echoes this token to the Retry's SCID. */
  private retryToken: Uint8Array = EMPTY;
  /** The DCID we send long headers to: the client's random first DCID, the Retry's SCID, then the server's SCID. */
  private initialRemoteCid: Uint8Array;
  /** Client: the DCID of its very first Initial, which the server must echo (RFC 9000 §7.3). */
  private readonly originalDcid: Uint8Array;
  /** Client: the SCID of the Retry, if one came. */
  private retryScid: Uint8Array | undefined;

  /** A driver with nothing sent yet: {@link startClient} or {@link startServer} begins the handshake. */
  constructor(init: HandshakeDriverInit, host: HandshakeHost) {
    this.role = init.role;
    this.host = host;
    // Before any RTT sample, twice the initial RTT; after the handshake's own sample, a PTO (RFC 9002 §6.2.1).
    this.flight = new HandshakeFlight(init.role === 'client', () => host.ptoBaseMs() ?? 2 * init.initialRttMs);
    this.localCid = init.localCid;
    this.localAddress = init.local;
    this.remoteAddress = init.remote;
    this.originalDcid = init.remoteCid;
    this.initialRemoteCid = init.remoteCid;
    const first = { local: init.local, remote: init.remote };
    this.attempts = new HandshakeAttempts((e) => host.emit(e), first, init.role === 'client' ? init.race : undefined, init.nowMs);
  }

  /** The handshake outcome once complete, else undefined. */
  get outcome(): HandshakeOutcome | undefined {
    return this.done;
  }

  /** Whether the handshake is confirmed: a server once complete, a client once the server's first 1-RTT packet came. */
  get confirmed(): boolean {
    return this.handshakeConfirmed;
  }

  /** Our socket the handshake runs from (where path 0 starts). */
  get local(): SocketAddress {
    return this.localAddress;
  }

  /** The peer's address the handshake runs to (where path 0 starts). */
  get remote(): SocketAddress {
    return this.remoteAddress;
  }

  /**
   * Client: builds the Initial (with early data in it, when given) and queues it, with its first attempt.
   * Returns an error for a configuration that cannot work, or early data too large for the Initial.
   */
  startClient(config: ClientStart, earlyData: Uint8Array | undefined, nowMs: number): MptError | undefined {
    let earlyFrames: Uint8Array | undefined;
    if (earlyData !== undefined && earlyData.length > 0) {
      // 0-RTT data rides in the Initial; it is also written to the stream as
      // usual and sent again after the handshake, which the receiver
      // deduplicates (docs/protocol.md §3.6).
      const frame: Frame = { type: 'data', offset: 0, data: earlyData, fin: false, explicitLength: true };
      earlyFrames = new Uint8Array(frameLength(frame));
      encodeFrame(earlyFrames, 0, frame);
    }
    const hs = ClientHandshake.create({ ...config, earlyFrames });
    if (hs.isErr()) return hs.error;
    const first = hs.value.initialPayload();
    if (first.isErr()) return first.error;
    if (earlyData !== undefined && earlyFrames !== undefined) {
      // 0-RTT data rides in the Initial, which must stay within the 1200 bytes every path carries, with room
      // for a Retry token (a larger Initial could exceed the path, or the caller's datagram buffer).
      const header = { type: 'initial', version: WIRE_VERSION, dcid: this.initialRemoteCid, scid: this.localCid, token: EMPTY, packetNumber: 0, packetNumberLength: 4 } as const;
      const datagram = longHeaderLength(header, first.value.length) + first.value.length + RETRY_TOKEN_ROOM;
      if (datagram > MIN_DATAGRAM_SIZE) {
        const most = earlyData.length - (datagram - MIN_DATAGRAM_SIZE);
        return new MptError(MptErrorCode.InvalidConfig, `earlyData of ${earlyData.length} bytes does not fit the Initial (at most ${Math.max(0, most)} bytes here)`);
      }
    }
    this.clientHandshake = hs.value;
    this.clientInitialPayload = first.value;
    this.queueHandshake('initial', first.value, nowMs);
    this.attempts.start();
    return undefined;
  }

  /** Server: queues message 2 for an accepted Initial; an IK or PSK handshake completes here. */
  startServer(accepted: AcceptedInitial, nowMs: number): void {
    this.serverHandshake = accepted.handshake;
    this.queueHandshake('handshake', accepted.reply, nowMs);
    if (accepted.handshake.outcome !== undefined) this.complete(accepted.handshake.outcome, nowMs);
  }

  // ----- input ----------------------------------------------------------------------------

  /**
   * A long-header packet for this connection (Handshake, or a repeated Initial), arrived at our socket
   * `local` from `remote`; the connection is neither draining nor closed.
   */
  receive(nowMs: number, local: SocketAddress, remote: SocketAddress, type: 'initial' | 'handshake', scid: Uint8Array, payload: Uint8Array): void {
    const elsewhere = !sameAddress(local, this.localAddress) || !sameAddress(remote, this.remoteAddress);
    if (this.role === 'server') this.receiveAsServer(nowMs, local, remote, type, payload, elsewhere);
    else this.receiveAsClient(nowMs, local, remote, type, scid, payload, elsewhere);
  }

  private receiveAsServer(nowMs: number, local: SocketAddress, remote: SocketAddress, type: 'initial' | 'handshake', payload: Uint8Array, elsewhere: boolean): void {
    if (type === 'initial' && elsewhere) {
      // The same Initial through another of our addresses (or from another of the client's sockets): a
      // happy-eyeballs attempt of the same connect(), never a second connection. Answer it there, so
      // the client learns that destination works too (a padded Initial of >= 1200 bytes for a message 2
      // of a few hundred: no amplification); the client's message 3 then says which one it chose.
      if (this.flight.current !== undefined) this.attempts.queueReply({ local, remote });
      return;
    }
    if (type === 'initial') {
      // Our message 2 was lost: the client repeats its Initial; repeat the answer until a 1-RTT packet
      // from the client shows it has the keys (an IK server is complete at once, yet its message 2 may be lost).
      if (!this.host.addressValidated()) this.flight.repeat();
      return;
    }
    const hs = this.serverHandshake;
    if (hs === undefined || this.done !== undefined) return this.host.dropPacket();
    const outcome = hs.readClientFinal(payload);
    if (outcome.isErr()) return this.host.dropPacket();
    // Message 3 goes where the client's winning attempt went: path 0 runs there.
    this.localAddress = local;
    this.remoteAddress = remote;
    this.takeHandshakeRttSample(nowMs);
    this.complete(outcome.value, nowMs);
  }

  private receiveAsClient(nowMs: number, local: SocketAddress, remote: SocketAddress, type: 'initial' | 'handshake', scid: Uint8Array, payload: Uint8Array, elsewhere: boolean): void {
    const hs = this.clientHandshake;
    if (type === 'handshake' && this.done !== undefined && elsewhere) {
      // Message 2 again, through another attempt of our race: a late success, offered to the path manager.
      this.onLateAnswer({ local, remote }, nowMs);
      return this.host.dropPacket();
    }
    if (type === 'handshake' && this.done !== undefined && !this.handshakeConfirmed && this.flight.current !== undefined) {
      // The server repeats message 2: our message 3 was lost, so it could read none of our 1-RTT packets.
      // Repeat message 3 now, and queue again what those packets carried (not congestion: no window cut).
      this.flight.repeat();
      this.host.requeueUnreadable();
      return;
    }
    if (type !== 'handshake' || hs === undefined || this.done !== undefined) return this.host.dropPacket();
    const read = hs.readServerMessage(payload);
    if (read.isErr()) {
      // Forged, corrupt, or presenting a key the application rejected: drop it and keep waiting for the
      // genuine server, since XX message 1 is in clear and anyone can answer it. Give up only after
      // several rejected keys, reporting the mismatch.
      this.host.dropPacket();
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
    this.localAddress = local;
    this.remoteAddress = remote;
    this.initialRemoteCid = scid.slice();
    const won = this.attempts.win({ local, remote }, nowMs);
    if (won !== undefined) {
      // The attempt's own round trip, unless a retransmission since makes it ambiguous (RFC 9002 §5.1 spirit).
      if (!this.flight.retransmitted) this.handshakeRttMs = nowMs - won.startedAtMs;
    } else this.takeHandshakeRttSample(nowMs);
    this.flight.stopTimer();
    this.complete(read.value.outcome, nowMs);
    if (read.value.reply !== undefined) {
      // XX message 3: a new flight, timed from the RTT just measured rather than the initial guess.
      this.flight.restartBackoff();
      this.queueHandshake('handshake', read.value.reply, nowMs);
    }
  }

  /** The server asked for a retry: resend the Initial with its token to its new CID. */
  handleRetry(nowMs: number, retryScid: Uint8Array, token: Uint8Array): void {
    if (this.role !== 'client' || this.done !== undefined || this.retryToken.length > 0 || this.clientHandshake === undefined) return;
    if (this.flight.current === undefined) return;
    this.retryToken = token.slice();
    this.retryScid = retryScid.slice();
    this.initialRemoteCid = retryScid.slice();
    // Noise message 1 depends on nothing the Retry changes: resend the same bytes in a new Initial.
    const payload = this.clientInitialPayload;
    if (payload !== undefined) this.queueHandshake('initial', payload, nowMs);
  }

  /**
   * A Version Negotiation packet named this connection: the server speaks no version of ours, and the
   * attempt fails. It is unauthenticated, so it counts only for a client that has processed no packet of
   * the server yet (no message 2, no Retry: RFC 9000 §6.2) and only from the address the Initial went to
   * (`from`, when given). Anything else is ignored; returns whether the connection closed.
   */
  failVersionNegotiation(error: MptError, from?: SocketAddress): boolean {
    if (this.role !== 'client' || this.done !== undefined || this.retryToken.length > 0 || this.host.isClosing()) return false;
    if (from !== undefined && (from.host !== this.remoteAddress.host || from.port !== this.remoteAddress.port)) return false;
    this.host.fail(ReasonCode.VersionNegotiationError, error);
    return true;
  }

  /** Server: a 1-RTT packet it cannot read yet arrived (XX message 3 was lost): repeat message 2, at most once per round trip, which makes the client repeat message 3. */
  onUnreadablePacket(nowMs: number): void {
    if (this.role === 'server' && this.done === undefined) this.flight.repeatWhenUnanswered(nowMs);
  }

  /** A 1-RTT packet of the peer authenticated: for a client, the handshake is confirmed. */
  onAuthenticatedPacket(): void {
    if (this.role === 'client') this.confirm();
  }

  /** Client: HANDSHAKE_DONE arrived (or the server's first 1-RTT packet): message 3 no longer needs repeating. */
  confirm(): void {
    if (this.handshakeConfirmed) return;
    this.handshakeConfirmed = true;
    this.flight.stop();
  }

  /**
   * The time since the current handshake message left, ms, if it went out once (Karn), else -1: an RTT
   * sample when its answer arrives now.
   */
  rttSampleMs(nowMs: number): number {
    return this.flight.rttSampleMs(nowMs);
  }

  /** Server: path 0 answers from `local`, the address the client's winning attempt chose (an IK or PSK server made path 0 at the first Initial). */
  moveLocal(local: SocketAddress): void {
    this.localAddress = local;
  }

  // ----- race -----------------------------------------------------------------------------

  /**
   * A client's destinations learnt while connecting (a DNS answer that came after the race started, RFC
   * 8305 §3): appended to the race (one is started if there was none: the first destination becomes
   * attempt 0, as of the connect), one attempt delay after the latest attempt. Returns false, adding
   * nothing, once the handshake is done or for a server.
   */
  addRaceDestinations(nowMs: number, targets: readonly RaceTarget[], attemptDelayMs: number): boolean {
    if (this.role !== 'client' || this.done !== undefined || this.host.isClosing() || targets.length === 0) return false;
    return this.attempts.add({ local: this.localAddress, remote: this.remoteAddress }, targets, attemptDelayMs, nowMs);
  }

  /** A client's happy-eyeballs attempts (a copy of each), or an empty list without a race. */
  raceAttempts(): RaceAttempt[] {
    return this.attempts.list();
  }

  /**
   * The owner learnt that an attempt's destination is unreachable (an ICMP error, a send that failed):
   * the attempt stops, and the next one starts at once if no other is running. Returns true when every
   * attempt of the race has now failed (the owner then fails the connect).
   */
  failAttempt(nowMs: number, local: SocketAddress, remote: SocketAddress, reason: string): boolean {
    if (!this.attempts.racing || this.done !== undefined) return false;
    if (this.attempts.fail({ local, remote }, reason, nowMs)) this.retargetHandshake();
    return this.attempts.allFailed();
  }

  /** Another attempt answered after the race was won: a late success. */
  private onLateAnswer(target: RaceTarget, nowMs: number): void {
    if (this.attempts.lateAnswer(target, nowMs) === undefined) return;
    // Another address of the server: the path manager may open a path there (validated by PATH_CHALLENGE).
    // Another local socket to the same address is already covered by our local addresses.
    if (!sameAddress(target.remote, this.remoteAddress)) this.host.addRemoteAddress(nowMs, target.remote);
  }

  /** When the primary destination's attempt failed, the Initial's retransmissions go to a running attempt instead. */
  private retargetHandshake(): void {
    const next = this.attempts.retarget({ local: this.localAddress, remote: this.remoteAddress });
    if (next === undefined) return;
    this.localAddress = next.local;
    this.remoteAddress = next.remote;
  }

  // ----- timers ---------------------------------------------------------------------------

  /** When the handshake next needs {@link handleTimeout}, ms, or undefined. */
  nextTimeout(): number | undefined {
    const race = this.done === undefined ? this.attempts.nextTimeout() : undefined;
    const timer = this.flight.nextTimeout();
    if (timer === undefined) return race;
    return race === undefined || timer < race ? timer : race;
  }

  /** Retransmits the handshake datagram, and starts race attempts, when due at `nowMs`. */
  handleTimeout(nowMs: number): void {
    if (this.flight.handleTimeout(nowMs) && this.done === undefined) {
      // Every running attempt gets the retransmission (RFC 8305 §5: attempts are never cancelled).
      this.attempts.onRetransmit({ local: this.localAddress, remote: this.remoteAddress });
    }
    if (this.done === undefined && this.attempts.racing) {
      this.attempts.handleTimeout(nowMs);
      this.retargetHandshake();
    }
  }

  /** A probe timeout on a path: until the server confirms, our probes are unreadable to it if XX message 3 was lost, so repeat it too. */
  onProbeTimeout(): void {
    if (this.role === 'client' && !this.handshakeConfirmed && this.flight.current !== undefined) this.flight.repeat();
  }

  // ----- output ---------------------------------------------------------------------------

  /** The next handshake datagram to send, written into `out`, or undefined. */
  pollTransmit(nowMs: number, out: Uint8Array): Transmit | undefined {
    const handshake = this.flight.pending;
    if (handshake !== undefined && handshake.length > out.length) {
      // Never written past the caller's buffer (early data is bounded, so this is a driver bug): counted.
      this.flight.dropPending();
      this.host.dropOversized();
    } else if (handshake !== undefined && this.host.mayAmplify(handshake.length)) {
      this.flight.onSent(nowMs);
      out.set(handshake, 0);
      this.host.noteSent(handshake.length);
      return { local: this.localAddress, remote: this.remoteAddress, length: handshake.length };
    }
    return this.nextAttemptTransmit(out);
  }

  /** Server: whether HANDSHAKE_DONE is due in the next packet. */
  get framesDue(): boolean {
    return this.handshakeDonePending;
  }

  /** Writes HANDSHAKE_DONE (server). */
  writeFrames(w: FrameWriter): void {
    w.put({ type: 'handshakeDone' });
    w.record<null>(this, null);
    this.handshakeDonePending = false;
  }

  /** A packet carrying HANDSHAKE_DONE was acknowledged. */
  onFrameAcked(): void {
    this.handshakeDoneAcked = true;
  }

  /** A packet carrying HANDSHAKE_DONE will never be acknowledged: send it again, unless another copy was. */
  onFrameLost(): void {
    if (!this.handshakeDoneAcked) this.handshakeDonePending = true;
  }

  /**
   * The handshake datagram owed to another happy-eyeballs destination: a client's Initial to a started
   * (or retransmitting) attempt, or a server's message 2 to an Initial repeated through another address.
   */
  private nextAttemptTransmit(out: Uint8Array): Transmit | undefined {
    const client = this.role === 'client';
    const bytes = this.flight.current;
    if (!this.attempts.hasOwed) return undefined;
    if (bytes === undefined || bytes.length > out.length || (client && this.done !== undefined) || (!client && !this.host.mayAmplify(bytes.length))) {
      if (client || bytes === undefined) this.attempts.clearOwed();
      return undefined;
    }
    const target = this.attempts.takeOwed() as RaceTarget;
    out.set(bytes, 0);
    if (!client) this.host.noteSent(bytes.length);
    return { local: target.local, remote: target.remote, length: bytes.length };
  }

  // ----- internals ------------------------------------------------------------------------

  /** Makes `message` the handshake datagram in flight, to the peer's current handshake CID (an Initial with any Retry token). */
  private queueHandshake(type: 'initial' | 'handshake', message: Uint8Array, nowMs: number): void {
    this.flight.queue(type, this.initialRemoteCid, this.localCid, this.retryToken, message, nowMs);
  }

  /** The reply to our last handshake message arrived: an RTT sample if that message went out once (Karn). */
  private takeHandshakeRttSample(nowMs: number): void {
    const sample = this.rttSampleMs(nowMs);
    if (sample >= 0) this.handshakeRttMs = sample;
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

  private complete(outcome: HandshakeOutcome, nowMs: number): void {
    this.done = outcome;
    if (this.role === 'client') this.flight.forget(); // IK and PSK end here; XX queues message 3 next
    else {
      this.handshakeDonePending = true;
      this.handshakeConfirmed = true;
    }
    this.host.onEstablished(outcome, { local: this.localAddress, remote: this.remoteAddress, remoteCid: this.initialRemoteCid }, this.handshakeRttMs, nowMs);
  }

  private failHandshake(error: MptError): void {
    this.host.fail(ReasonCode.HandshakeFailed, error);
  }
}
