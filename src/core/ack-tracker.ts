/**
 * The receive side of one path's packet number space: which packets arrived,
 * duplicate detection, when an ACK is due (RFC 9000 §13.2.1-2) and the ACK
 * frame itself. ACKs for a path may travel on any path (docs/protocol.md §7.3),
 * so the frame names its path id.
 * @module
 */
import { ackFrameFromRanges, encodeAckDelay, type AckFrame, type PacketNumberRange } from './wire/index.js';

/**
 * Most ranges one tracker keeps (the wire allows 256). When a new gap would
 * exceed it, the oldest range is forgotten (RFC 9000 §13.2.3 lets a receiver
 * bound its ACK state); the peer has almost surely declared those packets
 * lost or seen them acknowledged already.
 */
export const MAX_TRACKED_ACK_RANGES = 64;

/** RFC 9000 §13.2.2: acknowledge at least every second ack-eliciting packet. */
export const ACK_ELICITING_THRESHOLD = 2;

/**
 * ACK decimation: once the path's round-trip time is known and the peer
 * sends many packets per round trip, in-order packets are acknowledged every
 * `flight / ACKS_PER_RTT` packets (at most {@link MAX_ACK_ELICITING_THRESHOLD})
 * instead of every second one, and the delayed ACK waits at most a quarter
 * RTT. The sender still gets about eight ACKs per round trip, so its ACK
 * clock, slow start and pacing keep running; out-of-order packets are still
 * acknowledged at once, so loss detection is as fast as before. At 50 Mbit/s
 * this divides the receiver's ACK datagrams by five (as Chromium's ACK
 * decimation and the QUIC ACK frequency draft do; RFC 9000 §13.2.2 allows a
 * receiver to ack less often when it knows the cost).
 */
export const ACKS_PER_RTT = 8;
/** Most in-order ack-eliciting packets held back before an ACK under decimation. */
export const MAX_ACK_ELICITING_THRESHOLD = 10;

/** One range of received packet numbers, inclusive. Mutable inside the tracker only. */
class Range implements PacketNumberRange {
  smallest: number;
  largest: number;
  constructor(smallest: number, largest: number) {
    this.smallest = smallest;
    this.largest = largest;
  }
}

/** Options of an {@link AckTracker}. */
export interface AckTrackerConfig {
  /** Path whose packet number space this is; written into every ACK frame. */
  readonly pathId: number;
  /** Our max_ack_delay transport parameter, in ms: the longest we hold back an ACK. Default 25. */
  readonly maxAckDelayMs?: number;
  /** Our ack_delay_exponent transport parameter. Default 3. */
  readonly ackDelayExponent?: number;
  /** Ranges kept at most, 1..256. Default {@link MAX_TRACKED_ACK_RANGES}. */
  readonly maxRanges?: number;
}

/**
 * Received packet numbers of one path and the ACK schedule. Times are ms.
 *
 * Use: {@link onPacketReceived} for every authenticated packet (drop it if
 * that returns false); send an ACK when `nowMs >= ackDueAtMs` (or piggyback
 * one whenever {@link hasNewPackets}); build it with {@link buildAckFrame} and
 * call {@link onAckSent}; when the packet that carried an ACK is acknowledged,
 * call {@link onAckOfAckFrame} with that ACK's largest acknowledged.
 */
export class AckTracker {
  /** Path id written into ACK frames. */
  readonly pathId: number;
  /** Our max_ack_delay, in ms. */
  readonly maxAckDelayMs: number;
  /** Our ack_delay_exponent. */
  readonly ackDelayExponent: number;
  /** When an ACK must be sent, in ms, or undefined if no ack-eliciting packet awaits one. */
  ackDueAtMs: number | undefined;
  /** Largest packet number received, or -1. */
  largestReceivedPn: number;
  /** When the largest packet number was received, in ms (the ACK Delay is measured from it, RFC 9000 §13.2.5). */
  largestReceivedAtMs: number;
  /** Packets below this number are treated as duplicates: their ranges were forgotten (RFC 9000 §13.2.3). */
  minAcceptedPn: number;
  /** Whether a packet arrived since the last ACK sent, so an ACK would tell the peer something new. */
  hasNewPackets: boolean;
  /** Ack-eliciting packets received since the last ACK sent. */
  private ackElicitingSinceAck: number;
  /**
   * The path's smoothed RTT in ms, kept up to date by the connection; 0 while
   * unknown, which turns ACK decimation off.
   */
  rttMs: number;
  /** Ack-eliciting packets received in the current RTT-long window, and when that window began (ms). */
  private windowPackets: number;
  private windowStartMs: number;
  /** Ack-eliciting packets received in the last complete RTT-long window: the peer's flight, roughly. */
  private flightPackets: number;
  /** Ranges in increasing order, disjoint and non-adjacent. */
  private readonly ranges: Range[];
  private readonly maxRanges: number;

  /** An empty tracker; see {@link AckTrackerConfig} for the defaults. */
  constructor(config: AckTrackerConfig) {
    this.pathId = config.pathId;
    this.maxAckDelayMs = config.maxAckDelayMs ?? 25;
    this.ackDelayExponent = config.ackDelayExponent ?? 3;
    this.maxRanges = Math.max(1, Math.min(256, config.maxRanges ?? MAX_TRACKED_ACK_RANGES));
    this.ackDueAtMs = undefined;
    this.largestReceivedPn = -1;
    this.largestReceivedAtMs = 0;
    this.minAcceptedPn = 0;
    this.hasNewPackets = false;
    this.ackElicitingSinceAck = 0;
    this.ranges = [];
    this.rttMs = 0;
    this.windowPackets = 0;
    this.windowStartMs = 0;
    this.flightPackets = 0;
  }

  /** In-order ack-eliciting packets to receive before an ACK is due at once: 2, or more under decimation. */
  get ackElicitingThreshold(): number {
    if (this.rttMs <= 0) return ACK_ELICITING_THRESHOLD;
    const n = Math.floor(this.flightPackets / ACKS_PER_RTT);
    return n <= ACK_ELICITING_THRESHOLD ? ACK_ELICITING_THRESHOLD : n >= MAX_ACK_ELICITING_THRESHOLD ? MAX_ACK_ELICITING_THRESHOLD : n;
  }

  /** Number of ranges currently tracked. */
  get rangeCount(): number {
    return this.ranges.length;
  }

  /** Whether packet `pn` was received and is still tracked (false for forgotten ones too). */
  contains(pn: number): boolean {
    const i = this.indexAtOrAbove(pn);
    const range = this.ranges[i];
    return range !== undefined && range.smallest <= pn;
  }

  /** Whether `pn` would be refused by {@link onPacketReceived} as a duplicate (received, or below the forgotten ranges). */
  isDuplicate(pn: number): boolean {
    return pn < this.minAcceptedPn || this.contains(pn);
  }

  /**
   * Records an authenticated packet and updates the ACK schedule.
   * @returns false if `pn` is a duplicate (already received, or below the
   *   forgotten ranges): the caller must drop the packet without processing
   *   its frames (RFC 9000 §12.3, §13.2.3).
   */
  onPacketReceived(pn: number, ackEliciting: boolean, nowMs: number): boolean {
    if (pn < this.minAcceptedPn) return false;
    const previousLargest = this.largestReceivedPn;
    if (!this.insert(pn)) return false;
    if (pn > previousLargest) {
      this.largestReceivedPn = pn;
      this.largestReceivedAtMs = nowMs;
    }
    this.hasNewPackets = true;
    // RFC 9000 §13.2.1: a non-ack-eliciting packet is acknowledged only along with something else.
    if (!ackEliciting) return true;
    this.ackElicitingSinceAck++;
    if (this.rttMs > 0) {
      if (nowMs - this.windowStartMs >= this.rttMs) {
        this.flightPackets = this.windowPackets;
        this.windowPackets = 0;
        this.windowStartMs = nowMs;
      }
      this.windowPackets++;
    }
    // §13.2.1: acknowledge immediately when a packet arrives out of order (below the largest, or leaving a
    // gap above it), so the peer's loss detection learns quickly; §13.2.2: and every second ack-eliciting
    // packet, or every few under decimation (see ACKS_PER_RTT).
    const outOfOrder = previousLargest >= 0 && pn !== previousLargest + 1;
    const threshold = this.ackElicitingThreshold;
    if (outOfOrder || this.ackElicitingSinceAck >= threshold) {
      this.ackDueAtMs = nowMs;
    } else if (this.ackDueAtMs === undefined) {
      // §13.2.1: otherwise within max_ack_delay of the first unacknowledged ack-eliciting packet (a quarter
      // RTT under decimation, so the held-back tail of a flight is not acknowledged late).
      const delay = threshold > ACK_ELICITING_THRESHOLD && this.rttMs / 4 < this.maxAckDelayMs ? this.rttMs / 4 : this.maxAckDelayMs;
      this.ackDueAtMs = nowMs + delay;
    }
    return true;
  }

  /**
   * The ACK frame for the packets received so far, or undefined if nothing
   * has been received (or everything was forgotten). Does not change state;
   * call {@link onAckSent} once it is actually sent.
   * @param nowMs when the ACK will be sent; the ACK Delay is the time since the largest packet arrived.
   * @param maxRanges most ranges to include (the newest), e.g. to fit the packet; default all tracked.
   */
  buildAckFrame(nowMs: number, maxRanges: number = this.ranges.length): AckFrame | undefined {
    const n = this.ranges.length;
    if (n === 0) return undefined;
    const count = Math.max(1, Math.min(maxRanges, n));
    const largestFirst: PacketNumberRange[] = new Array<PacketNumberRange>(count);
    for (let i = 0; i < count; i++) largestFirst[i] = this.ranges[n - 1 - i] as Range;
    const delayUs = Math.max(0, nowMs - this.largestReceivedAtMs) * 1000;
    return ackFrameFromRanges(this.pathId, largestFirst, encodeAckDelay(delayUs, this.ackDelayExponent));
  }

  /** Records that an ACK frame was sent: the ACK timer disarms until the next ack-eliciting packet. */
  onAckSent(): void {
    this.ackDueAtMs = undefined;
    this.ackElicitingSinceAck = 0;
    this.hasNewPackets = false;
  }

  /**
   * The peer acknowledged a packet carrying one of our ACK frames whose Largest
   * Acknowledged was `largestAckedInThatAck`: the peer knows about every packet
   * up to it, so stop acknowledging them (RFC 9000 §13.2.4). Later packets
   * at or below it are then treated as duplicates (§13.2.3).
   */
  onAckOfAckFrame(largestAckedInThatAck: number): void {
    if (largestAckedInThatAck < this.minAcceptedPn) return;
    this.minAcceptedPn = largestAckedInThatAck + 1;
    let drop = 0;
    while (drop < this.ranges.length && (this.ranges[drop] as Range).largest <= largestAckedInThatAck) drop++;
    if (drop > 0) this.ranges.splice(0, drop);
    const first = this.ranges[0];
    if (first !== undefined && first.smallest <= largestAckedInThatAck) first.smallest = largestAckedInThatAck + 1;
  }

  /** Index of the first range whose largest is >= pn (ranges.length if none). */
  private indexAtOrAbove(pn: number): number {
    let lo = 0;
    let hi = this.ranges.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.ranges[mid] as Range).largest < pn) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Adds `pn` to the ranges; false if it was already there. */
  private insert(pn: number): boolean {
    const ranges = this.ranges;
    const last = ranges[ranges.length - 1];
    // Fast path: in-order arrival extends or follows the newest range.
    if (last !== undefined && pn > last.largest) {
      if (pn === last.largest + 1) last.largest = pn;
      else this.pushRange(ranges.length, pn);
      return true;
    }
    if (last === undefined) {
      ranges.push(new Range(pn, pn));
      return true;
    }
    // The first range that contains pn or ends just below it (largest >= pn - 1).
    const i = this.indexAtOrAbove(pn - 1);
    const range = ranges[i] as Range; // exists: pn <= last.largest
    if (range.smallest <= pn && pn <= range.largest) return false;
    if (pn === range.largest + 1) {
      range.largest = pn;
      const next = ranges[i + 1];
      if (next !== undefined && next.smallest === pn + 1) {
        range.largest = next.largest;
        ranges.splice(i + 1, 1);
      }
      return true;
    }
    // pn < range.smallest, and the range below ends before pn - 1.
    if (pn === range.smallest - 1) range.smallest = pn;
    else this.pushRange(i, pn);
    return true;
  }

  private pushRange(index: number, pn: number): void {
    this.ranges.splice(index, 0, new Range(pn, pn));
    if (this.ranges.length > this.maxRanges) {
      // Keep the newest ranges: they matter to the peer's loss detection; the oldest are long settled.
      const dropped = this.ranges.shift() as Range;
      this.minAcceptedPn = dropped.largest + 1;
    }
  }
}
