import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AckTracker } from '../../src/core/ack-tracker.js';
import { ackFrameRanges, decodeFrames, encodeFrames, type AckFrame } from '../../src/core/wire/index.js';

const rangesOf = (t: AckTracker, nowMs = 0): [number, number][] =>
  ackFrameRanges(t.buildAckFrame(nowMs) as AckFrame).map((x) => [x.smallest, x.largest]);

describe('AckTracker: ranges and duplicates', () => {
  it('merges in-order and reordered packets and reports duplicates', () => {
    const t = new AckTracker({ pathId: 3 });
    expect(t.buildAckFrame(0)).toBeUndefined();
    expect(t.onPacketReceived(0, true, 0)).toBe(true);
    expect(t.onPacketReceived(2, true, 1)).toBe(true);
    expect(t.onPacketReceived(5, true, 2)).toBe(true);
    expect(rangesOf(t)).toEqual([[5, 5], [2, 2], [0, 0]]);
    expect(t.onPacketReceived(1, true, 3)).toBe(true);
    expect(rangesOf(t)).toEqual([[5, 5], [0, 2]]);
    expect(t.onPacketReceived(4, true, 4)).toBe(true);
    expect(t.onPacketReceived(3, true, 5)).toBe(true);
    expect(rangesOf(t)).toEqual([[0, 5]]);
    expect(t.rangeCount).toBe(1);
    for (const pn of [0, 3, 5]) expect(t.onPacketReceived(pn, true, 6)).toBe(false);
    expect(t.contains(4)).toBe(true);
    expect(t.contains(6)).toBe(false);
  });

  it('builds a wire-exact ACK frame for its path with the ack delay scaled by the exponent', () => {
    const t = new AckTracker({ pathId: 7, ackDelayExponent: 3 });
    t.onPacketReceived(0, true, 100);
    t.onPacketReceived(1, true, 100);
    t.onPacketReceived(3, true, 101);
    // delay since the largest (pn 3, at 101 ms) = 2 ms = 2000 us; 2000 >> 3 = 250
    const frame = t.buildAckFrame(103) as AckFrame;
    expect(frame).toEqual({ type: 'ack', pathId: 7, largestAcked: 3, ackDelay: 250, firstRange: 0, ranges: [{ gap: 0, length: 1 }] });
    const buf = new Uint8Array(64);
    const n = encodeFrames(buf, 0, [frame]);
    expect(decodeFrames(buf.subarray(0, n))._unsafeUnwrap()).toEqual([frame]);
    // the ack delay is measured from the largest packet's arrival, not a later lower one
    t.onPacketReceived(2, true, 105);
    expect(t.buildAckFrame(106)?.ackDelay).toBe(625);
  });

  it('limits the frame to the newest ranges on request', () => {
    const t = new AckTracker({ pathId: 0 });
    for (const pn of [0, 2, 4, 6]) t.onPacketReceived(pn, false, 0);
    const frame = t.buildAckFrame(0, 2) as AckFrame;
    expect(ackFrameRanges(frame).map((x) => [x.smallest, x.largest])).toEqual([[6, 6], [4, 4]]);
  });

  it('keeps at most maxRanges, forgetting the oldest and treating packets below as duplicates', () => {
    const t = new AckTracker({ pathId: 0, maxRanges: 4 });
    for (const pn of [0, 2, 4, 6, 8]) expect(t.onPacketReceived(pn, true, 0)).toBe(true);
    expect(rangesOf(t)).toEqual([[8, 8], [6, 6], [4, 4], [2, 2]]);
    expect(t.minAcceptedPn).toBe(1);
    expect(t.onPacketReceived(0, true, 0)).toBe(false);
    expect(t.onPacketReceived(1, true, 0)).toBe(true); // in a gap above the forgotten range: still fine
    expect(rangesOf(t)).toEqual([[8, 8], [6, 6], [4, 4], [1, 2]]);
  });

  it('forgets what the peer has seen acknowledged (RFC 9000 §13.2.4)', () => {
    const t = new AckTracker({ pathId: 0 });
    for (const pn of [0, 1, 2, 4, 5, 7, 9]) t.onPacketReceived(pn, true, 0);
    t.onAckOfAckFrame(4);
    expect(rangesOf(t)).toEqual([[9, 9], [7, 7], [5, 5]]);
    expect(t.onPacketReceived(3, true, 0)).toBe(false);
    expect(t.onPacketReceived(6, true, 0)).toBe(true);
    t.onAckOfAckFrame(2); // older ACK acknowledged late: no effect
    expect(rangesOf(t)).toEqual([[9, 9], [5, 7]]);
    t.onAckOfAckFrame(9);
    expect(t.buildAckFrame(0)).toBeUndefined();
    expect(t.onPacketReceived(10, true, 0)).toBe(true);
    expect(rangesOf(t)).toEqual([[10, 10]]);
  });

  it('reports each distinct packet number once, for any arrival order with duplicates', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 120 }), { maxLength: 300 }), (arrivals) => {
        const t = new AckTracker({ pathId: 1, maxRanges: 256 });
        const seen = new Set<number>();
        for (const pn of arrivals) {
          expect(t.onPacketReceived(pn, true, 0)).toBe(!seen.has(pn));
          seen.add(pn);
        }
        if (seen.size === 0) return;
        const covered = new Set<number>();
        let previous = Infinity;
        for (const [lo, hi] of rangesOf(t)) {
          expect(hi).toBeLessThan(previous - 1); // descending, disjoint, non-adjacent
          previous = lo;
          for (let pn = lo; pn <= hi; pn++) covered.add(pn);
        }
        expect([...covered].sort((a, b) => a - b)).toEqual([...seen].sort((a, b) => a - b));
      }),
    );
  });
});

describe('AckTracker: when to acknowledge (RFC 9000 §13.2)', () => {
  it('waits max_ack_delay after one ack-eliciting packet, acknowledges at once after the second', () => {
    const t = new AckTracker({ pathId: 0, maxAckDelayMs: 25 });
    t.onPacketReceived(0, true, 10);
    expect(t.ackDueAtMs).toBe(35);
    t.onPacketReceived(1, true, 20);
    expect(t.ackDueAtMs).toBe(20);
    t.onAckSent();
    expect(t.ackDueAtMs).toBeUndefined();
    expect(t.hasNewPackets).toBe(false);
    t.onPacketReceived(2, true, 30);
    expect(t.ackDueAtMs).toBe(55);
  });

  it('does not schedule an ACK for non-ack-eliciting packets, but has something to piggyback', () => {
    const t = new AckTracker({ pathId: 0 });
    t.onPacketReceived(0, false, 0);
    t.onPacketReceived(1, false, 1);
    t.onPacketReceived(5, false, 2); // a gap, but still nothing ack-eliciting
    expect(t.ackDueAtMs).toBeUndefined();
    expect(t.hasNewPackets).toBe(true);
  });

  it('acknowledges immediately on a gap and on a packet below the largest', () => {
    const gap = new AckTracker({ pathId: 0, maxAckDelayMs: 25 });
    gap.onPacketReceived(0, true, 0);
    gap.onAckSent();
    gap.onPacketReceived(2, true, 5);
    expect(gap.ackDueAtMs).toBe(5);
    const late = new AckTracker({ pathId: 0, maxAckDelayMs: 25 });
    late.onPacketReceived(1, true, 0);
    late.onAckSent();
    late.onPacketReceived(0, true, 7);
    expect(late.ackDueAtMs).toBe(7);
  });

  it('keeps the earliest deadline when more packets arrive', () => {
    const t = new AckTracker({ pathId: 0, maxAckDelayMs: 25 });
    t.onPacketReceived(0, true, 0);
    t.onAckSent();
    t.onPacketReceived(1, true, 10);
    t.onPacketReceived(2, false, 12);
    expect(t.ackDueAtMs).toBe(35);
  });
});

describe('AckTracker ACK decimation', () => {
  it('acks every second packet until the RTT is known, then every flight/8 (at most 10), never delaying out-of-order ones', () => {
    const t = new AckTracker({ pathId: 0, maxAckDelayMs: 25 });
    let pn = 0;
    let acks = 0;
    const receive = (nowMs: number): void => {
      t.onPacketReceived(pn++, true, nowMs);
      if (t.ackDueAtMs !== undefined && t.ackDueAtMs <= nowMs) {
        t.onAckSent();
        acks++;
      }
    };
    for (let i = 0; i < 20; i++) receive(i * 0.1);
    expect(acks).toBe(10);
    expect(t.ackElicitingThreshold).toBe(2);
    // 200 packets per 20 ms RTT: after one RTT-long window, ten per ACK.
    t.rttMs = 20;
    for (let i = 0; i < 400; i++) receive(2 + i * 0.1);
    expect(t.ackElicitingThreshold).toBe(10);
    acks = 0;
    for (let i = 0; i < 100; i++) receive(42 + i * 0.1);
    expect(acks).toBe(10);
    // The held-back tail waits a quarter RTT, not max_ack_delay.
    receive(60);
    expect(t.ackDueAtMs).toBe(65);
    // A gap is acknowledged at once.
    pn += 3;
    receive(61);
    expect(t.ackDueAtMs).toBeUndefined();
  });

  it('keeps acking every second packet when the peer sends few packets per RTT', () => {
    const t = new AckTracker({ pathId: 0 });
    t.rttMs = 20;
    for (let i = 0; i < 40; i++) t.onPacketReceived(i, true, i * 5); // four per RTT
    expect(t.ackElicitingThreshold).toBe(2);
  });
});
