/**
 * The coupled form of the controller interface: per-path controllers that
 * share one {@link CoupledGroup} per connection. Everything but the
 * congestion-avoidance increase and the loss decrease is NewReno as RFC 9002
 * §7 has it (slow start with HyStart++, one reduction per recovery period,
 * persistent congestion, no growth while application-limited); the group
 * supplies those two rules from the state of every path (LIA, OLIA, BALIA).
 *
 * Windows are bytes. The published rules count segments; each is written
 * here in bytes with the updated path's maximum datagram size `mds_r` as the
 * segment, so a path whose PMTU differs from its siblings' keeps the
 * algorithm's byte rates (RFC 6356's own form:
 * `bytes_acked * MSS_i / cwnd_i`).
 * @module
 */
import type { CcPathInfo, CongestionController, CongestionGroup, RttSample } from './congestion-controller.js';
import { HyStartPlusPlus } from './hystart.js';
import { initialWindowBytes, minimumWindowBytes, NO_RECOVERY_MS } from './window.js';

/** Options of a coupled controller. */
export interface CoupledOptions {
  /** HyStart++ (RFC 9406) in the initial slow start. Default true. */
  readonly hystart?: boolean;
}

/**
 * One connection's coupled controllers and the rules that couple them.
 * A controller joins when {@link createController} makes it and leaves on
 * `close()`; only members with an RTT sample take part in the sums (a path
 * that has carried nothing yet has no rate).
 */
export abstract class CoupledGroup implements CongestionGroup {
  /** The paths' controllers, in the order they joined. */
  protected readonly members: CoupledController[] = [];
  private readonly options: CoupledOptions;

  constructor(options: CoupledOptions = {}) {
    this.options = options;
  }

  /** A controller for a new path; it shares this group until it is closed. */
  createController(info: CcPathInfo): CoupledController {
    const c = new CoupledController(info, this, this.options);
    this.members.push(c);
    return c;
  }

  /** Controllers of open paths, in the order they joined. */
  get controllers(): readonly CoupledController[] {
    return this.members;
  }

  /** Called by a controller's close(). */
  leave(c: CoupledController): void {
    const i = this.members.indexOf(c);
    if (i >= 0) this.members.splice(i, 1);
  }

  /** Bytes to add to `c`'s window for `bytes` acknowledged in congestion avoidance (may be negative: OLIA). */
  abstract increaseBytes(c: CoupledController, bytes: number): number;

  /** `c`'s window after a congestion event, before the minimum-window floor. */
  abstract windowAfterLossBytes(c: CoupledController): number;

  /** Called when `c` starts a recovery period (before its window is cut). */
  onReduction(_c: CoupledController): void {}
}

/**
 * A path's controller in a {@link CoupledGroup}. It keeps the path's own
 * state (window, ssthresh, recovery period, smoothed RTT, bytes delivered
 * between losses) where the group can read it; every method only updates
 * number fields.
 */
export class CoupledController implements CongestionController {
  /** The path's maximum datagram size, bytes. */
  private mds: number;
  /** The unrounded congestion window, bytes. */
  private windowBytes: number;
  /** Slow-start threshold, bytes; Infinity until the first congestion event. */
  private thresholdBytes: number;
  /** Start of the current recovery period, ms (RFC 9002 §7.3.2). */
  private recoveryStartMs: number;
  /** True until the first ACK or congestion event (RFC 9002 §7.2 initial window on MTU change). */
  private pristine: boolean;
  /** The latest smoothed RTT of the path, ms; 0 before its first ACK. */
  private srttMs: number;
  /** Bytes acknowledged since the last reduction (OLIA's l_r, current interval). */
  private sinceLossBytes: number;
  /** Bytes acknowledged between the last two reductions (OLIA's l_r, previous interval). */
  private betweenLossesBytes: number;
  /** HyStart++ for the initial slow start (RFC 9406). */
  readonly hystart: HyStartPlusPlus;
  /** The group this controller belongs to. */
  readonly group: CoupledGroup;
  private closed: boolean;

  /** A controller for a new path of `group`'s connection; use {@link CoupledGroup.createController}. */
  constructor(info: CcPathInfo, group: CoupledGroup, options: CoupledOptions = {}) {
    this.mds = info.maxDatagramSizeBytes;
    this.windowBytes = initialWindowBytes(info.maxDatagramSizeBytes);
    this.thresholdBytes = Number.POSITIVE_INFINITY;
    this.recoveryStartMs = NO_RECOVERY_MS;
    this.pristine = true;
    this.srttMs = 0;
    this.sinceLossBytes = 0;
    this.betweenLossesBytes = 0;
    this.hystart = new HyStartPlusPlus(info.nowMs);
    if (options.hystart === false) this.hystart.stop();
    this.group = group;
    this.closed = false;
  }

  /** Congestion window, whole bytes. */
  get cwnd(): number {
    return Math.floor(this.windowBytes);
  }

  /** Slow-start threshold, whole bytes; Infinity until the first congestion event. */
  get ssthresh(): number {
    return Math.floor(this.thresholdBytes);
  }

  /** The unrounded window the coupled rules use, bytes. */
  get windowExactBytes(): number {
    return this.windowBytes;
  }

  /** The path's maximum datagram size, bytes (the segment of the published rules). */
  get mdsBytes(): number {
    return this.mds;
  }

  /** The path's latest smoothed RTT, ms; 0 before its first ACK (such a path is left out of the sums). */
  get smoothedRttMs(): number {
    return this.srttMs;
  }

  /** Whether the path has an RTT sample and so takes part in the group's sums. */
  get hasRtt(): boolean {
    return this.srttMs > 0;
  }

  /**
   * OLIA's l_r: bytes acknowledged between the last two reductions, or since
   * the last one if that is more (Khalili et al. §IV; ACKed bytes, as the
   * Linux implementation counts them).
   */
  get interLossBytes(): number {
    return Math.max(this.sinceLossBytes, this.betweenLossesBytes);
  }

  /** The path tracks bytes in flight; nothing to do per packet. */
  onPacketSent(_nowMs: number, _bytes: number, _bytesInFlight: number): void {}

  /** Slow start as NewReno (with HyStart++); congestion avoidance by the group's rule. */
  onAck(nowMs: number, sentAtMs: number, bytes: number, rtt: RttSample, appLimited: boolean): void {
    this.pristine = false;
    this.srttMs = rtt.smoothedMs;
    this.sinceLossBytes += bytes;
    // RFC 9002 §7.3.2: no growth while recovering.
    if (sentAtMs <= this.recoveryStartMs) return;
    const hystart = this.hystart;
    if (hystart.active && this.windowBytes < this.thresholdBytes) {
      const divisor = hystart.growthDivisor;
      const cssDone = hystart.onAck(nowMs, sentAtMs, rtt.latestMs);
      if (!appLimited) this.windowBytes += bytes / divisor;
      if (cssDone) this.thresholdBytes = this.windowBytes;
      return;
    }
    // §7.8: an under-used window says nothing about the path's capacity.
    if (appLimited) return;
    if (this.windowBytes < this.thresholdBytes) {
      this.windowBytes += bytes;
      return;
    }
    const grown = this.windowBytes + this.group.increaseBytes(this, bytes);
    this.windowBytes = Math.max(grown, minimumWindowBytes(this.mds));
  }

  /** The group's decrease once per recovery period; the minimum window on persistent congestion (RFC 9002 §7.3.2, §7.6.2). */
  onCongestionEvent(nowMs: number, sentAtMs: number, _lostBytes: number, persistent: boolean): void {
    this.pristine = false;
    this.hystart.stop();
    if (sentAtMs > this.recoveryStartMs) {
      this.recoveryStartMs = nowMs;
      this.group.onReduction(this);
      if (this.sinceLossBytes > 0) {
        this.betweenLossesBytes = this.sinceLossBytes;
        this.sinceLossBytes = 0;
      }
      this.thresholdBytes = Math.max(this.group.windowAfterLossBytes(this), minimumWindowBytes(this.mds));
      this.windowBytes = this.thresholdBytes;
    }
    if (persistent) {
      this.windowBytes = minimumWindowBytes(this.mds);
      this.recoveryStartMs = NO_RECOVERY_MS;
    }
  }

  /** As NewReno: a pristine window becomes the new initial window; never below two datagrams. */
  onMtuUpdate(maxDatagramSizeBytes: number): void {
    this.mds = maxDatagramSizeBytes;
    if (this.pristine) this.windowBytes = initialWindowBytes(maxDatagramSizeBytes);
    this.windowBytes = Math.max(this.windowBytes, minimumWindowBytes(maxDatagramSizeBytes));
  }

  /** Leaves the group: the other paths' rules no longer count this one. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.group.leave(this);
  }
}
