/**
 * Round-trip time estimation for one path, as RFC 9002 §5. Every path has its
 * own estimator: paths differ in delay, and a path's loss detection and PTO
 * must use its own RTT, not the connection's.
 * @module
 */

/** RFC 9002 §6.2.2: the RTT assumed before the first sample, in ms. */
export const DEFAULT_INITIAL_RTT_MS = 333;

/** RFC 9002 §6.1.2 kGranularity: the system timer granularity, in ms. */
export const TIMER_GRANULARITY_MS = 1;

/**
 * Latest, smoothed, variance and minimum RTT of one path (RFC 9002 §5).
 * All values are milliseconds; fractional values are fine.
 */
export class RttEstimator {
  /** The most recent RTT sample, ack delay not subtracted (RFC 9002 §5.2); 0 before any sample. */
  latestRttMs: number;
  /** Exponentially weighted moving average of adjusted samples (RFC 9002 §5.3); the initial RTT before any sample. */
  smoothedRttMs: number;
  /** Mean deviation of the samples (RFC 9002 §5.3); half the initial RTT before any sample. */
  rttVarMs: number;
  /** Smallest sample seen, ack delay not subtracted (RFC 9002 §5.2); Infinity before any sample. */
  minRttMs: number;
  /** When the first sample was taken, in ms; undefined before. Persistent congestion only considers packets sent after it (RFC 9002 §7.6.2). */
  firstSampleAtMs: number | undefined;
  /** The RTT assumed until the first sample, in ms. */
  readonly initialRttMs: number;

  /** @param initialRttMs RTT assumed before the first sample (RFC 9002 §6.2.2: 333 ms unless better known, e.g. from a previous path). */
  constructor(initialRttMs: number = DEFAULT_INITIAL_RTT_MS) {
    this.initialRttMs = initialRttMs;
    this.latestRttMs = 0;
    this.smoothedRttMs = initialRttMs;
    this.rttVarMs = initialRttMs / 2;
    this.minRttMs = Infinity;
    this.firstSampleAtMs = undefined;
  }

  /** Whether at least one RTT sample has been taken. */
  get hasSample(): boolean {
    return this.firstSampleAtMs !== undefined;
  }

  /**
   * Forgets every sample, as after a path's peer address changes (RFC 9000 §9.4):
   * the old path's RTT says nothing about the new one.
   */
  reset(): void {
    this.latestRttMs = 0;
    this.smoothedRttMs = this.initialRttMs;
    this.rttVarMs = this.initialRttMs / 2;
    this.minRttMs = Infinity;
    this.firstSampleAtMs = undefined;
  }

  /**
   * Takes one RTT sample (RFC 9002 §5.3).
   * @param latestRttMs time from sending the largest newly acknowledged packet to receiving its ACK, in ms.
   * @param ackDelayMs the peer's reported ack delay, in ms (decoded with its ack_delay_exponent).
   * @param maxAckDelayMs the peer's max_ack_delay, in ms; caps the ack delay once the handshake is confirmed.
   * @param handshakeConfirmed whether the handshake is confirmed (RFC 9001 §4.1.2); before that a peer may not yet
   *   apply its max_ack_delay, so the reported delay is used as is.
   * @param nowMs the time of the sample, in ms.
   */
  update(latestRttMs: number, ackDelayMs: number, maxAckDelayMs: number, handshakeConfirmed: boolean, nowMs: number): void {
    // A clock that steps backwards must not produce a negative RTT.
    const latest = latestRttMs > 0 ? latestRttMs : 0;
    this.latestRttMs = latest;
    if (this.firstSampleAtMs === undefined) {
      // §5.3: the first sample seeds everything; the ack delay is ignored.
      this.firstSampleAtMs = nowMs;
      this.minRttMs = latest;
      this.smoothedRttMs = latest;
      this.rttVarMs = latest / 2;
      return;
    }
    // §5.2: min_rtt ignores ack delay, so it can never be lowered by a peer that over-reports its delay.
    if (latest < this.minRttMs) this.minRttMs = latest;
    let ackDelay = ackDelayMs > 0 ? ackDelayMs : 0;
    if (handshakeConfirmed && ackDelay > maxAckDelayMs) ackDelay = maxAckDelayMs;
    // §5.3: subtract the ack delay only if the result stays at or above min_rtt.
    const adjusted = latest >= this.minRttMs + ackDelay ? latest - ackDelay : latest;
    this.rttVarMs = 0.75 * this.rttVarMs + 0.25 * Math.abs(this.smoothedRttMs - adjusted);
    this.smoothedRttMs = 0.875 * this.smoothedRttMs + 0.125 * adjusted;
  }

  /**
   * The probe timeout before backoff, in ms (RFC 9002 §6.2.1):
   * smoothed_rtt + max(4 * rttvar, kGranularity) + max_ack_delay.
   * @param maxAckDelayMs the peer's max_ack_delay in ms (0 where the peer acknowledges immediately).
   */
  ptoBaseMs(maxAckDelayMs: number): number {
    return ptoBaseFrom(this.smoothedRttMs, this.rttVarMs, maxAckDelayMs);
  }

  /** The PTO base before any sample (smoothed RTT `initialRttMs`, variance half of it), ms. */
  static initialPtoBaseMs(initialRttMs: number, maxAckDelayMs: number): number {
    return ptoBaseFrom(initialRttMs, initialRttMs / 2, maxAckDelayMs);
  }
}

/** RFC 9002 §6.2.1: `smoothed_rtt + max(4 * rttvar, kGranularity) + max_ack_delay`, ms. */
function ptoBaseFrom(smoothedRttMs: number, rttVarMs: number, maxAckDelayMs: number): number {
  return smoothedRttMs + Math.max(4 * rttVarMs, TIMER_GRANULARITY_MS) + maxAckDelayMs;
}
