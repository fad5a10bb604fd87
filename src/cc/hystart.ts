/**
 * HyStart++ (RFC 9406): the initial slow start leaves early when the round
 * trip time starts to grow (a queue is building), through a few rounds of
 * Conservative Slow Start (CSS) that either confirm the exit or return to
 * slow start if the delay increase was a fluke.
 *
 * Rounds are tracked by send time instead of sequence numbers: a round
 * begins at an ACK, and ends with the first ACK of a packet sent after that
 * ACK (RFC 9406 §4.2's windowEnd = SND.NXT, then "windowEnd is ACKed").
 * Packets sent at the very millisecond the round began belong to the round
 * before, as packets sent at a recovery start belong to the period before
 * (RFC 9002 §7.3.2). An RTT sample is one ACK, not one packet: the engine
 * reports every packet an ACK frame newly acknowledges with the same time
 * and RTT, so ACKs at one `nowMs` count once. The engine always paces, so
 * the per-ACK growth limit L is infinite (§4.3).
 * @module
 */

/** Smallest delay increase that ends slow start, ms (RFC 9406 §4.3 MIN_RTT_THRESH). */
export const HYSTART_MIN_RTT_THRESH_MS = 4;
/** Largest delay increase needed to end slow start, ms (§4.3 MAX_RTT_THRESH). */
export const HYSTART_MAX_RTT_THRESH_MS = 16;
/** The threshold is lastRoundMinRTT / MIN_RTT_DIVISOR within those bounds (§4.3). */
export const HYSTART_MIN_RTT_DIVISOR = 8;
/** RTT samples a round needs before its minimum is compared (§4.3 N_RTT_SAMPLE). */
export const HYSTART_N_RTT_SAMPLE = 8;
/** Window growth in CSS is slow start's divided by this (§4.3 CSS_GROWTH_DIVISOR). */
export const HYSTART_CSS_GROWTH_DIVISOR = 4;
/** Rounds of CSS before congestion avoidance (§4.3 CSS_ROUNDS). */
export const HYSTART_CSS_ROUNDS = 5;

/** Where HyStart++ is: slow start, Conservative Slow Start, or finished (congestion avoidance or a loss). */
export type HyStartPhase = 'slow-start' | 'css' | 'done';

const SS = 0;
const CSS = 1;
const DONE = 2;
const PHASE_NAMES: readonly HyStartPhase[] = ['slow-start', 'css', 'done'];

/**
 * RttThresh = max(MIN_RTT_THRESH, min(lastRoundMinRTT / MIN_RTT_DIVISOR, MAX_RTT_THRESH)),
 * the delay increase over the last round's minimum that ends slow start (RFC 9406 §4.2).
 */
export function hystartRttThresholdMs(lastRoundMinRttMs: number): number {
  return Math.max(
    HYSTART_MIN_RTT_THRESH_MS,
    Math.min(lastRoundMinRttMs / HYSTART_MIN_RTT_DIVISOR, HYSTART_MAX_RTT_THRESH_MS),
  );
}

/**
 * HyStart++ state for one controller's initial slow start (RFC 9406 §4.2).
 * The controller grows its window by `bytesAcked / growthDivisor` while
 * {@link active}, calls {@link onAck} for every ACK in slow start, and
 * {@link stop} on a congestion event. Number fields only: no allocation per ACK.
 */
export class HyStartPlusPlus {
  private phaseCode: number;
  /** Start of the current round, ms: it ends with the first ACK of a packet sent after this. */
  private roundStartMs: number;
  private lastRoundMinRttMs: number;
  private currentRoundMinRttMs: number;
  private rttSampleCount: number;
  /** Time of the last counted RTT sample (one per ACK), ms. */
  private lastSampleAtMs: number;
  private cssBaselineMinRttMs: number;
  /** Round ends seen since CSS began; the round in which it began counts as the first. */
  private cssRoundsDone: number;

  /** State for a path opened at `nowMs`: slow start, first round under way. */
  constructor(nowMs: number) {
    this.phaseCode = SS;
    this.roundStartMs = nowMs;
    this.lastRoundMinRttMs = Number.POSITIVE_INFINITY;
    this.currentRoundMinRttMs = Number.POSITIVE_INFINITY;
    this.rttSampleCount = 0;
    this.lastSampleAtMs = Number.NaN;
    this.cssBaselineMinRttMs = Number.POSITIVE_INFINITY;
    this.cssRoundsDone = 0;
  }

  /** The current phase. */
  get phase(): HyStartPhase {
    return PHASE_NAMES[this.phaseCode] as HyStartPhase;
  }

  /** Whether HyStart++ still governs slow start (slow start or CSS). */
  get active(): boolean {
    return this.phaseCode !== DONE;
  }

  /** What slow start's growth is divided by now: 1, or CSS_GROWTH_DIVISOR in CSS. */
  get growthDivisor(): number {
    return this.phaseCode === CSS ? HYSTART_CSS_GROWTH_DIVISOR : 1;
  }

  /** The minimum RTT of the last complete round, ms (Infinity before one). */
  get lastRoundMinRtt(): number {
    return this.lastRoundMinRttMs;
  }

  /** The minimum RTT of the current round so far, ms. */
  get currentRoundMinRtt(): number {
    return this.currentRoundMinRttMs;
  }

  /** The current round's minimum RTT when CSS began, ms; Infinity outside CSS. */
  get cssBaselineMinRtt(): number {
    return this.cssBaselineMinRttMs;
  }

  /**
   * An ACK in slow start or CSS: a packet sent at `sentAtMs` was acknowledged
   * at `nowMs` with RTT sample `latestRttMs`. Returns true when CSS has run
   * CSS_ROUNDS rounds: the caller enters congestion avoidance with
   * ssthresh = cwnd (RFC 9406 §4.2). Does nothing once {@link active} is false.
   */
  onAck(nowMs: number, sentAtMs: number, latestRttMs: number): boolean {
    if (this.phaseCode === DONE) return false;
    if (nowMs !== this.lastSampleAtMs) {
      this.lastSampleAtMs = nowMs;
      if (latestRttMs < this.currentRoundMinRttMs) this.currentRoundMinRttMs = latestRttMs;
      this.rttSampleCount++;
    }
    if (this.rttSampleCount >= HYSTART_N_RTT_SAMPLE) {
      if (this.phaseCode === SS) {
        const last = this.lastRoundMinRttMs;
        const current = this.currentRoundMinRttMs;
        if (Number.isFinite(last) && Number.isFinite(current) && current >= last + hystartRttThresholdMs(last)) {
          this.phaseCode = CSS;
          this.cssBaselineMinRttMs = current;
          this.cssRoundsDone = 0;
        }
      } else if (this.currentRoundMinRttMs < this.cssBaselineMinRttMs) {
        // The delay increase was spurious: back to slow start, HyStart++ included.
        this.phaseCode = SS;
        this.cssBaselineMinRttMs = Number.POSITIVE_INFINITY;
      }
    }
    if (sentAtMs > this.roundStartMs) {
      // The first packet of the current round was ACKed: the round ends.
      if (this.phaseCode === CSS && ++this.cssRoundsDone >= HYSTART_CSS_ROUNDS) {
        this.phaseCode = DONE;
        return true;
      }
      this.roundStartMs = nowMs;
      this.lastRoundMinRttMs = this.currentRoundMinRttMs;
      this.currentRoundMinRttMs = Number.POSITIVE_INFINITY;
      this.rttSampleCount = 0;
    }
    return false;
  }

  /** A congestion event (or persistent congestion) ends HyStart++: later slow starts are standard (RFC 9406 §4.2). */
  stop(): void {
    this.phaseCode = DONE;
    this.cssBaselineMinRttMs = Number.POSITIVE_INFINITY;
  }
}
