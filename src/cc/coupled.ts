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
import type { CcPathInfo, CongestionGroup, RttSample } from './congestion-controller.js';
import { RenoController } from './reno.js';
import { minimumWindowBytes } from './window.js';

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
export class CoupledController extends RenoController {
  /** The path's latest smoothed RTT, ms; 0 before its first ACK. */
  private srttMs: number;
  /** Bytes acknowledged since the last reduction (OLIA's l_r, current interval). */
  private sinceLossBytes: number;
  /** Bytes acknowledged between the last two reductions (OLIA's l_r, previous interval). */
  private betweenLossesBytes: number;
  /** The group this controller belongs to. */
  readonly group: CoupledGroup;
  private closed: boolean;

  /**
   * A controller for a new path of `group`'s connection; use {@link CoupledGroup.createController}.
   * Everything but the congestion-avoidance increase and the cut on loss is NewReno's (slow start with
   * HyStart++, one reduction per recovery period, persistent congestion, app-limited rule).
   */
  constructor(info: CcPathInfo, group: CoupledGroup, options: CoupledOptions = {}) {
    super(info, options);
    this.srttMs = 0;
    this.sinceLossBytes = 0;
    this.betweenLossesBytes = 0;
    this.group = group;
    this.closed = false;
  }

  /** The unrounded window the coupled rules use, bytes. */
  get windowExactBytes(): number {
    return this.windowBytes;
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

  /** Keeps the path's RTT and delivered bytes for the group, then grows the window as NewReno would, with the group's rule in congestion avoidance. */
  override onAck(nowMs: number, sentAtMs: number, bytes: number, rtt: RttSample, appLimited: boolean): void {
    this.srttMs = rtt.smoothedMs;
    this.sinceLossBytes += bytes;
    super.onAck(nowMs, sentAtMs, bytes, rtt, appLimited);
  }

  /**
   * The group's increase for `bytes` acknowledged, never below the minimum window. A negative one (OLIA's
   * α on a largest-window path) takes ssthresh down with the window: the path stays in congestion
   * avoidance, where the next ACK would otherwise find the window under ssthresh and slow-start it a
   * whole datagram back up.
   */
  protected override grownWindowBytes(bytes: number): number {
    const grown = Math.max(this.windowBytes + this.group.increaseBytes(this, bytes), minimumWindowBytes(this.datagramBytes));
    if (grown < this.thresholdBytes) this.thresholdBytes = grown;
    return grown;
  }

  /** The group's decrease. */
  protected override reducedWindowBytes(): number {
    return this.group.windowAfterLossBytes(this);
  }

  /** Tells the group, and closes the current interval of delivered bytes (OLIA's l_r). */
  protected override onRecoveryStart(): void {
    this.group.onReduction(this);
    if (this.sinceLossBytes > 0) {
      this.betweenLossesBytes = this.sinceLossBytes;
      this.sinceLossBytes = 0;
    }
  }

  /** Leaves the group: the other paths' rules no longer count this one. */
  override close(): void {
    if (this.closed) return;
    this.closed = true;
    this.group.leave(this);
  }
}
