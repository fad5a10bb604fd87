// The coupled controllers (issue #5) against figures worked out by hand from
// the published rules, in bytes with mds = 1200 (so one full-size ACK is
// bytes · mds = 1 440 000 in the numerators below):
//   LIA   (RFC 6356 §3): +min(α·bytes·mds/W_total, bytes·mds/W_i),
//         α = W_total · max(W_i/rtt_i²) / (Σ W_i/rtt_i)²; loss: W_i / 2.
//   OLIA  (Khalili et al. 2013): +bytes·mds·((W_r/rtt_r²)/(Σ W_p/rtt_p)² + α_r/W_r); loss: W_r / 2.
//   BALIA (Peng et al. 2016): +bytes·mds·(x_r + x_max)(4x_r + x_max)/(10 W_r (Σ x)²),
//         x = W/rtt; loss: W_r − (W_r/2)·min(x_max/x_r, 1.5).
import { describe, expect, it } from 'vitest';
import {
  BaliaGroup,
  createCongestionGroup,
  CoupledController,
  CoupledGroup,
  LiaGroup,
  OliaGroup,
  RenoController,
} from '../../src/cc/index.js';

const MDS = 1200;
const INFO = { maxDatagramSizeBytes: MDS, nowMs: 0 };

function rtt(ms: number) {
  return { latestMs: ms, smoothedMs: ms, minMs: ms };
}

/** Virtual clock for the set-ups: every event a millisecond after the last. */
class Clock {
  t = 1000;
  next(): number {
    return ++this.t;
  }
}

/**
 * Brings a new path of `group` to congestion avoidance: slow-start ACKs
 * (`(peakBytes - 12000) / 1200` of them, each sampling `rttMs`) up to
 * `peakBytes`, then one congestion event.
 */
function path(group: CoupledGroup, clock: Clock, peakBytes: number, rttMs: number): CoupledController {
  expect(peakBytes).toBeGreaterThan(12_000); // at least one ACK: the path has an RTT sample
  const c = group.createController(INFO);
  for (let w = 12_000; w < peakBytes; w += MDS) {
    const t = clock.next();
    c.onAck(t, t - 1, MDS, rtt(rttMs), false);
  }
  expect(c.cwnd).toBe(peakBytes);
  const t = clock.next();
  c.onCongestionEvent(t, t - 1, MDS, false);
  return c;
}

/** The window change of one full-size ACK on `c` (a packet sent after its recovery began). */
function ackGrowth(c: CoupledController, clock: Clock, rttMs: number): number {
  const before = c.windowExactBytes;
  const t = clock.next();
  c.onAck(t, t, MDS, rtt(rttMs), false);
  return c.windowExactBytes - before;
}

/** The window after one congestion event on `c` in a new recovery period. */
function afterLoss(c: CoupledController, clock: Clock): number {
  const sent = clock.next();
  const now = clock.next();
  c.onCongestionEvent(now, sent, MDS, false);
  return c.windowExactBytes;
}

const noHystart = { hystart: false };

describe('LIA (RFC 6356)', () => {
  it('two paths, the linked term binding on both: α = 0.9467', () => {
    // W = 12000 @ 50 ms, 7200 @ 100 ms. W_total = 19200; max W/rtt² = 12000/2500 = 4.8;
    // Σ W/rtt = 240 + 72 = 312; α = 19200 · 4.8 / 97344 = 0.946746.
    // Linked term: 0.946746 · 1440000 / 19200 = 71.0059; own terms 1440000/12000 = 120 and /7200 = 200.
    for (const which of [0, 1]) {
      const clock = new Clock();
      const g = new LiaGroup(noHystart);
      const a = path(g, clock, 24_000, 50);
      const b = path(g, clock, 14_400, 100);
      expect([a.cwnd, b.cwnd]).toEqual([12_000, 7_200]);
      expect(ackGrowth(which === 0 ? a : b, clock, which === 0 ? 50 : 100)).toBeCloseTo(71.00591716, 6);
    }
  });

  it('a large slow path is held to its own Reno increase: min() picks bytes·mds/W_i', () => {
    // W = 7200 @ 10 ms, 24000 @ 200 ms. W_total = 31200; max W/rtt² = 7200/100 = 72;
    // Σ W/rtt = 720 + 120 = 840; α = 31200 · 72 / 705600 = 3.183673
    // Linked: 3.183673 · 1440000 / 31200 = 146.939. Own: 1440000/7200 = 200, 1440000/24000 = 60.
    const expected = [146.93877551, 60];
    for (const which of [0, 1]) {
      const clock = new Clock();
      const g = new LiaGroup(noHystart);
      const a = path(g, clock, 14_400, 10);
      const b = path(g, clock, 48_000, 200);
      expect([a.cwnd, b.cwnd]).toEqual([7_200, 24_000]);
      expect(ackGrowth(which === 0 ? a : b, clock, which === 0 ? 10 : 200)).toBeCloseTo(expected[which]!, 6);
    }
  });

  it('three paths: α = 1.7538, the same linked increase on every path', () => {
    // W = 12000 @ 10, 7200 @ 100, 7200 @ 100. W_total = 26400; max W/rtt² = 120;
    // Σ W/rtt = 1200 + 72 + 72 = 1344; α = 26400 · 120 / 1806336 = 1.753827;
    // linked = 1.753827 · 1440000 / 26400 = 95.6633; own terms 120, 200, 200.
    for (const which of [0, 1, 2]) {
      const clock = new Clock();
      const g = new LiaGroup(noHystart);
      const paths = [path(g, clock, 24_000, 10), path(g, clock, 14_400, 100), path(g, clock, 14_400, 100)];
      expect(ackGrowth(paths[which]!, clock, which === 0 ? 10 : 100)).toBeCloseTo(95.66326531, 6);
    }
  });

  it('a loss halves the path window and leaves the others alone', () => {
    const clock = new Clock();
    const g = new LiaGroup(noHystart);
    const a = path(g, clock, 24_000, 50);
    const b = path(g, clock, 14_400, 100);
    ackGrowth(a, clock, 50); // 12071.0059
    expect(afterLoss(a, clock)).toBeCloseTo(6035.50295858, 6);
    expect(a.ssthresh).toBe(6035);
    expect(b.windowExactBytes).toBe(7200);
  });
});

describe('OLIA (Khalili et al.)', () => {
  it('best path is also the largest window (B \\ M empty): α = 0, the Kelly-Voice term alone', () => {
    // W1 = 12000 @ 50 ms, l1 = 12000 B; W2 = 9000 @ 100 ms, l2 = 6000 B.
    // l/rtt²: 4.8 and 0.6, so B = {1} = M. Σ W/rtt = 240 + 90 = 330.
    // path 1: 1440000 · (12000/2500) / 330² = 63.4711; path 2: 1440000 · (9000/10000) / 108900 = 11.9008.
    const expected = [63.47107438, 11.90082645];
    for (const which of [0, 1]) {
      const clock = new Clock();
      const g = new OliaGroup(noHystart);
      const a = path(g, clock, 24_000, 50);
      const b = path(g, clock, 18_000, 100);
      expect([a.cwnd, b.cwnd, a.interLossBytes, b.interLossBytes]).toEqual([12_000, 9_000, 12_000, 6_000]);
      expect(ackGrowth(which === 0 ? a : b, clock, which === 0 ? 50 : 100)).toBeCloseTo(expected[which]!, 6);
    }
  });

  it('best path smaller than the largest: α = +1/2 on it, -1/2 on the largest (which shrinks)', () => {
    // W1 = 9000 @ 20 ms, l1 = 6000; W2 = 12000 @ 100 ms, l2 = 12000.
    // l/rtt²: 6000/400 = 15 > 12000/10000 = 1.2: B = {1}; M = {2}; |P| = 2, |B\M| = |M| = 1.
    // Σ W/rtt = 450 + 120 = 570, squared 324900.
    // path 1: 1440000 · (9000/400/324900 + 0.5/9000) = 1440000 · (6.92521e-5 + 5.55556e-5) = 179.7230
    // path 2: 1440000 · (12000/10000/324900 − 0.5/12000) = 1440000 · (3.69344e-6 − 4.16667e-5) = −54.6814
    const expected = [179.72299169, -54.68144044];
    for (const which of [0, 1]) {
      const clock = new Clock();
      const g = new OliaGroup(noHystart);
      const a = path(g, clock, 18_000, 20);
      const b = path(g, clock, 24_000, 100);
      expect([a.cwnd, b.cwnd]).toEqual([9_000, 12_000]);
      expect(ackGrowth(which === 0 ? a : b, clock, which === 0 ? 20 : 100)).toBeCloseTo(expected[which]!, 6);
    }
  });

  it('a largest-window path with negative α keeps shrinking, ACK after ACK (it stays in congestion avoidance)', () => {
    // The set-up above: path 2 (W = 12000 = ssthresh) loses 54.68 B on the first ACK. Its window is then
    // under the ssthresh the loss set; slow start there would add a whole 1200 B on the next ACK.
    const clock = new Clock();
    const g = new OliaGroup(noHystart);
    path(g, clock, 18_000, 20);
    const b = path(g, clock, 24_000, 100);
    expect(ackGrowth(b, clock, 100)).toBeCloseTo(-54.68144044, 6);
    for (let i = 0; i < 5; i++) expect(ackGrowth(b, clock, 100)).toBeLessThan(0);
    expect(b.windowExactBytes).toBeLessThan(12_000 - 6 * 50);
    expect(b.ssthresh).toBe(b.cwnd);
  });

  it('four paths: two best not largest (|B\\M| = 2), one largest, one in neither set', () => {
    // Set-up: W = 9000 @ 20, 9000 @ 20, 12000 @ 100, 9000 @ 100 then a second loss: 4500 @ 100.
    // l = 6000, 6000, 12000, 6000 (no bytes between path 4's two losses, so its l stays 6000).
    // l/rtt² = 15, 15, 1.2, 0.6: B = {1, 2}; M = {3}; |P| = 4: α = 1/8, 1/8, −1/4, 0.
    // Σ W/rtt = 450 + 450 + 120 + 45 = 1065, squared 1134225.
    // path 1, 2: 1440000 · (9000/400/1134225 + 0.125/9000) = 48.5658
    // path 3:    1440000 · (12000/10000/1134225 − 0.25/12000) = −28.4765
    // path 4:    1440000 · (4500/10000/1134225) = 0.5713
    const expected = [48.56576076, 48.56576076, -28.47649276, 0.57131522];
    const rtts = [20, 20, 100, 100];
    for (const which of [0, 1, 2, 3]) {
      const clock = new Clock();
      const g = new OliaGroup(noHystart);
      const ps = [path(g, clock, 18_000, 20), path(g, clock, 18_000, 20), path(g, clock, 24_000, 100), path(g, clock, 18_000, 100)];
      afterLoss(ps[3]!, clock);
      expect(ps.map((p) => p.cwnd)).toEqual([9_000, 9_000, 12_000, 4_500]);
      expect(ps.map((p) => p.interLossBytes)).toEqual([6_000, 6_000, 12_000, 6_000]);
      expect(ackGrowth(ps[which]!, clock, rtts[which]!)).toBeCloseTo(expected[which]!, 6);
    }
  });

  it('a loss halves the window and starts a new inter-loss interval (l = max of the last two)', () => {
    const clock = new Clock();
    const g = new OliaGroup(noHystart);
    const a = path(g, clock, 24_000, 50); // l: 12000 between, 0 since
    path(g, clock, 14_400, 100);
    for (let i = 0; i < 3; i++) ackGrowth(a, clock, 50);
    expect(a.interLossBytes).toBe(12_000); // max(3600 since, 12000 between)
    const w = a.windowExactBytes;
    expect(afterLoss(a, clock)).toBeCloseTo(w / 2, 9);
    expect(a.interLossBytes).toBe(3_600); // between = 3600, since = 0
  });
});

describe('BALIA (Peng, Walid, Hwang, Low)', () => {
  it('two paths: increases 76.8 and 38.4; the set-up loss of the slower path used α = 4/3', () => {
    // Path 1 alone (path 2 has no RTT yet): 24000 -> 12000 (α = 1). Path 2 at 18000 @ 100 ms:
    // x = 240, 180; α2 = 240/180 = 4/3; 18000 − 9000 · 4/3 = 6000.
    // Then x = 240, 60; Σ = 300; max = 240.
    // path 1: 1440000 · (240+240)(960+240) / (10 · 12000 · 90000) = 76.8
    // path 2: 1440000 · (60+240)(240+240) / (10 · 6000 · 90000) = 38.4
    const expected = [76.8, 38.4];
    for (const which of [0, 1]) {
      const clock = new Clock();
      const g = new BaliaGroup(noHystart);
      const a = path(g, clock, 24_000, 50);
      const b = path(g, clock, 18_000, 100);
      expect([a.cwnd, b.cwnd]).toEqual([12_000, 6_000]);
      expect(ackGrowth(which === 0 ? a : b, clock, which === 0 ? 50 : 100)).toBeCloseTo(expected[which]!, 9);
    }
  });

  it('loss: halving on the fastest path, α capped at 1.5 on a slow one (and the minimum window)', () => {
    const clock = new Clock();
    const g = new BaliaGroup(noHystart);
    const a = path(g, clock, 24_000, 50);
    const b = path(g, clock, 18_000, 100);
    // α2 = 240/60 = 4, capped: 6000 − 3000 · 1.5 = 1500, below 2 · mds: 2400.
    expect(afterLoss(b, clock)).toBe(2400);
    // Now x2 = 24: α1 = 1: 12000 / 2.
    expect(afterLoss(a, clock)).toBe(6000);
  });

  it('three paths: increases and an α = 1.25 decrease', () => {
    // As above, then path 3 at 24000 @ 40 ms: x = 240, 60, 600; α3 = 1: 12000. Then x = 240, 60, 300.
    // Σ = 600, max = 300.
    // path 1: 1440000 · (240+300)(960+300) / (10 · 12000 · 360000) = 22.68
    // path 3: 1440000 · (300+300)(1200+300) / (10 · 12000 · 360000) = 30
    // loss on path 1: α1 = 300/240 = 1.25: 12000 − 6000 · 1.25 = 4500.
    const setUp = () => {
      const clock = new Clock();
      const g = new BaliaGroup(noHystart);
      const ps = [path(g, clock, 24_000, 50), path(g, clock, 18_000, 100), path(g, clock, 24_000, 40)];
      expect(ps.map((p) => p.cwnd)).toEqual([12_000, 6_000, 12_000]);
      return { clock, ps };
    };
    let s = setUp();
    expect(ackGrowth(s.ps[0]!, s.clock, 50)).toBeCloseTo(22.68, 9);
    s = setUp();
    expect(ackGrowth(s.ps[2]!, s.clock, 40)).toBeCloseTo(30, 9);
    s = setUp();
    expect(afterLoss(s.ps[0]!, s.clock)).toBeCloseTo(4500, 9);
  });
});

describe('every coupled controller', () => {
  const groups = [
    ['lia', (o?: { hystart: boolean }) => new LiaGroup(o)],
    ['olia', (o?: { hystart: boolean }) => new OliaGroup(o)],
    ['balia', (o?: { hystart: boolean }) => new BaliaGroup(o)],
  ] as const;

  for (const [name, make] of groups) {
    it(`${name} with one path behaves exactly as NewReno`, () => {
      const c = make().createController(INFO);
      const reno = new RenoController(INFO);
      let t = 0;
      // Slow start with RTT growth (HyStart++ exits), losses, congestion avoidance, persistent congestion.
      const steps: ((x: { onAck: RenoController['onAck']; onCongestionEvent: RenoController['onCongestionEvent'] }) => void)[] = [];
      for (let i = 0; i < 400; i++) {
        const r = 40 + Math.min(i, 60) / 4;
        const at = (t += 3);
        steps.push((x) => x.onAck(at, at - r, MDS, rtt(r), false));
        if (i % 97 === 96) steps.push((x) => x.onCongestionEvent(at + 1, at, MDS, i === 290));
      }
      for (const step of steps) {
        step(c);
        step(reno);
        expect(c.cwnd).toBe(reno.cwnd);
        expect(c.ssthresh).toBe(reno.ssthresh);
      }
      expect(c.cwnd).toBeGreaterThan(12_000);
    });

    it(`${name}: one reduction per recovery period, no growth when application-limited or recovering`, () => {
      const clock = new Clock();
      const g = make({ hystart: false });
      const a = path(g, clock, 24_000, 50);
      path(g, clock, 14_400, 100);
      const w = a.windowExactBytes;
      // A loss of a packet sent before the recovery began: ignored.
      const t = clock.next();
      a.onCongestionEvent(t, t - 10, MDS, false);
      expect(a.windowExactBytes).toBe(w);
      // ACKs of packets from before the recovery, and app-limited ACKs: no growth.
      a.onAck(clock.next(), t - 10, MDS, rtt(50), false);
      const t2 = clock.next();
      a.onAck(t2, t2, MDS, rtt(50), true);
      expect(a.windowExactBytes).toBe(w);
      // Persistent congestion: the minimum window, slow start again.
      const t3 = clock.next();
      a.onCongestionEvent(t3, t3, MDS, true);
      expect(a.cwnd).toBe(2 * MDS);
      a.onAck(clock.next(), t3 + 1, MDS, rtt(50), false);
      expect(a.cwnd).toBe(3 * MDS);
    });

    it(`${name}: a path joins the sums with its first RTT sample and leaves them on close()`, () => {
      const clock = new Clock();
      const g = make({ hystart: false });
      const a = path(g, clock, 24_000, 50);
      // A second path with no RTT sample is left out: the first grows as a single Reno path.
      const b = g.createController(INFO);
      expect(g.controllers).toHaveLength(2);
      expect(ackGrowth(a, clock, 50)).toBeCloseTo((MDS * MDS) / 12_000, 9);
      // With an RTT sample it counts: the coupled increase is smaller.
      const t = clock.next();
      b.onAck(t, t - 1, MDS, rtt(50), false);
      const w = a.windowExactBytes;
      expect(ackGrowth(a, clock, 50)).toBeLessThan((MDS * MDS) / w);
      b.close();
      b.close();
      expect(g.controllers).toEqual([a]);
      const w2 = a.windowExactBytes;
      expect(ackGrowth(a, clock, 50)).toBeCloseTo((MDS * MDS) / w2, 9);
    });
  }

  it('windows are bytes: a path with a larger datagram size grows by its own mds', () => {
    // LIA, two paths at W = 12000 @ 50 ms each, path 2's mds 1452 from PMTU discovery.
    // α = 24000 · 4.8 / 480² = 0.5; linked = 0.5 · bytes · mds / 24000.
    const clock = new Clock();
    const g = new LiaGroup(noHystart);
    const a = path(g, clock, 24_000, 50);
    const b = path(g, clock, 24_000, 50);
    b.onMtuUpdate(1452);
    const before = b.windowExactBytes;
    const t = clock.next();
    b.onAck(t, t, 1452, rtt(50), false);
    expect(b.windowExactBytes - before).toBeCloseTo((0.5 * 1452 * 1452) / 24_000, 9);
    // Then on path 1: W_b = 12000 + 43.9230, W_total = 24043.9230, max W/rtt² = W_b/2500.
    const wb = 12_000 + (0.5 * 1452 * 1452) / 24_000;
    const total = 12_000 + wb;
    const alpha = (total * (wb / 2500)) / ((total / 50) * (total / 50));
    expect(ackGrowth(a, clock, 50)).toBeCloseTo((alpha * 1200 * 1200) / total, 9);
  });

  it('createCongestionGroup gives each connection its own coupled group', () => {
    for (const name of ['lia', 'olia', 'balia'] as const) {
      const g1 = createCongestionGroup(name);
      const g2 = createCongestionGroup(name);
      expect(g1).not.toBe(g2);
      expect(g1).toBeInstanceOf(CoupledGroup);
      expect(g1.createController(INFO)).toBeInstanceOf(CoupledController);
    }
  });
});
