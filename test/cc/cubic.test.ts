import { describe, expect, it } from 'vitest';
import { CUBIC_ALPHA, CUBIC_BETA, CUBIC_C, CubicController } from '../../src/cc/index.js';
import type { CubicOptions, RttSample } from '../../src/cc/index.js';
import { runBottleneck } from './harness.js';

const MDS = 1200;

function rttOf(ms: number): RttSample {
  return { latestMs: ms, smoothedMs: ms, minMs: ms };
}

/**
 * A CUBIC controller that reached `segments` in slow start and then lost a
 * packet at t = 10 ms, so W_max = `segments` and cwnd = 0.7 * W_max. These
 * tests check RFC 9438 as written: the fixed-RTT ACK clock here has no queue,
 * so random-loss tolerance (tested on its own below) is off unless asked for.
 */
function afterLossAt(segments: number, options: CubicOptions = {}): CubicController {
  const cc = new CubicController({ maxDatagramSizeBytes: MDS, nowMs: 0 }, { randomLossTolerance: false, ...options });
  cc.onAck(1, 0, segments * MDS - cc.cwnd, rttOf(100), false);
  expect(cc.cwnd).toBe(segments * MDS);
  cc.onCongestionEvent(10, 5, MDS, false);
  return cc;
}

/** W_cubic(t) in segments (RFC 9438 §4.2 eq. 1), evaluated by the test itself. */
function wCubicSegments(tSeconds: number, kSeconds: number, wMaxSegments: number): number {
  return CUBIC_C * (tSeconds - kSeconds) ** 3 + wMaxSegments;
}

/** Drives `cc` with an unlimited ACK clock at a fixed RTT from t = 10 ms and samples it after each ACK. */
function drive(cc: CubicController, rttMs: number, untilMs: number, sample: (nowMs: number) => void): void {
  runBottleneck(cc, {
    rateBytesPerMs: Number.POSITIVE_INFINITY,
    baseRttMs: rttMs,
    queuePackets: Number.POSITIVE_INFINITY,
    mdsBytes: MDS,
    durationMs: untilMs,
    warmupMs: 0,
    startMs: 10,
    firstFlightSpreadMs: rttMs,
    onAck: sample,
  });
}

describe('CUBIC constants (RFC 9438)', () => {
  it('uses C = 0.4, beta = 0.7, alpha = 3(1 - beta)/(1 + beta)', () => {
    expect(CUBIC_C).toBe(0.4);
    expect(CUBIC_BETA).toBe(0.7);
    expect(CUBIC_ALPHA).toBeCloseTo(0.9 / 1.7, 12); // ≈ 0.5294
  });
});

describe('CUBIC multiplicative decrease and K', () => {
  it('drops to 0.7 * W_max on loss', () => {
    const cc = afterLossAt(100);
    expect(cc.cwnd).toBe(84_000); // 70 segments
    expect(cc.ssthresh).toBe(84_000);
    expect(cc.wMax).toBe(120_000);
  });

  it('computes K = cbrt(W_max * (1 - beta) / C) in segments when the epoch starts', () => {
    const cc = afterLossAt(100);
    cc.onAck(200, 100, MDS, rttOf(100), false); // first congestion-avoidance ACK
    expect(cc.epochStart).toBe(200);
    // cbrt(100 * 0.3 / 0.4) = cbrt(75) = 4.2171633...
    expect(cc.k).toBeCloseTo(4.2171633, 6);
    const cc2 = afterLossAt(400);
    cc2.onAck(200, 100, MDS, rttOf(100), false);
    expect(cc2.k).toBeCloseTo(Math.cbrt(300), 9); // 6.6943...
  });

  it('reduces once per recovery period', () => {
    const cc = afterLossAt(100);
    cc.onCongestionEvent(20, 8, MDS, false); // sent before the recovery start at 10 ms
    expect(cc.cwnd).toBe(84_000);
    cc.onAck(30, 9, MDS, rttOf(100), false); // ACKs from that flight do not grow it
    expect(cc.cwnd).toBe(84_000);
  });

  it('collapses to two datagrams on persistent congestion and restarts with K = 0', () => {
    const cc = afterLossAt(100);
    cc.onCongestionEvent(5000, 4000, 20 * MDS, true);
    expect(cc.cwnd).toBe(2400);
    // The loss (sent after the recovery start) first reduced by beta: 0.7 * 84000.
    expect(cc.ssthresh).toBe(Math.floor(84_000 * 0.7));
    // Slow start back up past ssthresh, then the first epoch has K = 0, W_max = cwnd (§4.8).
    cc.onAck(5100, 5050, 60_000 - 2400, rttOf(100), false);
    cc.onAck(5200, 5150, MDS, rttOf(100), false);
    expect(cc.k).toBe(0);
    expect(cc.wMax).toBe(60_000);
  });
});

describe('CUBIC window curve', () => {
  it('follows W_cubic(t) = C (t - K)³ + W_max under a fixed-RTT ACK clock', () => {
    const cc = afterLossAt(100);
    const checkpoints = [500, 1000, 2000, 3000, 4217, 5000];
    const errors: number[] = [];
    drive(cc, 100, 5200, (now) => {
      const t = now - cc.epochStart;
      const next = checkpoints[0];
      if (Number.isNaN(t)) return;
      if (next === undefined || t < next) return;
      checkpoints.shift();
      // K by hand: cbrt(100 * 0.3 / 0.4) s; W_max = 100 segments.
      const expected = wCubicSegments(t / 1000, Math.cbrt(75), 100);
      errors.push(cc.cwnd / MDS - expected);
    });
    expect(errors).toHaveLength(6);
    // The controller closes the gap to W_cubic(t + RTT) once per RTT, so it
    // tracks the curve to within a fraction of a segment (measured: < 0.1).
    for (const e of errors) expect(Math.abs(e)).toBeLessThan(0.5);
  });

  it('is concave below W_max and convex above it', () => {
    // A 200 ms RTT keeps the Reno-friendly estimate below the curve throughout.
    const cc = afterLossAt(100);
    const perSecond: number[] = [];
    let nextSecond = 1;
    drive(cc, 200, 10_300, (now) => {
      if (Number.isNaN(cc.epochStart)) return;
      if ((now - cc.epochStart) / 1000 >= nextSecond) {
        perSecond.push(cc.cwnd / MDS);
        nextSecond++;
      }
    });
    expect(perSecond.length).toBeGreaterThanOrEqual(9);
    // Plateau: at t = 4 s and 5 s (K ≈ 4.22 s) the window is within a segment of W_max.
    expect(Math.abs((perSecond[3] as number) - 100)).toBeLessThan(1);
    expect(Math.abs((perSecond[4] as number) - 100)).toBeLessThan(1);
    const growth = perSecond.slice(1).map((w, i) => w - (perSecond[i] as number));
    // Growth per second shrinks up to K and grows after it.
    for (let i = 1; i <= 2; i++) expect(growth[i] as number).toBeLessThan(growth[i - 1] as number);
    for (let i = 5; i < growth.length; i++) expect(growth[i] as number).toBeGreaterThan(growth[i - 1] as number);
    expect(cc.wEst).toBeLessThan(cc.cwnd); // the curve, not W_est, was in charge
    // At t = 9 s: 100 + 0.4 * (9 - 4.2172)³ = 143.77 segments.
    expect(perSecond[8] as number).toBeCloseTo(143.77, 0);
  });

  it('uses the Reno-friendly estimate on short RTTs and small windows', () => {
    // W_max = 20 segments, RTT 10 ms: K = cbrt(15) = 2.47 s = 247 RTTs, but
    // W_est grows alpha ≈ 0.53 segments every RTT from 14 segments.
    const cc = afterLossAt(20);
    expect(cc.cwnd).toBe(14 * MDS);
    let at50: number | undefined;
    let renoFriendlyAcks = 0;
    let acks = 0;
    drive(cc, 10, 1000, (now) => {
      if (Number.isNaN(cc.epochStart)) return;
      const t = (now - cc.epochStart) / 1000;
      acks++;
      if (cc.cubicWindowBytes(t) < cc.wEst && Math.abs(cc.cwnd - Math.floor(cc.wEst)) <= 1) renoFriendlyAcks++;
      if (at50 === undefined && now - cc.epochStart >= 50) at50 = cc.cwnd / MDS;
    });
    expect(acks).toBeGreaterThan(1000);
    expect(renoFriendlyAcks).toBe(acks); // every ACK took the W_est path
    // After 5 RTTs: 14 + 5 * 0.529 = 16.65 segments, where W_cubic(0.05) = 14.36.
    expect(at50 as number).toBeCloseTo(14 + 5 * CUBIC_ALPHA, 0);
    expect(at50 as number).toBeGreaterThan(wCubicSegments(0.05, Math.cbrt(15), 20) + 2);
  });
});

describe('CUBIC fast convergence (RFC 9438 §4.7)', () => {
  function secondLoss(options: CubicOptions): { before: number; cc: CubicController } {
    const cc = afterLossAt(100, options);
    drive(cc, 100, 1000, () => {}); // grows to about 85 segments, below W_max = 100
    const before = cc.cwnd;
    cc.onCongestionEvent(2000, 1500, MDS, false);
    return { before, cc };
  }

  it('lowers W_max to cwnd * (1 + beta) / 2 when the loss is below the previous W_max', () => {
    const { before, cc } = secondLoss({});
    expect(before / MDS).toBeGreaterThan(80);
    expect(before / MDS).toBeLessThan(90);
    expect(cc.wMax).toBeCloseTo(before * 0.85, -1); // within a few bytes
    expect(cc.cwnd).toBeCloseTo(before * 0.7, -1);
    cc.onAck(2200, 2100, MDS, rttOf(100), false);
    // K = cbrt((0.85 - 0.7) * cwnd / C) in segments.
    expect(cc.k).toBeCloseTo(Math.cbrt((0.15 * before) / MDS / 0.4), 3);
  });

  it('keeps W_max = cwnd when disabled or when the loss is above the previous W_max', () => {
    const { before, cc } = secondLoss({ fastConvergence: false });
    expect(cc.wMax).toBeCloseTo(before, -1);
    const up = afterLossAt(100);
    drive(up, 100, 6500, () => {}); // past K: above 100 segments
    const above = up.cwnd;
    expect(above / MDS).toBeGreaterThan(100);
    up.onCongestionEvent(7000, 6600, MDS, false);
    expect(up.wMax).toBeCloseTo(above, -1);
  });
});

describe('CUBIC fast convergence only after the window probed (RFC 9438 §4.7)', () => {
  it('keeps W_max = cwnd for a loss in the round right after a reduction', () => {
    // W_max = 100, cwnd = 70 segments; a packet sent at 50 ms, after the
    // recovery start (10 ms) but before any ACK grew the window, is lost:
    // it measured the window the reduction set, not a lower saturation point.
    const cc = afterLossAt(100);
    cc.onCongestionEvent(300, 50, MDS, false);
    expect(cc.wMax).toBe(84_000); // cwnd, not 0.85 * 84000
    expect(cc.cwnd).toBe(Math.floor(84_000 * 0.7)); // still a reduction by beta
  });

  it('keeps W_max = cwnd when the epoch was application limited throughout', () => {
    const cc = afterLossAt(100);
    for (let now = 200; now <= 2000; now += 100) cc.onAck(now, now - 100, MDS, rttOf(100), true);
    cc.onCongestionEvent(2100, 2000, MDS, false);
    expect(cc.wMax).toBe(84_000);
  });

  it('applies once a growing ACK preceded the lost packet', () => {
    const cc = afterLossAt(100);
    cc.onAck(200, 100, MDS, rttOf(100), false); // epoch starts, the window grows
    const w = cc.cwnd;
    cc.onCongestionEvent(400, 300, MDS, false);
    expect(cc.wMax).toBeCloseTo(w * 0.85, -1);
    // A loss of a packet sent at the ACK's own millisecond does not count as probed.
    const same = afterLossAt(100);
    same.onAck(200, 100, MDS, rttOf(100), false);
    const before = same.cwnd;
    same.onCongestionEvent(400, 200, MDS, false);
    expect(Math.floor(same.wMax)).toBe(before);
  });
});

describe('CUBIC and application-limited or idle periods (RFC 9438 §5.8)', () => {
  it('neither grows nor lets time spent app-limited advance t', () => {
    const a = afterLossAt(100);
    const b = afterLossAt(100);
    for (const cc of [a, b]) cc.onAck(110, 100, MDS, rttOf(100), false); // epoch starts at 110
    const w0 = a.cwnd;
    for (let now = 200; now <= 10_200; now += 100) a.onAck(now, now - 100, MDS, rttOf(100), true);
    expect(a.cwnd).toBe(w0);
    expect(a.epochStart).toBe(110 + 10_090);
    // Back to busy: `a` continues as `b` would have 10.09 s earlier.
    a.onAck(10_300, 10_200, MDS, rttOf(100), false);
    b.onAck(210, 110, MDS, rttOf(100), false);
    expect(a.cwnd).toBe(b.cwnd);
    expect(a.cwnd - w0).toBeLessThan(MDS);
  });

  it('shifts the epoch by the idle time when sending restarts with nothing in flight', () => {
    const cc = afterLossAt(100);
    cc.onAck(110, 100, MDS, rttOf(100), false);
    cc.onAck(200, 150, MDS, rttOf(100), false); // last ACK: the path drains
    cc.onPacketSent(5200, MDS, MDS); // 5 s later, a new first packet
    expect(cc.epochStart).toBe(5110);
    const w = cc.cwnd;
    cc.onAck(5300, 5200, MDS, rttOf(100), false);
    expect(cc.cwnd - w).toBeLessThan(MDS); // no jump to the convex region
  });
});

describe('CUBIC random-loss tolerance (Veno-style backlog test, docs/cc.md)', () => {
  /** Slow start to 100 segments with RTT samples of `rttMs` over a 100 ms path minimum, then one loss. */
  function lossWithRtt(rttMs: number, options: CubicOptions = {}): CubicController {
    const cc = new CubicController({ maxDatagramSizeBytes: MDS, nowMs: 0 }, options);
    cc.onAck(1, 0, MDS, { latestMs: 100, smoothedMs: 100, minMs: 100 }, false);
    // Two windows of samples at rttMs, so the windowed minimum is rttMs.
    cc.onAck(150, 100, MDS, { latestMs: rttMs, smoothedMs: rttMs, minMs: 100 }, false);
    cc.onAck(300, 200, 100 * MDS - cc.cwnd, { latestMs: rttMs, smoothedMs: rttMs, minMs: 100 }, false);
    expect(cc.cwnd).toBe(100 * MDS);
    cc.onCongestionEvent(310, 305, MDS, false);
    return cc;
  }

  it('cuts by 0.85 without fast convergence when the queue is nearly empty', () => {
    // Backlog 100 x (1 - 100/105) = 4.8 segments < 10: random loss.
    const cc = lossWithRtt(105);
    expect(cc.randomLossEvents).toBe(1);
    expect(cc.cwnd).toBe(85 * MDS);
    expect(cc.wMax).toBe(100 * MDS);
  });

  it('cuts by beta_cubic when the flow has a queue at the bottleneck', () => {
    // Backlog 100 x (1 - 100/125) = 20 segments: congestion.
    const cc = lossWithRtt(125);
    expect(cc.randomLossEvents).toBe(0);
    expect(cc.cwnd).toBe(70 * MDS);
  });

  it('is RFC 9438 exactly when turned off', () => {
    const cc = lossWithRtt(100, { randomLossTolerance: false });
    expect(cc.randomLossEvents).toBe(0);
    expect(cc.cwnd).toBe(70 * MDS);
  });

  it('still collapses on persistent congestion', () => {
    const cc = new CubicController({ maxDatagramSizeBytes: MDS, nowMs: 0 });
    cc.onAck(1, 0, 50 * MDS, rttOf(100), false);
    cc.onCongestionEvent(500, 400, MDS, true);
    expect(cc.cwnd).toBe(2 * MDS);
    expect(cc.randomLossEvents).toBe(0);
  });

  it('regains the plateau sooner than RFC 9438 after a random loss: K = cbrt(0.15 W_max / C)', () => {
    const cc = lossWithRtt(100);
    cc.onAck(400, 350, MDS, rttOf(100), false);
    expect(cc.k).toBeCloseTo(Math.cbrt((0.15 * 100) / CUBIC_C), 2);
  });
});
