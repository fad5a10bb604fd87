/**
 * NewReno as RFC 9002 §7 specifies it for QUIC: slow start, congestion
 * avoidance, one window reduction per round trip, persistent congestion.
 * @module
 */
import type { CcPathInfo, CongestionController, RttSample } from './congestion-controller.js';
import { HyStartPlusPlus } from './hystart.js';
import {
  initialWindowBytes,
  minimumWindowBytes,
  NO_RECOVERY_MS,
  RENO_LOSS_REDUCTION_FACTOR,
} from './window.js';

/** Options of a {@link RenoController}. */
export interface RenoOptions {
  /** HyStart++ (RFC 9406) in the initial slow start. Default true. */
  readonly hystart?: boolean;
}

/**
 * A per-path NewReno controller (RFC 9002 §7, pseudocode in Appendix B).
 *
 * The window is kept as a fractional byte count so congestion avoidance's
 * `mds * acked / cwnd` increments are not rounded away; {@link cwnd} reports
 * whole bytes. Every method only updates number fields: nothing is
 * allocated per packet or per ACK.
 */
export class RenoController implements CongestionController {
  /** The path's maximum datagram size, bytes. */
  protected datagramBytes: number;
  /** The unrounded congestion window, bytes. */
  protected windowBytes: number;
  /** The path's maximum datagram size, bytes (the segment of the window rules). */
  get mdsBytes(): number {
    return this.datagramBytes;
  }

  /** Slow-start threshold, bytes; Infinity until the first congestion event. */
  protected thresholdBytes: number;
  /**
   * When the current recovery period began, ms. Packets sent at or before it
   * belong to the round trip that was already punished (RFC 9002 §7.3.2).
   */
  protected recoveryStartMs: number;
  /** True until the first ACK or congestion event, so an MTU change can re-derive the initial window (RFC 9002 §7.2). */
  protected pristine: boolean;
  /** HyStart++ for the initial slow start (RFC 9406); finished from the start when disabled. */
  readonly hystart: HyStartPlusPlus;

  /** A controller for a new path, starting in slow start at the initial window. */
  constructor(info: CcPathInfo, options: RenoOptions = {}) {
    this.datagramBytes = info.maxDatagramSizeBytes;
    this.windowBytes = initialWindowBytes(info.maxDatagramSizeBytes);
    this.thresholdBytes = Number.POSITIVE_INFINITY;
    this.recoveryStartMs = NO_RECOVERY_MS;
    this.pristine = true;
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

  /** When the current recovery period began, ms; -Infinity when none has. */
  get recoveryStartTimeMs(): number {
    return this.recoveryStartMs;
  }

  /** NewReno keeps no per-packet state: the path tracks bytes in flight. */
  onPacketSent(_nowMs: number, _bytes: number, _bytesInFlight: number): void {}

  /** Grows the window per RFC 9002 §7.3.1 (slow start) or §7.3.3 (congestion avoidance). */
  onAck(nowMs: number, sentAtMs: number, bytes: number, rtt: RttSample, appLimited: boolean): void {
    this.pristine = false;
    // §7.3.2: no growth while recovering; the period ends with the first
    // ACK of a packet sent after it began.
    if (sentAtMs <= this.recoveryStartMs) return;
    const hystart = this.hystart;
    if (hystart.active && this.windowBytes < this.thresholdBytes) {
      // RFC 9406: the growth of this ACK uses the phase it arrived in; RTT
      // samples and rounds count even when the window is under-used.
      const divisor = hystart.growthDivisor;
      const cssDone = hystart.onAck(nowMs, sentAtMs, rtt.latestMs);
      if (!appLimited) this.windowBytes += bytes / divisor;
      // CSS ran its rounds: congestion avoidance from here (RFC 9406 §4.2).
      if (cssDone) this.thresholdBytes = this.windowBytes;
      return;
    }
    // §7.8: an under-used window says nothing about the path's capacity.
    if (appLimited) return;
    if (this.windowBytes < this.thresholdBytes) {
      this.windowBytes += bytes;
    } else {
      this.windowBytes = this.grownWindowBytes(bytes);
    }
  }

  /**
   * The window after `bytes` were acknowledged in congestion avoidance. NewReno (§7.3.3 / Appendix
   * B.5): about one datagram per window of ACKed bytes. Coupled controllers replace the rule.
   */
  protected grownWindowBytes(bytes: number): number {
    return this.windowBytes + (this.datagramBytes * bytes) / this.windowBytes;
  }

  /** The window a congestion event cuts to, before the minimum-window floor: NewReno halves it. */
  protected reducedWindowBytes(): number {
    return this.windowBytes * RENO_LOSS_REDUCTION_FACTOR;
  }

  /** A recovery period begins, before the window is cut (coupled controllers keep books here). */
  protected onRecoveryStart(): void {}

  /** Halves the window once per round trip; collapses it on persistent congestion (RFC 9002 §7.3.2, §7.6.2). */
  onCongestionEvent(nowMs: number, sentAtMs: number, _lostBytes: number, persistent: boolean): void {
    this.pristine = false;
    // RFC 9406 §4.2: a loss in slow start or CSS ends HyStart++.
    this.hystart.stop();
    if (sentAtMs > this.recoveryStartMs) {
      this.recoveryStartMs = nowMs;
      this.onRecoveryStart();
      this.thresholdBytes = Math.max(this.reducedWindowBytes(), minimumWindowBytes(this.datagramBytes));
      this.windowBytes = this.thresholdBytes;
    }
    if (persistent) {
      // §7.6.2 / Appendix B.8: restart from the minimum window in slow start
      // (ssthresh stays as just set), and leave recovery so that ACKs of new
      // packets can grow the window again.
      this.windowBytes = minimumWindowBytes(this.datagramBytes);
      this.recoveryStartMs = NO_RECOVERY_MS;
    }
  }

  /**
   * Follows a PMTU change: the minimum window is two of the new datagrams,
   * and a window nothing has happened to yet becomes the new initial window
   * (RFC 9002 §7.2 "SHOULD be recalculated").
   */
  onMtuUpdate(maxDatagramSizeBytes: number): void {
    this.datagramBytes = maxDatagramSizeBytes;
    if (this.pristine) this.windowBytes = initialWindowBytes(maxDatagramSizeBytes);
    this.windowBytes = Math.max(this.windowBytes, minimumWindowBytes(maxDatagramSizeBytes));
  }

  /** Uncoupled: nothing to leave. */
  close(): void {}
}
