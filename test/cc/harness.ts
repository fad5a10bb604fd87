/**
 * Deterministic ACK-clock harnesses for the congestion-control tests. No
 * simulator and no engine: one bulk sender whose packets are all `mds`
 * bytes, RFC 9002-style RTT smoothing, and loss declared by the packet
 * threshold (3) or the time threshold (9/8 RTT) when a later packet is ACKed.
 */
import type { CongestionController, RttSample } from '../../src/cc/index.js';

/** A mutable RTT sample, updated as RFC 9002 §5.3 does. */
export class RttState implements RttSample {
  latestMs = 0;
  smoothedMs = 0;
  minMs = Number.POSITIVE_INFINITY;
  private varMs = 0;
  private sampled = false;

  update(sampleMs: number): void {
    this.latestMs = sampleMs;
    this.minMs = Math.min(this.minMs, sampleMs);
    if (!this.sampled) {
      this.sampled = true;
      this.smoothedMs = sampleMs;
      this.varMs = sampleMs / 2;
      return;
    }
    this.varMs = 0.75 * this.varMs + 0.25 * Math.abs(this.smoothedMs - sampleMs);
    this.smoothedMs = 0.875 * this.smoothedMs + 0.125 * sampleMs;
  }

  /** Probe timeout without ACK delay, ms (RFC 9002 §6.2.1). */
  get ptoMs(): number {
    return this.smoothedMs + Math.max(4 * this.varMs, 1);
  }
}

/** A fixed-rate bottleneck with a drop-tail queue, then a fixed propagation delay. */
export interface BottleneckOptions {
  /** Bottleneck rate, bytes/ms; Infinity for an unlimited link (pure ACK clock). */
  readonly rateBytesPerMs: number;
  /** Round-trip propagation delay, ms. */
  readonly baseRttMs: number;
  /** Queue capacity, packets (including the one being serialised). */
  readonly queuePackets: number;
  /** Packet size, bytes. */
  readonly mdsBytes: number;
  /** Simulated time, ms. */
  readonly durationMs: number;
  /** Utilisation is measured over [warmupMs, durationMs]. */
  readonly warmupMs: number;
  /** Time of the first send, ms. Default 0. */
  readonly startMs?: number;
  /** Spread the first flight evenly over this many ms instead of one burst. Default 0. */
  readonly firstFlightSpreadMs?: number;
  /** Called after every ACK is processed. */
  readonly onAck?: (nowMs: number, cc: CongestionController) => void;
}

/** What a bottleneck run measured. */
export interface BottleneckResult {
  /** Bytes that left the bottleneck in the measurement interval / what the link could carry. */
  readonly utilisation: number;
  /** Packets dropped by the queue. */
  readonly drops: number;
  /** Congestion events reported to the controller. */
  readonly congestionEvents: number;
  /** Smallest and largest cwnd seen after warm-up, bytes. */
  readonly minCwndBytes: number;
  readonly maxCwndBytes: number;
}

/**
 * Runs one bulk flow through a drop-tail bottleneck. Sends happen at time 0
 * and then only when ACKs arrive (the ACK clock); every packet that is not
 * dropped is ACKed one base RTT after it leaves the queue.
 */
export function runBottleneck(cc: CongestionController, o: BottleneckOptions): BottleneckResult {
  const mds = o.mdsBytes;
  const serviceMs = Number.isFinite(o.rateBytesPerMs) ? mds / o.rateBytesPerMs : 0;
  const sentAt: number[] = [];
  const ackAt: number[] = []; // NaN when dropped
  const dropped: number[] = [];
  const rtt = new RttState();
  let lostPtr = 0;
  let ackPtr = 0;
  let inFlight = 0;
  let lastDepartureMs = Number.NEGATIVE_INFINITY;
  let deliveredBytes = 0;
  let drops = 0;
  let events = 0;
  let minCwnd = Number.POSITIVE_INFINITY;
  let maxCwnd = 0;
  let now = o.startMs ?? 0;

  const sendOne = (at: number): void => {
    const pn = sentAt.length;
    sentAt.push(at);
    inFlight += mds;
    const backlogMs = lastDepartureMs - at;
    if (serviceMs > 0 && backlogMs > (o.queuePackets - 1) * serviceMs + 1e-9) {
      ackAt.push(Number.NaN);
      dropped.push(pn);
      drops++;
    } else {
      const departure = Math.max(at, lastDepartureMs) + serviceMs;
      lastDepartureMs = departure;
      ackAt.push(departure + o.baseRttMs);
      if (departure >= o.warmupMs && departure <= o.durationMs) deliveredBytes += mds;
    }
    cc.onPacketSent(at, mds, inFlight);
  };
  const fill = (): void => {
    while (inFlight + mds <= cc.cwnd) sendOne(now);
  };

  const spread = o.firstFlightSpreadMs ?? 0;
  if (spread > 0) {
    const n = Math.floor(cc.cwnd / mds);
    for (let i = 0; i < n; i++) sendOne(now + (i * spread) / n);
  } else {
    fill();
  }

  for (;;) {
    while (ackPtr < sentAt.length && Number.isNaN(ackAt[ackPtr] as number)) ackPtr++;
    if (ackPtr >= sentAt.length) {
      // Everything outstanding was dropped: the probe timeout declares it
      // lost (a stand-in for RFC 9002 §6.2; never reached in the scenarios).
      if (lostPtr >= dropped.length) break;
      now = Math.max(now, (sentAt[sentAt.length - 1] as number) + rtt.ptoMs);
      const newest = sentAt[dropped[dropped.length - 1] as number] as number;
      const bytes = (dropped.length - lostPtr) * mds;
      lostPtr = dropped.length;
      inFlight -= bytes;
      events++;
      cc.onCongestionEvent(now, newest, bytes, false);
      fill();
      continue;
    }
    const at = ackAt[ackPtr] as number;
    if (at > o.durationMs) break;
    now = at;
    const sent = sentAt[ackPtr] as number;
    rtt.update(now - sent);
    inFlight -= mds;
    cc.onAck(now, sent, mds, rtt, false);

    // RFC 9002 §6.1: a packet is lost when a later one is ACKed and it is
    // 3 packets or 9/8 RTT older.
    const lossDelayMs = 1.125 * Math.max(rtt.smoothedMs, rtt.latestMs);
    let lostBytes = 0;
    let newestLost = 0;
    while (lostPtr < dropped.length) {
      const pn = dropped[lostPtr] as number;
      const psent = sentAt[pn] as number;
      if (pn >= ackPtr || (pn > ackPtr - 3 && psent > now - lossDelayMs)) break;
      lostBytes += mds;
      newestLost = psent;
      lostPtr++;
    }
    if (lostBytes > 0) {
      inFlight -= lostBytes;
      events++;
      cc.onCongestionEvent(now, newestLost, lostBytes, false);
    }
    if (now >= o.warmupMs) {
      minCwnd = Math.min(minCwnd, cc.cwnd);
      maxCwnd = Math.max(maxCwnd, cc.cwnd);
    }
    o.onAck?.(now, cc);
    ackPtr++;
    fill();
  }
  const capacity = o.rateBytesPerMs * (o.durationMs - o.warmupMs);
  return {
    utilisation: deliveredBytes / capacity,
    drops,
    congestionEvents: events,
    minCwndBytes: minCwnd,
    maxCwndBytes: maxCwnd,
  };
}
