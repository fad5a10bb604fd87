/**
 * Loss detection and probe timeout for one path, as RFC 9002 §6 and
 * appendix A, with one packet number space per path (docs/protocol.md §5).
 * The handshake runs separately (Noise, in long-header packets), so the
 * Initial/Handshake special cases of RFC 9002 (anti-amplification, handshake
 * PTO without packets in flight, skipping Application Data until confirmed)
 * do not apply: the PTO is armed only while ack-eliciting packets are in
 * flight, and always includes the peer's max_ack_delay.
 *
 * The detector tells the connection what happened; it does not retransmit.
 * Each {@link SentPacket} carries an opaque payload `T` so the connection
 * can requeue what a lost packet carried, on this path or any other.
 * @module
 */
import { RttEstimator, TIMER_GRANULARITY_MS } from './rtt-estimator.js';
import { SentPacket, SentPackets } from './sent-packets.js';
import type { PacketNumberRange } from './wire/index.js';

/** RFC 9002 §6.1.1 kPacketThreshold: reordering, in packets, tolerated before a packet is declared lost. */
export const PACKET_THRESHOLD = 3;
/**
 * Largest packet reordering threshold the detector adapts to after spurious
 * losses. Above it the time threshold alone catches reordered packets.
 */
export const MAX_PACKET_THRESHOLD = 32;
/** Largest time threshold spurious losses may widen kTimeThreshold to: two RTTs (RACK's window is at most one extra RTT too). */
export const MAX_TIME_THRESHOLD = 2;
/** How much each spurious loss widens the time threshold, in RTTs. */
const TIME_THRESHOLD_STEP = 1 / 4;
/** Recently lost packet numbers remembered to recognise a spurious loss (a later ACK of a "lost" packet). */
const SPURIOUS_HISTORY = 64;
/** RFC 9002 §6.1.2 kTimeThreshold: reordering, as a multiple of the RTT, tolerated before declaring loss. */
export const TIME_THRESHOLD = 9 / 8;
/** RFC 9002 §7.6.1 kPersistentCongestionThreshold: PTO periods of continuous loss that mean persistent congestion. */
export const PERSISTENT_CONGESTION_THRESHOLD = 3;
/** The peer's max_ack_delay assumed until its transport parameters say otherwise, in ms (docs/protocol.md §8). */
export const DEFAULT_MAX_ACK_DELAY_MS = 25;
/** Probe packets to send on a PTO (RFC 9002 §6.2.4: "one or two"; two make a single loss less costly). */
export const PTO_PROBE_PACKETS = 2;
/**
 * Largest PTO backoff exponent used to compute the timer. RFC 9002 does not
 * cap the backoff (the idle timeout ends the connection first); the cap only
 * keeps 2^pto_count a finite number of ms.
 */
const MAX_PTO_BACKOFF_EXPONENT = 30;
/**
 * Longest probe interval the backoff reaches, ms, unless one un-backed-off PTO is longer. RFC 9002 does
 * not cap it; TCP caps its RTO (RFC 6298 §2.5) and so does this, at far less, because a connection has
 * several paths: a path that died is probed every 2 s (two small packets) rather than at ever longer
 * intervals, so that when it or every path comes back (an outage), the connection notices within
 * seconds instead of minutes.
 */
export const MAX_PROBE_INTERVAL_MS = 2000;

/** Options of a {@link LossDetector}; every field has a default. */
export interface LossDetectorConfig {
  /** The peer's max_ack_delay transport parameter, in ms. Default 25. */
  readonly maxAckDelayMs?: number;
  /** RTT assumed before the first sample, in ms. Default 333 (RFC 9002 §6.2.2). */
  readonly initialRttMs?: number;
  /** Packet reordering threshold. Default 3 (RFC 9002 §6.1.1). */
  readonly packetThreshold?: number;
  /** Time reordering threshold as a multiple of the RTT. Default 9/8 (RFC 9002 §6.1.2). */
  readonly timeThreshold?: number;
}

/** Outcome of processing an ACK frame. */
export const AckStatus = {
  /** The ACK was applied (possibly acknowledging nothing new). */
  Ok: 0,
  /**
   * The ACK acknowledges a packet number that was never sent, or its ranges
   * are malformed. RFC 9000 §13.1: the connection closes with ProtocolError.
   * No state was changed.
   */
  ProtocolViolation: 1,
} as const;

/** A value of {@link AckStatus}. */
export type AckStatusCode = (typeof AckStatus)[keyof typeof AckStatus];

/** What one ACK frame did to a path's outstanding packets. */
export interface AckOutcome<T> {
  /** Whether the ACK was valid. */
  readonly status: AckStatusCode;
  /** Packets acknowledged for the first time, in increasing packet number order. */
  readonly newlyAcked: readonly SentPacket<T>[];
  /** Packets this ACK made lost (packet or time threshold), in increasing packet number order. */
  readonly lost: readonly SentPacket<T>[];
  /** Bytes of newly acknowledged in-flight packets (for the congestion controller). */
  readonly ackedBytes: number;
  /** Bytes of lost in-flight packets. */
  readonly lostBytes: number;
  /**
   * The RTT sample taken, in ms (latest_rtt, ack delay not subtracted), or
   * undefined: RFC 9002 §5.1 samples only when the largest acknowledged packet
   * is newly acknowledged and at least one newly acknowledged packet is ack-eliciting.
   */
  readonly rttSampleMs: number | undefined;
  /** Whether the lost packets establish persistent congestion (RFC 9002 §7.6). */
  readonly persistentCongestion: boolean;
}

/** Nothing happened at a timeout (called early, or the timer was not armed). */
export interface TimeoutNone {
  /** Discriminant. */
  readonly kind: 'none';
}

/** The loss timer fired: packets lost by the time threshold (RFC 9002 §6.1.2). */
export interface TimeoutLost<T> {
  /** Discriminant. */
  readonly kind: 'lost';
  /** Lost packets, in increasing packet number order. */
  readonly lost: readonly SentPacket<T>[];
  /** Bytes of lost in-flight packets. */
  readonly lostBytes: number;
  /** Whether the lost packets establish persistent congestion (RFC 9002 §7.6). */
  readonly persistentCongestion: boolean;
}

/**
 * The probe timer fired (RFC 9002 §6.2.4): send up to `probePackets`
 * ack-eliciting packets on this path (new data if any, else a retransmission
 * or a PING). No packet is declared lost.
 */
export interface TimeoutPto {
  /** Discriminant. */
  readonly kind: 'pto';
  /** Consecutive PTOs so far, including this one (the timer backs off by 2^ptoCount). */
  readonly ptoCount: number;
  /** How many probe packets to send. */
  readonly probePackets: number;
}

/** What {@link LossDetector.onTimeout} found. */
export type TimeoutOutcome<T> = TimeoutNone | TimeoutLost<T> | TimeoutPto;

const TIMEOUT_NONE: TimeoutNone = { kind: 'none' };
const EMPTY: readonly never[] = Object.freeze([]);

/**
 * Loss detection state of one path (RFC 9002 appendix A, one space).
 * Times are ms; sizes are bytes.
 */
export class LossDetector<T> {
  /** This path's RTT estimator (replaced by {@link restart}). */
  rtt: RttEstimator;
  /** Outstanding packets of this path. */
  readonly sent: SentPackets<T>;
  /** The peer's max_ack_delay, in ms; set from its transport parameters. */
  maxAckDelayMs: number;
  /** Whether the handshake is confirmed; until then ack delays are not capped at max_ack_delay (RFC 9002 §5.3). */
  handshakeConfirmed: boolean;
  /** Consecutive PTOs without an ACK in between (RFC 9002 §6.2.1). */
  ptoCount: number;
  /** Largest packet number the peer has acknowledged on this path, or -1. */
  largestAckedPn: number;
  /** When the earliest outstanding packet below the largest acknowledged becomes lost by the time threshold, in ms. */
  lossTimeMs: number | undefined;
  /** When the last ack-eliciting packet was sent, in ms (RFC 9002 §A.3). */
  timeOfLastAckElicitingMs: number;
  /** Bytes of outstanding in-flight packets (RFC 9002 §B.2 bytes_in_flight). */
  bytesInFlight: number;
  /** Outstanding ack-eliciting packets (PMTU probes among them, though not in flight); the PTO is armed only while this is nonzero. */
  ackElicitingInFlight: number;
  /**
   * Packet reordering threshold in use: starts at kPacketThreshold and grows
   * past the reordering distance of every spurious loss (RFC 9002 §6.1.1 allows
   * adapting it; as RACK does for TCP), up to {@link MAX_PACKET_THRESHOLD}.
   */
  packetThreshold: number;
  /** Packets declared lost that an ACK later showed had arrived. */
  spuriousLosses: number;
  /** Packet numbers declared lost recently, oldest first, at most {@link SPURIOUS_HISTORY}. */
  private readonly recentlyLost: number[];
  /** Time reordering threshold in use, as a multiple of the RTT; widened by spurious losses up to {@link MAX_TIME_THRESHOLD}. */
  timeThreshold: number;
  /** Whether persistent congestion was found by the last loss detection pass. */
  private lastPassPersistent: boolean;

  /** A detector with nothing sent; see {@link LossDetectorConfig} for the defaults. */
  constructor(config: LossDetectorConfig = {}) {
    this.rtt = new RttEstimator(config.initialRttMs);
    this.sent = new SentPackets<T>();
    this.maxAckDelayMs = config.maxAckDelayMs ?? DEFAULT_MAX_ACK_DELAY_MS;
    this.handshakeConfirmed = true;
    this.ptoCount = 0;
    this.largestAckedPn = -1;
    this.lossTimeMs = undefined;
    this.timeOfLastAckElicitingMs = 0;
    this.bytesInFlight = 0;
    this.ackElicitingInFlight = 0;
    this.packetThreshold = config.packetThreshold ?? PACKET_THRESHOLD;
    this.spuriousLosses = 0;
    this.recentlyLost = [];
    this.timeThreshold = config.timeThreshold ?? TIME_THRESHOLD;
    this.lastPassPersistent = false;
  }

  /**
   * Records a sent packet (RFC 9002 §A.5). Packet numbers must increase.
   * @returns false (and records nothing) if `pn` does not exceed every earlier packet number: a caller bug.
   */
  onPacketSent(pn: number, nowMs: number, sizeBytes: number, ackEliciting: boolean, inFlight: boolean, payload: T): boolean {
    if (!this.sent.push(new SentPacket(pn, nowMs, sizeBytes, ackEliciting, inFlight, payload))) return false;
    if (inFlight) this.bytesInFlight += sizeBytes;
    if (ackEliciting) {
      this.ackElicitingInFlight++;
      this.timeOfLastAckElicitingMs = nowMs;
    }
    return true;
  }

  /**
   * Applies one ACK frame for this path (RFC 9002 §A.7), then detects losses (§A.10).
   * @param ranges acknowledged ranges, largest first, disjoint (as `ackFrameRanges` returns them).
   * @param ackDelayMs the ACK's delay field decoded with the peer's ack_delay_exponent, in ms.
   * @param nowMs when the ACK was received, in ms.
   */
  onAckReceived(ranges: readonly PacketNumberRange[], ackDelayMs: number, nowMs: number): AckOutcome<T> {
    if (!this.validAck(ranges)) return violation<T>();
    const top = ranges[0] as PacketNumberRange;
    if (top.largest > this.largestAckedPn) this.largestAckedPn = top.largest;

    // Walk the ranges smallest first, so newlyAcked comes out in increasing order.
    const newlyAcked: SentPacket<T>[] = [];
    let ackedBytes = 0;
    let ackElicitingAcked = false;
    for (let i = ranges.length - 1; i >= 0; i--) {
      const range = ranges[i] as PacketNumberRange;
      // Clip to the window: packets below it have already left, packets above it were never sent.
      const from = Math.max(range.smallest, this.sent.lowestPn);
      const to = Math.min(range.largest, this.sent.endPn - 1);
      for (let pn = from; pn <= to; pn++) {
        const packet = this.sent.remove(pn);
        if (packet === undefined) continue;
        newlyAcked.push(packet);
        if (packet.inFlight) ackedBytes += packet.sizeBytes;
        if (packet.ackEliciting) {
          ackElicitingAcked = true;
          this.ackElicitingInFlight--;
        }
      }
    }
    if (this.recentlyLost.length > 0) this.detectSpuriousLosses(ranges);
    if (newlyAcked.length === 0) {
      // RFC 9002 §A.7: nothing new, so no RTT sample, no loss detection and no PTO reset.
      return { status: AckStatus.Ok, newlyAcked: EMPTY, lost: EMPTY, ackedBytes: 0, lostBytes: 0, rttSampleMs: undefined, persistentCongestion: false };
    }
    this.bytesInFlight -= ackedBytes;

    let rttSampleMs: number | undefined;
    const largestNewly = newlyAcked[newlyAcked.length - 1] as SentPacket<T>;
    if (largestNewly.pn === top.largest && ackElicitingAcked) {
      rttSampleMs = nowMs - largestNewly.sentAtMs;
      this.rtt.update(rttSampleMs, ackDelayMs, this.maxAckDelayMs, this.handshakeConfirmed, nowMs);
    }

    const lost: SentPacket<T>[] = [];
    const lostBytes = this.detectLostPackets(nowMs, lost);
    const persistentCongestion = this.lastPassPersistent;
    // RFC 9002 §6.2.1: an acknowledgement proves the path works, so the backoff restarts.
    this.ptoCount = 0;
    return { status: AckStatus.Ok, newlyAcked, lost, ackedBytes, lostBytes, rttSampleMs, persistentCongestion };
  }

  /**
   * When {@link onTimeout} should next be called, in ms, or undefined if no
   * timer is armed (RFC 9002 §A.8): the loss time if set, else the PTO while
   * ack-eliciting packets are in flight.
   */
  get timerMs(): number | undefined {
    if (this.lossTimeMs !== undefined) return this.lossTimeMs;
    if (this.ackElicitingInFlight === 0) return undefined;
    return this.timeOfLastAckElicitingMs + this.ptoMs;
  }

  /** The current probe timeout including backoff, in ms: pto_base * 2^ptoCount (RFC 9002 §6.2.1), at most {@link MAX_PROBE_INTERVAL_MS} or pto_base. */
  get ptoMs(): number {
    const base = this.rtt.ptoBaseMs(this.maxAckDelayMs);
    if (this.ptoCount === 0) return base;
    return Math.min(base * 2 ** Math.min(this.ptoCount, MAX_PTO_BACKOFF_EXPONENT), Math.max(base, MAX_PROBE_INTERVAL_MS));
  }

  /**
   * Handles the expiry of {@link timerMs} (RFC 9002 §A.9). Returns 'none' if
   * called before the timer is due or with no timer armed, so a spurious
   * wakeup is harmless.
   */
  onTimeout(nowMs: number): TimeoutOutcome<T> {
    const due = this.timerMs;
    if (due === undefined || nowMs < due) return TIMEOUT_NONE;
    if (this.lossTimeMs !== undefined) {
      const lost: SentPacket<T>[] = [];
      const lostBytes = this.detectLostPackets(nowMs, lost);
      return { kind: 'lost', lost, lostBytes, persistentCongestion: this.lastPassPersistent };
    }
    this.ptoCount++;
    return { kind: 'pto', ptoCount: this.ptoCount, probePackets: PTO_PROBE_PACKETS };
  }

  /**
   * Removes and returns every outstanding packet, in increasing packet number
   * order, as when the path is abandoned: the connection reinjects their data
   * on other paths and removes their bytes from the congestion controller
   * (RFC 9002 §6.4 does the same when keys are discarded). Timers disarm.
   */
  discardAll(): SentPacket<T>[] {
    const all = this.sent.drain();
    this.bytesInFlight = 0;
    this.ackElicitingInFlight = 0;
    this.lossTimeMs = undefined;
    this.ptoCount = 0;
    return all;
  }

  /**
   * The path moved to a new address (RFC 9000 §9.4): what was measured says nothing about the new one.
   * Discards every outstanding packet (returned, as {@link discardAll}) and starts a new RTT estimate
   * from `initialRttMs`; the packet number space goes on, so a late ACK of a packet sent before is still
   * told apart from one of a packet never sent.
   */
  restart(initialRttMs: number): SentPacket<T>[] {
    const all = this.discardAll();
    this.rtt = new RttEstimator(initialRttMs);
    this.recentlyLost.length = 0;
    this.lastPassPersistent = false;
    return all;
  }

  /**
   * A packet declared lost is acknowledged after all: it was reordered, not
   * lost. Raise the packet threshold past the distance it was overtaken by, so
   * the same reordering does not cost a retransmission and a window cut again.
   */
  private detectSpuriousLosses(ranges: readonly PacketNumberRange[]): void {
    const lost = this.recentlyLost;
    const largest = (ranges[0] as PacketNumberRange).largest;
    let kept = 0;
    for (let i = 0; i < lost.length; i++) {
      const pn = lost[i] as number;
      let acked = false;
      for (let r = 0; r < ranges.length; r++) {
        const range = ranges[r] as PacketNumberRange;
        if (pn > range.largest) break; // ranges go downwards: none of the rest holds pn
        if (pn >= range.smallest) {
          acked = true;
          break;
        }
      }
      if (!acked) {
        lost[kept++] = pn;
        continue;
      }
      this.spuriousLosses++;
      const distance = largest - pn + 1;
      if (distance > this.packetThreshold) this.packetThreshold = Math.min(distance, MAX_PACKET_THRESHOLD);
      // The loss may have come from the time threshold instead: widen it too, a quarter RTT at a time.
      if (this.timeThreshold < MAX_TIME_THRESHOLD) this.timeThreshold = Math.min(this.timeThreshold + TIME_THRESHOLD_STEP, MAX_TIME_THRESHOLD);
    }
    lost.length = kept;
  }

  /** RFC 9000 §13.1: an ACK of a packet never sent is a protocol violation. Malformed ranges are too. */
  private validAck(ranges: readonly PacketNumberRange[]): boolean {
    const top = ranges[0];
    if (top === undefined || top.largest > this.sent.largestSentPn) return false;
    let previousSmallest = Infinity;
    for (let i = 0; i < ranges.length; i++) {
      const range = ranges[i] as PacketNumberRange;
      if (!(range.smallest >= 0 && range.smallest <= range.largest && range.largest < previousSmallest)) return false;
      previousSmallest = range.smallest;
    }
    if (this.sent.hasSkipped) {
      // Only packet numbers still inside the window can be told apart as never sent.
      for (let i = 0; i < ranges.length; i++) {
        const range = ranges[i] as PacketNumberRange;
        const from = Math.max(range.smallest, this.sent.lowestPn);
        const to = Math.min(range.largest, this.sent.endPn - 1);
        for (let pn = from; pn <= to; pn++) if (this.sent.isSkipped(pn)) return false;
      }
    }
    return true;
  }

  /**
   * RFC 9002 §A.10 DetectAndRemoveLostPackets: every outstanding packet at or
   * below the largest acknowledged is lost if it is `packetThreshold` older
   * than it or was sent `timeThreshold` RTTs ago; the earliest of the others
   * sets the loss timer. Also decides persistent congestion (§7.6.2).
   * Appends the lost packets to `out` and returns their in-flight bytes.
   */
  private detectLostPackets(nowMs: number, out: SentPacket<T>[]): number {
    this.lossTimeMs = undefined;
    this.lastPassPersistent = false;
    if (this.largestAckedPn < 0) return 0;
    const rtt = this.rtt;
    const lossDelayMs = Math.max(this.timeThreshold * Math.max(rtt.latestRttMs, rtt.smoothedRttMs), TIMER_GRANULARITY_MS);
    // §7.6.1: (smoothed_rtt + max(4*rttvar, granularity) + max_ack_delay) * kPersistentCongestionThreshold.
    const congestionPeriodMs = rtt.ptoBaseMs(this.maxAckDelayMs) * PERSISTENT_CONGESTION_THRESHOLD;
    const firstSampleAtMs = rtt.firstSampleAtMs;
    // Start of the current run of lost ack-eliciting packets with no acknowledged packet between them.
    let runStartMs = -1;
    let lostBytes = 0;
    const end = Math.min(this.largestAckedPn, this.sent.endPn - 1);
    for (let pn = this.sent.lowestPn; pn <= end; pn++) {
      const packet = this.sent.get(pn);
      if (packet === undefined) {
        // A packet number with nothing outstanding was acknowledged (or lost in an earlier pass, which we
        // cannot tell apart): conservatively end the run. A never-sent number does not end it.
        if (!this.sent.isSkipped(pn)) runStartMs = -1;
        continue;
      }
      // Compared as sentAt + delay <= now, the same sum the loss timer is set from: `sentAt <= now - delay`
      // can round the other way, and a timer that fires without finding its packet lost never moves on.
      if (packet.sentAtMs + lossDelayMs <= nowMs || this.largestAckedPn >= pn + this.packetThreshold) {
        this.sent.remove(pn);
        out.push(packet);
        if (this.recentlyLost.length >= SPURIOUS_HISTORY) this.recentlyLost.shift();
        this.recentlyLost.push(pn);
        if (packet.inFlight) lostBytes += packet.sizeBytes;
        if (packet.ackEliciting) {
          this.ackElicitingInFlight--;
          // §7.6.2: only ack-eliciting packets sent after the first RTT sample count; a lost PMTU probe
          // (ack-eliciting, not in flight) is no congestion signal (RFC 8899 §4.4) and does not either.
          if (packet.inFlight && firstSampleAtMs !== undefined && packet.sentAtMs > firstSampleAtMs) {
            if (runStartMs < 0) runStartMs = packet.sentAtMs;
            else if (packet.sentAtMs - runStartMs > congestionPeriodMs) this.lastPassPersistent = true;
          }
        }
      } else {
        const lossAtMs = packet.sentAtMs + lossDelayMs;
        if (this.lossTimeMs === undefined || lossAtMs < this.lossTimeMs) this.lossTimeMs = lossAtMs;
        runStartMs = -1;
      }
    }
    this.bytesInFlight -= lostBytes;
    return lostBytes;
  }
}

function violation<T>(): AckOutcome<T> {
  return { status: AckStatus.ProtocolViolation, newlyAcked: EMPTY, lost: EMPTY, ackedBytes: 0, lostBytes: 0, rttSampleMs: undefined, persistentCongestion: false };
}
