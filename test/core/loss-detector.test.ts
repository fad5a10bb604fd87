import { describe, expect, it } from 'vitest';
import { AckStatus, LossDetector, MAX_PROBE_INTERVAL_MS } from '../../src/core/loss-detector.js';
import type { PacketNumberRange } from '../../src/core/wire/index.js';

const r = (smallest: number, largest: number): PacketNumberRange => ({ smallest, largest });
const pns = (packets: readonly { pn: number }[]): number[] => packets.map((p) => p.pn);

/** Sends packets of 1000 bytes, ack-eliciting, payload = `p<pn>`. */
function send(ld: LossDetector<string>, pn: number, atMs: number, ackEliciting = true): void {
  expect(ld.onPacketSent(pn, atMs, 1000, ackEliciting, ackEliciting, `p${pn}`)).toBe(true);
}

describe('LossDetector: acknowledgements', () => {
  it('acknowledges packets in increasing order across ranges and takes an RTT sample', () => {
    const ld = new LossDetector<string>({ maxAckDelayMs: 25 });
    for (let pn = 0; pn < 6; pn++) send(ld, pn, pn);
    const out = ld.onAckReceived([r(5, 5), r(2, 3), r(0, 0)], 0, 105);
    expect(out.status).toBe(AckStatus.Ok);
    expect(pns(out.newlyAcked)).toEqual([0, 2, 3, 5]);
    expect(out.newlyAcked.map((p) => p.payload)).toEqual(['p0', 'p2', 'p3', 'p5']);
    expect(out.ackedBytes).toBe(4000);
    expect(out.rttSampleMs).toBe(100);
    expect(ld.rtt.smoothedRttMs).toBe(100);
    expect(ld.largestAckedPn).toBe(5);
    // pn 1 and 4: 5 >= 1 + 3 so pn 1 is lost; pn 4 waits for the time threshold
    expect(pns(out.lost)).toEqual([1]);
    expect(ld.bytesInFlight).toBe(1000);
    expect(ld.sent.size).toBe(1);
  });

  it('takes no RTT sample when the largest acknowledged is not newly acknowledged', () => {
    const ld = new LossDetector<string>();
    send(ld, 0, 0);
    send(ld, 1, 1);
    expect(ld.onAckReceived([r(1, 1)], 0, 50).rttSampleMs).toBe(49);
    const again = ld.onAckReceived([r(0, 1)], 0, 60);
    expect(pns(again.newlyAcked)).toEqual([0]);
    expect(again.rttSampleMs).toBeUndefined();
  });

  it('samples when the largest is newly acked and any newly acked packet is ack-eliciting (RFC 9002 §5.1)', () => {
    const ld = new LossDetector<string>();
    send(ld, 0, 0);
    send(ld, 1, 10, false); // an ACK-only packet
    expect(ld.onAckReceived([r(0, 1)], 0, 40).rttSampleMs).toBe(30);
    const onlyNonEliciting = new LossDetector<string>();
    send(onlyNonEliciting, 0, 0, false);
    expect(onlyNonEliciting.onAckReceived([r(0, 0)], 0, 40).rttSampleMs).toBeUndefined();
    expect(onlyNonEliciting.rtt.hasSample).toBe(false);
  });

  it('a duplicate ACK changes nothing and does not reset the PTO backoff', () => {
    const ld = new LossDetector<string>();
    send(ld, 0, 0);
    send(ld, 1, 0);
    ld.onAckReceived([r(0, 0)], 0, 100);
    expect(ld.onTimeout(ld.timerMs as number).kind).toBe('pto');
    const dup = ld.onAckReceived([r(0, 0)], 0, 2000);
    expect(dup.newlyAcked).toHaveLength(0);
    expect(ld.ptoCount).toBe(1);
  });

  it('rejects an ACK for a packet number never sent without changing state', () => {
    const ld = new LossDetector<string>();
    for (let pn = 0; pn < 3; pn++) send(ld, pn, 0);
    expect(ld.onAckReceived([r(0, 3)], 0, 10).status).toBe(AckStatus.ProtocolViolation);
    expect(ld.onAckReceived([], 0, 10).status).toBe(AckStatus.ProtocolViolation);
    expect(ld.onAckReceived([r(0, 0), r(2, 2)], 0, 10).status).toBe(AckStatus.ProtocolViolation); // not descending
    expect(ld.sent.size).toBe(3);
    expect(ld.largestAckedPn).toBe(-1);
    expect(ld.bytesInFlight).toBe(3000);
  });

  it('rejects an ACK covering a skipped packet number (RFC 9000 §21.4 optimistic ACK defence)', () => {
    const ld = new LossDetector<string>();
    send(ld, 0, 0);
    send(ld, 1, 0);
    send(ld, 3, 0); // 2 skipped
    expect(ld.onAckReceived([r(0, 3)], 0, 10).status).toBe(AckStatus.ProtocolViolation);
    const ok = ld.onAckReceived([r(3, 3), r(0, 1)], 0, 10);
    expect(ok.status).toBe(AckStatus.Ok);
    expect(pns(ok.newlyAcked)).toEqual([0, 1, 3]);
  });

  it('refuses non-increasing packet numbers from the caller', () => {
    const ld = new LossDetector<string>();
    send(ld, 5, 0);
    expect(ld.onPacketSent(5, 0, 1, true, true, 'x')).toBe(false);
    expect(ld.onPacketSent(4, 0, 1, true, true, 'x')).toBe(false);
  });
});

describe('LossDetector: loss detection (RFC 9002 §6.1)', () => {
  it('packet threshold: three newer packets acknowledged means lost; the rest wait on the loss timer', () => {
    const ld = new LossDetector<string>();
    for (let pn = 0; pn < 5; pn++) send(ld, pn, pn);
    const out = ld.onAckReceived([r(4, 4)], 0, 100);
    expect(out.rttSampleMs).toBe(96);
    expect(pns(out.lost)).toEqual([0, 1]);
    expect(out.lostBytes).toBe(2000);
    expect(ld.bytesInFlight).toBe(2000);
    // loss delay = 9/8 * 96 = 108: pn 2 (sent at 2) is lost at 110, pn 3 at 111
    expect(ld.lossTimeMs).toBe(110);
    expect(ld.timerMs).toBe(110);
    expect(ld.onTimeout(109.9).kind).toBe('none');
    const t1 = ld.onTimeout(110);
    expect(t1.kind === 'lost' && pns(t1.lost)).toEqual([2]);
    expect(ld.timerMs).toBe(111);
    const t2 = ld.onTimeout(111);
    expect(t2.kind === 'lost' && pns(t2.lost)).toEqual([3]);
    expect(ld.bytesInFlight).toBe(0);
    expect(ld.timerMs).toBeUndefined();
  });

  it('time threshold: 9/8 of max(smoothed, latest) RTT after sending', () => {
    const ld = new LossDetector<string>();
    send(ld, 0, 0);
    send(ld, 1, 1);
    const out = ld.onAckReceived([r(1, 1)], 0, 10); // sample 9: loss delay 10.125
    expect(out.lost).toHaveLength(0);
    expect(ld.timerMs).toBe(10.125);
    const t = ld.onTimeout(10.125);
    expect(t.kind).toBe('lost');
    if (t.kind === 'lost') {
      expect(pns(t.lost)).toEqual([0]);
      expect(t.lostBytes).toBe(1000);
    }
  });

  it('time threshold declares loss at once when the packet is already old enough', () => {
    const ld = new LossDetector<string>();
    send(ld, 0, 0);
    send(ld, 1, 30);
    // sample 20, loss delay 22.5: pn 0 was sent at 0 <= 50 - 22.5
    expect(pns(ld.onAckReceived([r(1, 1)], 0, 50).lost)).toEqual([0]);
  });

  it('the loss delay is at least the 1 ms granularity', () => {
    const ld = new LossDetector<string>();
    send(ld, 0, 0);
    send(ld, 1, 0);
    ld.onAckReceived([r(1, 1)], 0, 0.1); // RTT 0.1 ms -> 9/8 * 0.1 < 1 ms
    expect(ld.timerMs).toBe(1);
  });
});

describe('LossDetector: probe timeout (RFC 9002 §6.2)', () => {
  it('arms at last ack-eliciting send + PTO and doubles on each expiry, up to MAX_PROBE_INTERVAL_MS', () => {
    const ld = new LossDetector<string>({ maxAckDelayMs: 25, initialRttMs: 100 });
    send(ld, 0, 0);
    // 100 + 4 * 50 + 25
    expect(ld.timerMs).toBe(325);
    expect(ld.onTimeout(324).kind).toBe('none');
    expect(ld.onTimeout(325)).toEqual({ kind: 'pto', ptoCount: 1, probePackets: 2 });
    expect(ld.timerMs).toBe(650);
    send(ld, 1, 325); // the probe
    expect(ld.timerMs).toBe(325 + 650);
    expect(ld.onTimeout(975)).toEqual({ kind: 'pto', ptoCount: 2, probePackets: 2 });
    expect(ld.timerMs).toBe(325 + 1300);
    // a PTO declares nothing lost
    expect(ld.sent.size).toBe(2);
    // 2600 would exceed the cap: a dead path is probed every 2 s, not ever more rarely
    expect(ld.onTimeout(1625).kind).toBe('pto');
    expect(ld.ptoMs).toBe(MAX_PROBE_INTERVAL_MS);
    for (let i = 0; i < 10; i++) ld.onTimeout(ld.timerMs!);
    expect(ld.ptoCount).toBe(13);
    expect(ld.ptoMs).toBe(MAX_PROBE_INTERVAL_MS);
    // an ACK resets the backoff
    ld.onAckReceived([r(1, 1)], 0, 40_000);
    expect(ld.ptoCount).toBe(0);
  });

  it('never caps below one un-backed-off PTO', () => {
    const ld = new LossDetector<string>({ maxAckDelayMs: 25 });
    send(ld, 0, 0);
    expect(ld.timerMs).toBe(1024); // 333 + 4 * 166.5 + 25
    ld.onTimeout(1024);
    expect(ld.ptoMs).toBe(MAX_PROBE_INTERVAL_MS);
    const slow = new LossDetector<string>({ maxAckDelayMs: 25, initialRttMs: 1000 });
    send(slow, 0, 0);
    slow.onTimeout(slow.timerMs!);
    expect(slow.ptoMs).toBe(1000 + 4 * 500 + 25); // base 3025 > the cap: no backoff, no shrink
  });

  it('is not armed without ack-eliciting packets in flight', () => {
    const ld = new LossDetector<string>();
    expect(ld.timerMs).toBeUndefined();
    send(ld, 0, 0, false);
    expect(ld.timerMs).toBeUndefined();
    expect(ld.onTimeout(1e9).kind).toBe('none');
    send(ld, 1, 5);
    ld.onAckReceived([r(1, 1)], 0, 50);
    // the unacknowledged ACK-only pn 0 still gets the loss timer (sample 45 -> 9/8 * 45), never a PTO
    expect(ld.timerMs).toBe(50.625);
    const t = ld.onTimeout(50.625);
    expect(t.kind === 'lost' && t.lostBytes).toBe(0);
    expect(ld.timerMs).toBeUndefined();
  });

  it('uses the updated max_ack_delay and RTT', () => {
    const ld = new LossDetector<string>({ initialRttMs: 100, maxAckDelayMs: 0 });
    send(ld, 0, 0);
    expect(ld.timerMs).toBe(300);
    ld.maxAckDelayMs = 10;
    expect(ld.timerMs).toBe(310);
  });
});

describe('LossDetector: persistent congestion (RFC 9002 §7.6)', () => {
  /** RTT sample 100 ms from pn 0; then pn 1..3 at 200, 700, 1200 and pn 4 at 1300, acked at 1400. */
  function scenario(extraAcked: PacketNumberRange[]): LossDetector<string> & { result: ReturnType<LossDetector<string>['onAckReceived']> } {
    const ld = new LossDetector<string>({ maxAckDelayMs: 25 });
    send(ld, 0, 0);
    ld.onAckReceived([r(0, 0)], 0, 100); // srtt 100, rttvar 50
    send(ld, 1, 200);
    send(ld, 2, 700);
    send(ld, 3, 1200);
    send(ld, 4, 1300);
    // sample 100: rttvar 37.5 -> period = (100 + 150 + 25) * 3 = 825 ms
    const result = ld.onAckReceived([r(4, 4), ...extraAcked], 0, 1400);
    return Object.assign(ld, { result });
  }

  it('two lost ack-eliciting packets more than the period apart, nothing acked between', () => {
    const { result } = scenario([]);
    expect(pns(result.lost)).toEqual([1, 2, 3]);
    expect(result.persistentCongestion).toBe(true);
  });

  it('an acknowledged packet between them breaks the run', () => {
    const { result } = scenario([r(2, 2)]);
    expect(pns(result.lost)).toEqual([1, 3]);
    expect(result.persistentCongestion).toBe(false);
  });

  it('not when the span is within the period', () => {
    const ld = new LossDetector<string>({ maxAckDelayMs: 25 });
    send(ld, 0, 0);
    ld.onAckReceived([r(0, 0)], 0, 100);
    for (let pn = 1; pn <= 4; pn++) send(ld, pn, 100 + pn * 100); // 200..500: span 200 ms
    const out = ld.onAckReceived([r(4, 4)], 0, 700);
    expect(pns(out.lost)).toEqual([1, 2, 3]);
    expect(out.persistentCongestion).toBe(false);
  });

  it('ignores packets sent before the first RTT sample', () => {
    const ld = new LossDetector<string>({ maxAckDelayMs: 25 });
    send(ld, 0, 0);
    send(ld, 1, 2000);
    send(ld, 2, 4000);
    send(ld, 3, 4100);
    const out = ld.onAckReceived([r(3, 3)], 0, 4200); // first sample taken now
    expect(pns(out.lost)).toEqual([0, 1, 2]);
    expect(out.persistentCongestion).toBe(false);
  });
});

describe('LossDetector: abandoning a path and scale', () => {
  it('discardAll returns the outstanding packets in order and disarms', () => {
    const ld = new LossDetector<string>();
    for (let pn = 0; pn < 5; pn++) send(ld, pn, pn);
    ld.onAckReceived([r(2, 2)], 0, 50);
    const all = ld.discardAll();
    expect(pns(all)).toEqual([0, 1, 3, 4]);
    expect(ld.bytesInFlight).toBe(0);
    expect(ld.timerMs).toBeUndefined();
    expect(ld.sent.size).toBe(0);
    // numbering continues; an ACK of a discarded packet acknowledges nothing
    send(ld, 5, 60);
    expect(ld.onAckReceived([r(3, 3)], 0, 70).newlyAcked).toHaveLength(0);
    expect(pns(ld.onAckReceived([r(5, 5)], 0, 70).newlyAcked)).toEqual([5]);
  });

  it('handles 100k packets with thousands in flight and a hole in linear time', () => {
    const ld = new LossDetector<string>({ initialRttMs: 10 });
    // The work is counted, not timed: every lookup the detector makes in its sent-packet window.
    let slotVisits = 0;
    for (const method of ['get', 'remove', 'isSkipped'] as const) {
      const original = ld.sent[method].bind(ld.sent) as (pn: number) => unknown;
      (ld.sent as unknown as Record<string, unknown>)[method] = (pn: number) => {
        slotVisits++;
        return original(pn);
      };
    }
    let acked = 0;
    let lost = 0;
    let now = 0;
    const inFlight = 5000;
    for (let pn = 0; pn < 100_000; pn++) {
      if (!ld.onPacketSent(pn, now, 1200, true, true, '')) throw new Error('send refused');
      now += 0.01;
      const top = pn - inFlight;
      if (top >= 0 && pn % 10 === 0) {
        // acknowledge everything but every 1000th packet, in a few ranges covering the window
        const ranges: PacketNumberRange[] = [];
        let hi = top;
        const lo = Math.max(0, top - inFlight);
        while (hi >= lo) {
          const hole = hi - (hi % 1000);
          if (hole > lo && hole <= hi) {
            if (hole < hi) ranges.push(r(hole + 1, hi));
            hi = hole - 1;
          } else {
            ranges.push(r(lo, hi));
            break;
          }
        }
        const out = ld.onAckReceived(ranges, 0, now);
        if (out.status !== AckStatus.Ok) throw new Error('ack refused');
        acked += out.newlyAcked.length;
        lost += out.lost.length;
      }
    }
    expect(acked + lost + ld.sent.size).toBe(100_000);
    expect(lost).toBeGreaterThanOrEqual(90);
    console.log(`loss detector: ${slotVisits} slot visits for 100k packets`);
    // A few visits per packet; a detector that rescanned the window per ACK would make ~5000 per ACK (5e7).
    expect(slotVisits).toBeLessThan(10 * 100_000);
  });
});
