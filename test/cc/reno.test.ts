import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CubicController, initialWindowBytes, minimumWindowBytes, RenoController } from '../../src/cc/index.js';
import type { CongestionController, RttSample } from '../../src/cc/index.js';

const MDS = 1200;
const RTT: RttSample = { latestMs: 100, smoothedMs: 100, minMs: 100 };

function reno(mds = MDS): RenoController {
  return new RenoController({ maxDatagramSizeBytes: mds, nowMs: 0 });
}

/** ACKs one full window of MDS-sized packets, all sent at `sentAtMs`, at `nowMs`. */
function ackWindow(cc: CongestionController, nowMs: number, sentAtMs: number, appLimited = false): void {
  const packets = Math.floor(cc.cwnd / MDS);
  for (let i = 0; i < packets; i++) cc.onAck(nowMs, sentAtMs, MDS, RTT, appLimited);
}

describe('initial and minimum windows (RFC 9002 §7.2)', () => {
  it('is min(10 * mds, max(14720, 2 * mds))', () => {
    expect(initialWindowBytes(1200)).toBe(12_000); // 10 * 1200
    expect(initialWindowBytes(1472)).toBe(14_720); // 10 * 1472 = 14720 exactly
    expect(initialWindowBytes(1500)).toBe(14_720); // capped at 14720
    expect(initialWindowBytes(9000)).toBe(18_000); // 2 * mds beats 14720
    expect(minimumWindowBytes(1200)).toBe(2400);
  });

  it('starts a controller in slow start at the initial window', () => {
    const cc = reno();
    expect(cc.cwnd).toBe(12_000);
    expect(cc.ssthresh).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('NewReno growth', () => {
  it('doubles the window per round trip of ACKs in slow start', () => {
    const cc = reno();
    const seen: number[] = [];
    for (let round = 1; round <= 4; round++) {
      ackWindow(cc, round * 100, round * 100 - 100);
      seen.push(cc.cwnd);
    }
    expect(seen).toEqual([24_000, 48_000, 96_000, 192_000]);
  });

  it('adds about one datagram per window of ACKed bytes in congestion avoidance', () => {
    const cc = reno();
    ackWindow(cc, 100, 0); // 24000
    ackWindow(cc, 200, 100); // 48000
    cc.onCongestionEvent(250, 150, MDS, false); // 24000, ssthresh 24000
    expect(cc.cwnd).toBe(24_000);
    // 20 ACKs of 1200 B at cwnd ≈ 24000: each adds 1200²/cwnd ≈ 60 B,
    // so 20 of them add a little under 1200 B (the window grows as it goes).
    ackWindow(cc, 400, 300);
    const added = cc.cwnd - 24_000;
    expect(added).toBeGreaterThanOrEqual(1170);
    expect(added).toBeLessThanOrEqual(1200);
    // Ten more windows: ten more datagrams, to within rounding.
    for (let r = 0; r < 10; r++) ackWindow(cc, 500 + 100 * r, 450 + 100 * r);
    expect((cc.cwnd - 24_000) / MDS).toBeGreaterThan(10.5);
    expect((cc.cwnd - 24_000) / MDS).toBeLessThan(11);
  });

  it('does not grow on application-limited ACKs', () => {
    const cc = reno();
    ackWindow(cc, 100, 0, true);
    expect(cc.cwnd).toBe(12_000); // slow start
    cc.onCongestionEvent(150, 120, MDS, false);
    ackWindow(cc, 300, 200, true);
    expect(cc.cwnd).toBe(6000); // congestion avoidance
  });
});

describe('NewReno reduction', () => {
  it('halves the window and sets ssthresh on loss', () => {
    const cc = reno();
    ackWindow(cc, 100, 0); // 24000
    cc.onCongestionEvent(150, 120, MDS, false);
    expect(cc.cwnd).toBe(12_000);
    expect(cc.ssthresh).toBe(12_000);
    expect(cc.recoveryStartTimeMs).toBe(150);
  });

  it('reduces once per recovery period', () => {
    const cc = reno();
    ackWindow(cc, 100, 0); // 24000
    cc.onCongestionEvent(150, 120, MDS, false); // recovery starts at 150
    // Another loss from the same flight (sent at 130 < 150): no reduction.
    cc.onCongestionEvent(170, 130, MDS, false);
    expect(cc.cwnd).toBe(12_000);
    // ACKs of packets sent before recovery began do not grow the window.
    cc.onAck(180, 140, MDS, RTT, false);
    expect(cc.cwnd).toBe(12_000);
    // A packet sent after recovery began ends it: growth resumes (CA now).
    cc.onAck(260, 160, MDS, RTT, false);
    expect(cc.cwnd).toBe(12_000 + 120); // 1200 * 1200 / 12000
    // A loss of a packet sent after the recovery start is a new event.
    cc.onCongestionEvent(300, 200, MDS, false);
    expect(cc.cwnd).toBe(6060);
  });

  it('never goes below two datagrams', () => {
    const cc = reno();
    for (let i = 1; i <= 10; i++) cc.onCongestionEvent(i * 100, i * 100 - 1, MDS, false);
    expect(cc.cwnd).toBe(2400);
    expect(cc.ssthresh).toBe(2400);
  });

  it('collapses to the minimum window on persistent congestion, then slow-starts', () => {
    const cc = reno();
    ackWindow(cc, 100, 0); // 24000
    ackWindow(cc, 200, 100); // 48000
    cc.onCongestionEvent(1000, 900, 10 * MDS, true);
    expect(cc.cwnd).toBe(2400);
    expect(cc.ssthresh).toBe(24_000);
    // Even a packet sent before the event may grow it: recovery was left.
    cc.onAck(1010, 950, MDS, RTT, false);
    expect(cc.cwnd).toBe(3600);
  });
});

describe('NewReno and PMTU changes', () => {
  it('re-derives an untouched initial window and keeps the minimum at two datagrams', () => {
    const cc = reno();
    cc.onMtuUpdate(1500);
    expect(cc.cwnd).toBe(14_720);
    cc.onCongestionEvent(10, 5, 1500, true);
    expect(cc.cwnd).toBe(3000);
    cc.onMtuUpdate(4000);
    expect(cc.cwnd).toBe(8000);
    cc.onMtuUpdate(1200); // a smaller datagram leaves a grown window alone
    expect(cc.cwnd).toBe(8000);
  });
});

describe('both controllers under arbitrary events', () => {
  type Ev = { kind: 'ack' | 'loss' | 'persistent' | 'mtu'; dt: number; age: number; app: boolean; size: number };
  const ev = fc.record({
    kind: fc.constantFrom('ack', 'ack', 'ack', 'loss', 'persistent', 'mtu'),
    dt: fc.integer({ min: 0, max: 500 }),
    age: fc.integer({ min: 0, max: 400 }),
    app: fc.boolean(),
    size: fc.integer({ min: 1200, max: 9000 }),
  }) as fc.Arbitrary<Ev>;

  it('keeps a finite window of at least two datagrams', () => {
    fc.assert(
      fc.property(fc.constantFrom('reno', 'cubic'), fc.array(ev, { maxLength: 300 }), (name, events) => {
        const info = { maxDatagramSizeBytes: MDS, nowMs: 0 };
        const cc: CongestionController = name === 'reno' ? new RenoController(info) : new CubicController(info);
        let now = 0;
        let mds = MDS;
        let inFlight = 0;
        for (const e of events) {
          now += e.dt;
          const sentAt = now - e.age;
          if (e.kind === 'ack') {
            cc.onPacketSent(sentAt, mds, (inFlight += mds));
            cc.onAck(now, sentAt, mds, { latestMs: e.age + 1, smoothedMs: e.age + 1, minMs: 1 }, e.app);
            inFlight -= mds;
          } else if (e.kind === 'mtu') {
            mds = e.size;
            cc.onMtuUpdate(mds);
          } else {
            cc.onCongestionEvent(now, sentAt, mds, e.kind === 'persistent');
          }
          expect(Number.isFinite(cc.cwnd)).toBe(true);
          expect(cc.cwnd).toBeGreaterThanOrEqual(2 * mds);
          expect(cc.ssthresh).toBeGreaterThanOrEqual(2 * MDS);
        }
      }),
    );
  });
});
