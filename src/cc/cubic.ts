/**
 * CUBIC (RFC 9438) on top of QUIC's loss recovery (RFC 9002): slow start and
 * the recovery period as NewReno, a cubic window curve in congestion
 * avoidance, the Reno-friendly region and fast convergence.
 * @module
 */
import type { CcPathInfo, CongestionController, RttSample } from './congestion-controller.js';
import { HyStartPlusPlus } from './hystart.js';
import { QueueBacklog, RANDOM_LOSS_BETA } from './queue-backlog.js';
import { initialWindowBytes, minimumWindowBytes, NO_RECOVERY_MS } from './window.js';

/** CUBIC's scaling constant C, in segments / s³ (RFC 9438 §5.1). */
export const CUBIC_C = 0.4;

/** CUBIC's multiplicative decrease factor β_cubic (RFC 9438 §4.6). */
export const CUBIC_BETA = 0.7;

/**
 * α_cubic: the additive increase, in segments per RTT, that makes the
 * Reno-friendly estimate grow as fast on average as Reno with β = 0.5,
 * 3 * (1 - β_cubic) / (1 + β_cubic) ≈ 0.529 (RFC 9438 §4.3).
 */
export const CUBIC_ALPHA = (3 * (1 - CUBIC_BETA)) / (1 + CUBIC_BETA);

/** Options of a {@link CubicController}. */
export interface CubicOptions {
  /** Fast convergence (RFC 9438 §4.7): release bandwidth sooner to a new flow. Default true. */
  readonly fastConvergence?: boolean;
  /** HyStart++ (RFC 9406) in the initial slow start (RFC 9438 §4.10). Default true. */
  readonly hystart?: boolean;
  /**
   * Take a loss while the flow has almost nothing queued at its bottleneck
   * as random (radio) loss, not congestion: decrease by
   * {@link RANDOM_LOSS_BETA} instead of β_cubic and skip fast convergence
   * (see {@link QueueBacklog}; docs/cc.md). Default true; false gives RFC
   * 9438 exactly.
   */
  readonly randomLossTolerance?: boolean;
}

/** Sentinel for "no congestion-avoidance epoch under way". */
const NO_EPOCH = Number.NaN;

/**
 * A per-path CUBIC controller (RFC 9438).
 *
 * The window is in bytes; the cubic curve is evaluated in segments (C is
 * defined per segment) and scaled by the current maximum datagram size.
 * `t` runs from the first congestion-avoidance ACK after a reduction (the
 * start of the epoch, §4.2) and stops while the sender is application
 * limited or idle (§5.8). All state is number fields: no allocation per ACK.
 */
export class CubicController implements CongestionController {
  /** The path's maximum datagram size, bytes. */
  private mdsBytes: number;
  /** The unrounded congestion window, bytes. */
  private windowBytes: number;
  /** Slow-start threshold, bytes; Infinity until the first congestion event. */
  private thresholdBytes: number;
  /** Start of the current recovery period, ms (RFC 9002 §7.3.2). */
  private recoveryStartMs: number;
  /** W_max: the window just before the last reduction (after fast convergence), bytes (§4.6, §4.7). */
  private wMaxBytes: number;
  /** cwnd_prior: the window when ssthresh was last set, bytes (§4.3 uses it to switch α). */
  private cwndPriorBytes: number;
  /** Start of the congestion-avoidance epoch on the engine clock, ms; NaN when none. */
  private epochStartMs: number;
  /** K: time from the epoch start until the curve reaches W_max again, s (§4.2 eq. 2). */
  private kSeconds: number;
  /** W_est: the Reno-friendly window estimate, bytes (§4.3). */
  private wEstBytes: number;
  /** Time of the last ACK, or of a restart after idle, ms: the reference for §5.8's epoch shift. */
  private lastProgressMs: number;
  /**
   * When the window first grew in the current epoch (a congestion-avoidance
   * ACK while not application limited), ms; NaN until then. A loss of a
   * packet sent before it measured the window the last reduction set, not a
   * saturation point the flow probed: fast convergence does not apply (§4.7).
   */
  private probingSinceMs: number;
  /** Set by persistent congestion: the next epoch starts with K = 0 and W_max = cwnd (§4.8). */
  private afterTimeout: boolean;
  /** True until the first ACK or congestion event (RFC 9002 §7.2 re-derivation on MTU change). */
  private pristine: boolean;
  /** Whether fast convergence (§4.7) is on. */
  private readonly fastConvergence: boolean;
  /** The bottleneck backlog estimate that tells random loss from congestion; undefined when that is off. */
  private readonly backlog: QueueBacklog | undefined;
  /** Congestion events taken as random loss (diagnostics and tests). */
  randomLossEvents = 0;
  /** HyStart++ for the initial slow start (RFC 9406); finished from the start when disabled. */
  readonly hystart: HyStartPlusPlus;

  /** A controller for a new path, starting in slow start at the initial window. */
  constructor(info: CcPathInfo, options: CubicOptions = {}) {
    this.mdsBytes = info.maxDatagramSizeBytes;
    this.windowBytes = initialWindowBytes(info.maxDatagramSizeBytes);
    this.thresholdBytes = Number.POSITIVE_INFINITY;
    this.recoveryStartMs = NO_RECOVERY_MS;
    this.wMaxBytes = 0;
    this.cwndPriorBytes = 0;
    this.epochStartMs = NO_EPOCH;
    this.kSeconds = 0;
    this.wEstBytes = 0;
    this.lastProgressMs = info.nowMs;
    this.probingSinceMs = Number.NaN;
    this.afterTimeout = false;
    this.pristine = true;
    this.fastConvergence = options.fastConvergence ?? true;
    this.backlog = options.randomLossTolerance === false ? undefined : new QueueBacklog();
    this.hystart = new HyStartPlusPlus(info.nowMs);
    if (options.hystart === false) this.hystart.stop();
  }

  /** Congestion window, whole bytes. */
  get cwnd(): number {
    return Math.floor(this.windowBytes);
  }

  /** Slow-start threshold, whole bytes; Infinity until the first congestion event. */
  get ssthresh(): number {
    return Math.floor(this.thresholdBytes);
  }

  /** W_max, bytes (diagnostics and tests). */
  get wMax(): number {
    return this.wMaxBytes;
  }

  /** K of the current epoch, seconds (diagnostics and tests). */
  get k(): number {
    return this.kSeconds;
  }

  /** The Reno-friendly estimate W_est, bytes (diagnostics and tests). */
  get wEst(): number {
    return this.wEstBytes;
  }

  /** When the current epoch started, ms, shifted forward by app-limited and idle time; NaN outside congestion avoidance. */
  get epochStart(): number {
    return this.epochStartMs;
  }

  /**
   * W_cubic(t) in bytes for `tSeconds` after the epoch start:
   * C * (t - K)³ + W_max, in segments, times the datagram size (§4.2 eq. 1).
   */
  cubicWindowBytes(tSeconds: number): number {
    const d = tSeconds - this.kSeconds;
    return CUBIC_C * d * d * d * this.mdsBytes + this.wMaxBytes;
  }

  /**
   * A send with nothing else in flight restarts the path after idle: move
   * the epoch forward by the idle time so the curve does not jump ahead on
   * account of a period with no feedback (RFC 9438 §5.8).
   */
  onPacketSent(nowMs: number, bytes: number, bytesInFlight: number): void {
    if (bytesInFlight <= bytes) {
      if (!Number.isNaN(this.epochStartMs) && nowMs > this.lastProgressMs) {
        this.epochStartMs = Math.min(this.epochStartMs + (nowMs - this.lastProgressMs), nowMs);
      }
      this.lastProgressMs = nowMs;
    }
  }

  /** Grows the window: slow start as NewReno, then CUBIC's curve or the Reno-friendly estimate (§4.2-§4.5). */
  onAck(nowMs: number, sentAtMs: number, bytes: number, rtt: RttSample, appLimited: boolean): void {
    this.pristine = false;
    const sinceProgressMs = nowMs - this.lastProgressMs;
    this.lastProgressMs = nowMs;
    this.backlog?.onRttSample(nowMs, rtt);
    // RFC 9002 §7.3.2: no growth during the recovery period.
    if (sentAtMs <= this.recoveryStartMs) return;
    const hystart = this.hystart;
    if (hystart.active && this.windowBytes < this.thresholdBytes) {
      // §4.10 with RFC 9406: the growth of this ACK uses the phase it arrived
      // in; RTT samples and rounds count even when the window is under-used.
      const divisor = hystart.growthDivisor;
      const cssDone = hystart.onAck(nowMs, sentAtMs, rtt.latestMs);
      if (!appLimited) this.windowBytes += bytes / divisor;
      if (cssDone) {
        // §4.10: left slow start without a loss, so W_max is undefined; the
        // first epoch starts at its inflection point (K = 0, W_max = cwnd)
        // and W_est switches to α = 1 at once (cwnd_prior = cwnd).
        this.thresholdBytes = this.windowBytes;
        this.cwndPriorBytes = this.windowBytes;
        this.wMaxBytes = 0;
      }
      return;
    }
    if (appLimited) {
      // §5.8: do not grow, and freeze t so the time spent limited does not
      // count towards the curve when the sender is busy again.
      if (!Number.isNaN(this.epochStartMs) && sinceProgressMs > 0) {
        this.epochStartMs = Math.min(this.epochStartMs + sinceProgressMs, nowMs);
      }
      return;
    }
    if (this.windowBytes < this.thresholdBytes) {
      // §4.10: slow starts after the first (persistent congestion) are standard.
      this.windowBytes += bytes;
      return;
    }
    if (Number.isNaN(this.epochStartMs)) this.startEpoch(nowMs);
    if (Number.isNaN(this.probingSinceMs)) this.probingSinceMs = nowMs;

    const mds = this.mdsBytes;
    const window = this.windowBytes;
    // §4.3: W_est grows by α segments per window of ACKed segments; once it
    // has caught up with the window before the last reduction, Reno's own
    // rate (α = 1) applies.
    const alpha = this.wEstBytes >= this.cwndPriorBytes ? 1 : CUBIC_ALPHA;
    this.wEstBytes += (alpha * mds * bytes) / window;

    const tSeconds = (nowMs - this.epochStartMs) / 1000;
    if (this.cubicWindowBytes(tSeconds) < this.wEstBytes) {
      // §4.3: the Reno-friendly region; never shrink the window on an ACK.
      if (this.wEstBytes > window) this.windowBytes = this.wEstBytes;
      return;
    }
    // §4.4/§4.5: aim one RTT ahead, clamped to [cwnd, 1.5 cwnd], and close
    // (target - cwnd) / cwnd of the gap per segment ACKed.
    let target = this.cubicWindowBytes(tSeconds + rtt.smoothedMs / 1000);
    if (target < window) target = window;
    else if (target > 1.5 * window) target = 1.5 * window;
    this.windowBytes = window + ((target - window) * bytes) / window;
  }

  /** Multiplicative decrease by β_cubic once per round trip, with fast convergence; minimum window on persistent congestion (§4.6-§4.8). */
  onCongestionEvent(nowMs: number, sentAtMs: number, _lostBytes: number, persistent: boolean): void {
    this.pristine = false;
    // RFC 9406 §4.2: a loss in slow start or CSS ends HyStart++.
    this.hystart.stop();
    if (sentAtMs > this.recoveryStartMs) {
      this.recoveryStartMs = nowMs;
      this.epochStartMs = NO_EPOCH;
      const window = this.windowBytes;
      // §4.7: a loss below the previous W_max means another flow is taking
      // a share; remember a lower plateau so this flow yields sooner. Only
      // if the window got there by probing: a packet sent before the window
      // grew again (the round right after a reduction, or an epoch spent
      // application limited) was lost at the window the last reduction set,
      // which says nothing about a lower saturation point.
      const probed = sentAtMs > this.probingSinceMs; // false while NaN
      // A loss with the bottleneck queue nearly empty was not caused by this
      // flow filling it: a milder cut, and no sign of a competitor either.
      const random = this.backlog !== undefined && !persistent && this.backlog.isRandomLoss(window, this.mdsBytes);
      if (random) this.randomLossEvents++;
      this.wMaxBytes =
        this.fastConvergence && probed && !random && window < this.wMaxBytes ? (window * (1 + CUBIC_BETA)) / 2 : window;
      this.probingSinceMs = Number.NaN;
      this.cwndPriorBytes = window;
      // §4.6 allows cwnd in place of flight size: the path's window is what
      // the sender was allowed, and the engine may not fill it exactly.
      this.thresholdBytes = Math.max(window * (random ? RANDOM_LOSS_BETA : CUBIC_BETA), minimumWindowBytes(this.mdsBytes));
      this.windowBytes = this.thresholdBytes;
    }
    if (persistent) {
      // RFC 9002 §7.6.2 and RFC 9438 §4.8: back to the minimum window and
      // slow start; the first epoch after it uses K = 0, W_max = cwnd.
      this.windowBytes = minimumWindowBytes(this.mdsBytes);
      this.recoveryStartMs = NO_RECOVERY_MS;
      this.epochStartMs = NO_EPOCH;
      this.afterTimeout = true;
    }
  }

  /** Follows a PMTU change as NewReno does (RFC 9002 §7.2); W_max and W_est stay in bytes. */
  onMtuUpdate(maxDatagramSizeBytes: number): void {
    this.mdsBytes = maxDatagramSizeBytes;
    if (this.pristine) this.windowBytes = initialWindowBytes(maxDatagramSizeBytes);
    this.windowBytes = Math.max(this.windowBytes, minimumWindowBytes(maxDatagramSizeBytes));
  }

  /** Uncoupled: nothing to leave. */
  close(): void {}

  /**
   * Begins a congestion-avoidance epoch at the current window, cwnd_epoch
   * (§4.2): K = cbrt((W_max - cwnd_epoch) / C) seconds, W_est = cwnd_epoch.
   * With no higher plateau to return to (first epoch, after persistent
   * congestion, or a slow start that overshot W_max) the curve starts at
   * its inflection point: K = 0, W_max = cwnd (§4.8).
   */
  private startEpoch(nowMs: number): void {
    const window = this.windowBytes;
    this.epochStartMs = nowMs;
    this.wEstBytes = window;
    if (this.afterTimeout || this.wMaxBytes <= window) {
      this.wMaxBytes = window;
      this.kSeconds = 0;
    } else {
      this.kSeconds = Math.cbrt((this.wMaxBytes - window) / this.mdsBytes / CUBIC_C);
    }
    this.afterTimeout = false;
  }
}
