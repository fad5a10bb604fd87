/**
 * Telling random loss from congestion, as TCP Veno does (Fu and Liew,
 * "TCP Veno: TCP Enhancement for Transmission over Wireless Access
 * Networks", IEEE JSAC 21(2), 2003).
 *
 * A drop-tail bottleneck drops packets when its queue is full, so a
 * congestion loss comes with queueing delay: the flow's backlog there,
 * N = cwnd × (1 − RTT_min / RTT), is large. A loss while N is a handful of
 * segments happened with the queue nearly empty: the radio, not the
 * bottleneck, dropped it. Wi-Fi and cellular paths, which mpt is built to
 * combine, lose packets that way, and halving (or cutting by 30%) for each
 * such loss keeps the window far below the path's capacity.
 *
 * The RTT used is the least sample of the last one to two round trips, not
 * the latest one: ACK delay and pacing add a few milliseconds of noise to
 * single samples, which a minimum removes while a standing queue, which
 * lasts for round trips, still shows.
 * @module
 */
import type { RttSample } from './congestion-controller.js';

/**
 * Backlog below which a loss is taken as random, in segments. Veno uses 3
 * with per-ACK RTTs; the windowed minimum here reads a nearly empty queue
 * as a few segments at 50 Mbit/s, and 10 segments is still far below any
 * bottleneck buffer that drop-tail congestion fills (a buffer this shallow
 * makes every loss look random: docs/cc.md says what that costs).
 */
export const RANDOM_LOSS_BACKLOG_SEGMENTS = 10;

/** Multiplicative decrease for a loss taken as random: 0.85, against CUBIC's 0.7 for congestion. */
export const RANDOM_LOSS_BETA = 0.85;

/** Estimates a flow's backlog at its bottleneck from RTT samples (RFC 9002 §5 values, ms). */
export class QueueBacklog {
  /** Start of the current sampling window, ms. */
  private windowStartMs = Number.NEGATIVE_INFINITY;
  /** Least RTT sample in the current window, ms. */
  private currentMinMs = Number.POSITIVE_INFINITY;
  /** Least RTT sample in the previous window, ms. */
  private previousMinMs = Number.POSITIVE_INFINITY;
  /** The path's minimum RTT, ms; Infinity before any sample. */
  private baseMs = Number.POSITIVE_INFINITY;

  /** An ACK's RTT sample; windows are one smoothed RTT long. */
  onRttSample(nowMs: number, rtt: RttSample): void {
    this.baseMs = rtt.minMs;
    if (nowMs - this.windowStartMs > rtt.smoothedMs) {
      this.previousMinMs = this.currentMinMs;
      this.currentMinMs = rtt.latestMs;
      this.windowStartMs = nowMs;
    } else if (rtt.latestMs < this.currentMinMs) {
      this.currentMinMs = rtt.latestMs;
    }
  }

  /** The recent RTT: least sample of the current and the previous window, ms; Infinity before any. */
  get recentRttMs(): number {
    return Math.min(this.currentMinMs, this.previousMinMs);
  }

  /** Segments of `windowBytes` that sit in a queue: window × (1 − RTT_min / recent RTT); Infinity before any sample. */
  backlogSegments(windowBytes: number, segmentBytes: number): number {
    const recent = this.recentRttMs;
    if (!Number.isFinite(recent) || recent <= 0) return Number.POSITIVE_INFINITY;
    return (windowBytes / segmentBytes) * Math.max(0, 1 - this.baseMs / recent);
  }

  /** Whether a loss now, at `windowBytes`, is taken as random rather than congestion. */
  isRandomLoss(windowBytes: number, segmentBytes: number): boolean {
    return this.backlogSegments(windowBytes, segmentBytes) < RANDOM_LOSS_BACKLOG_SEGMENTS;
  }
}
