import { MIN_DATAGRAM_SIZE } from './config.js';
import { encodeLongHeader, longHeaderLength, WIRE_VERSION } from './wire/index.js';

/**
 * The handshake datagram in flight: the last one built (a client's Initial or message 3, a server's
 * message 2), whether it is due to be sent (again), a client's retransmission deadline with exponential
 * backoff (a server repeats only when prompted), and when it went out, for an RTT sample taken only
 * from a datagram sent once (Karn). Driven by the {@link HandshakeDriver}.
 * @module
 */

/** One handshake datagram and its retransmission; see the module comment. */
export class HandshakeFlight {
  /** The datagram waiting to be sent, if any. */
  private due: Uint8Array | undefined;
  /** The last datagram built, for repeating. */
  private last: Uint8Array | undefined;
  /** When the datagram is retransmitted, ms (a client's only). */
  private timerMs: number | undefined;
  private backoff = 1;
  /** When the current datagram was first sent, ms; -1 before. */
  private firstSentAtMs = -1;
  /** When a datagram was last sent, ms; -1 before. */
  private lastSentAtMs = -1;
  /** Times the current datagram was sent. */
  private sends = 0;
  /** Server: least time between repeats prompted by unreadable 1-RTT packets, ms; -1 until measured. */
  private repeatGapMs = -1;
  private packetNumber = 0;

  /**
   * A flight that retransmits on its own deadline when `retransmits` (a client), the deadline being
   * `timeoutBaseMs()` times the backoff.
   */
  constructor(
    private readonly retransmits: boolean,
    private readonly timeoutBaseMs: () => number,
  ) {}

  /**
   * Builds the next handshake datagram, a long-header packet of `type` carrying `message` from `scid` to
   * `dcid` (an Initial with `token`, padded to 1200 bytes), and makes it due; a client's deadline is armed.
   */
  queue(type: 'initial' | 'handshake', dcid: Uint8Array, scid: Uint8Array, token: Uint8Array, message: Uint8Array, nowMs: number): void {
    const pn = this.packetNumber++;
    const header =
      type === 'initial'
        ? ({ type, version: WIRE_VERSION, dcid, scid, token, packetNumber: pn, packetNumberLength: 4 } as const)
        : ({ type, version: WIRE_VERSION, dcid, scid, packetNumber: pn, packetNumberLength: 4 } as const);
    const length = longHeaderLength(header, message.length) + message.length;
    // A client pads its Initial so a server never answers more than 3x what it got (docs/protocol.md §3.5).
    const datagram = new Uint8Array(type === 'initial' ? Math.max(length, MIN_DATAGRAM_SIZE) : length);
    datagram.set(message, encodeLongHeader(datagram, 0, header, message.length));
    this.due = datagram;
    this.last = datagram;
    this.sends = 0;
    this.firstSentAtMs = -1;
    if (this.retransmits) this.timerMs = nowMs + this.timeoutMs();
  }

  /** The datagram waiting to be sent, if any. */
  get pending(): Uint8Array | undefined {
    return this.due;
  }

  /** The last datagram built, while it may still need repeating (undefined once the handshake no longer needs it). */
  get current(): Uint8Array | undefined {
    return this.last;
  }

  /** Whether the current datagram's deadline has fired since it was built (its answer is then an ambiguous RTT sample). */
  get retransmitted(): boolean {
    return this.backoff !== 1;
  }

  /** Makes the last datagram due again (a repeat prompted by the peer, or by a probe timeout). */
  repeat(): void {
    this.due = this.last;
  }

  /** The pending datagram went out at `nowMs`. */
  onSent(nowMs: number): void {
    this.due = undefined;
    if (this.sends++ === 0) this.firstSentAtMs = nowMs;
    this.lastSentAtMs = nowMs;
  }

  /** The pending datagram will not be sent (it did not fit the caller's buffer). */
  dropPending(): void {
    this.due = undefined;
  }

  /** The last datagram needs no repeating any more (a pending send still goes). */
  forget(): void {
    this.last = undefined;
  }

  /** The answer came: no more retransmission on a deadline. */
  stopTimer(): void {
    this.timerMs = undefined;
  }

  /** A new flight follows an answer: its deadline starts from the first backoff again. */
  restartBackoff(): void {
    this.backoff = 1;
  }

  /** The handshake is over: nothing is due, kept or timed. */
  stop(): void {
    this.timerMs = undefined;
    this.due = undefined;
    this.last = undefined;
  }

  /** The retransmission deadline, ms, or undefined. */
  nextTimeout(): number | undefined {
    return this.timerMs;
  }

  /** Retransmits when the deadline is due at `nowMs`, backing off; returns whether it did. */
  handleTimeout(nowMs: number): boolean {
    if (this.timerMs === undefined || nowMs < this.timerMs) return false;
    this.due = this.last;
    this.backoff *= 2;
    this.timerMs = nowMs + this.timeoutMs();
    return true;
  }

  /** The time since the current datagram left, ms, if it went out once (Karn), else -1: an RTT sample when its answer arrives now. */
  rttSampleMs(nowMs: number): number {
    return this.sends === 1 && this.firstSentAtMs >= 0 ? nowMs - this.firstSentAtMs : -1;
  }

  /**
   * Server: the client shows it lacks our answer (its 1-RTT packets are unreadable to us, so its message 3
   * was lost): repeat the last datagram, at most once per round trip.
   */
  repeatWhenUnanswered(nowMs: number): void {
    if (this.last === undefined || this.lastSentAtMs < 0) return;
    const sinceSent = nowMs - this.lastSentAtMs;
    // The first such packet comes at least a round trip after message 2 left: that gap is the rate limit.
    if (this.repeatGapMs < 0) this.repeatGapMs = Math.max(sinceSent, 1);
    if (sinceSent >= this.repeatGapMs) this.due = this.last;
  }

  private timeoutMs(): number {
    return this.timeoutBaseMs() * this.backoff;
  }
}
