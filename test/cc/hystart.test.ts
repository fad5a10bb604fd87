import { describe, expect, it } from 'vitest';
import {
  CubicController,
  HYSTART_CSS_GROWTH_DIVISOR,
  HYSTART_CSS_ROUNDS,
  HYSTART_MAX_RTT_THRESH_MS,
  HYSTART_MIN_RTT_DIVISOR,
  HYSTART_MIN_RTT_THRESH_MS,
  HYSTART_N_RTT_SAMPLE,
  hystartRttThresholdMs,
  RenoController,
} from '../../src/cc/index.js';
import type { CongestionController } from '../../src/cc/index.js';
import { runBottleneck } from './harness.js';

const MDS = 1200;
const INFO = { maxDatagramSizeBytes: MDS, nowMs: 0 };

/**
 * Rounds by hand: batch `b` is ten ACKs at 1000 + 100 b + i ms (i = 0..9),
 * each for a packet sent `rttMs` earlier. The first ACK of a batch is for a
 * packet sent after the previous batch began, so it ends the round that
 * batch started and is that round's last RTT sample (RFC 9406 §4.2: the
 * round ends when windowEnd is ACKed). A round's samples are therefore ACKs
 * 1..9 of its batch and ACK 0 of the next: its 8th sample is ACK 8.
 */
function batch(cc: CongestionController, b: number, rttMs: number, after?: (i: number) => void): void {
  for (let i = 0; i < 10; i++) {
    const now = 1000 + 100 * b + i;
    cc.onAck(now, now - rttMs, MDS, { latestMs: rttMs, smoothedMs: rttMs, minMs: 40 }, false);
    after?.(i);
  }
}

describe('HyStart++ constants (RFC 9406 §4.3)', () => {
  it('uses the RFC values', () => {
    expect([HYSTART_MIN_RTT_THRESH_MS, HYSTART_MAX_RTT_THRESH_MS, HYSTART_MIN_RTT_DIVISOR]).toEqual([4, 16, 8]);
    expect([HYSTART_N_RTT_SAMPLE, HYSTART_CSS_GROWTH_DIVISOR, HYSTART_CSS_ROUNDS]).toEqual([8, 4, 5]);
  });

  it('needs a delay increase of max(4 ms, min(16 ms, lastRoundMinRTT / 8))', () => {
    expect(hystartRttThresholdMs(20)).toBe(4); // 2.5 -> 4
    expect(hystartRttThresholdMs(40)).toBe(5);
    expect(hystartRttThresholdMs(80)).toBe(10);
    expect(hystartRttThresholdMs(200)).toBe(16); // 25 -> 16
  });
});

describe('HyStart++ slow-start exit', () => {
  for (const [last, exitAt] of [[40, 45], [20, 24], [80, 90]] as const) {
    it(`enters CSS at a round min RTT of ${exitAt} ms after ${last} ms, on the round's 8th sample`, () => {
      const cc = new RenoController(INFO);
      batch(cc, 0, last);
      batch(cc, 1, exitAt, (i) => {
        // ACK 0 closed round 0; ACKs 1..7 are samples 1..7 of round 1: no verdict yet.
        expect(cc.hystart.phase).toBe(i < 8 ? 'slow-start' : 'css');
      });
      expect(cc.hystart.lastRoundMinRtt).toBe(last);
      expect(cc.hystart.cssBaselineMinRtt).toBe(exitAt);
      expect(cc.ssthresh).toBe(Number.POSITIVE_INFINITY);
    });

    it(`stays in slow start at ${exitAt - 0.01} ms after ${last} ms`, () => {
      const cc = new RenoController(INFO);
      batch(cc, 0, last);
      batch(cc, 1, exitAt - 0.01);
      expect(cc.hystart.phase).toBe('slow-start');
      // The next round compares with the one before it: 4 ms more is not enough at 40 + 4.99.
      batch(cc, 2, exitAt - 0.01 + 3.99);
      expect(cc.hystart.phase).toBe('slow-start');
      // The 16 ms cap is the same rule (a 200 ms round would need 216 ms): see the threshold test.
    });
  }

  it('counts one RTT sample per ACK, not per packet it acknowledges', () => {
    const cc = new RenoController(INFO);
    batch(cc, 0, 40);
    // ACK frames of 5 packets each at 50 ms. Frame 0 closes round 1; frames
    // 1..7 are 7 samples of round 2 (35 packets): no verdict yet.
    for (let f = 0; f < 8; f++) {
      const now = 1100 + f;
      for (let p = 0; p < 5; p++) cc.onAck(now, now - 50, MDS, { latestMs: 50, smoothedMs: 50, minMs: 40 }, false);
    }
    expect(cc.hystart.phase).toBe('slow-start');
    cc.onAck(1108, 1058, MDS, { latestMs: 50, smoothedMs: 50, minMs: 40 }, false); // the 8th sample
    expect(cc.hystart.phase).toBe('css');
  });
});

describe('Conservative Slow Start (RFC 9406 §4.2)', () => {
  it('grows by a quarter of slow start, and enters congestion avoidance with ssthresh = cwnd after 5 rounds', () => {
    const cc = new RenoController(INFO);
    batch(cc, 0, 40);
    expect(cc.cwnd).toBe(12_000 + 10 * MDS); // slow start: +1 datagram per datagram ACKed
    batch(cc, 1, 45);
    // ACKs 0..8 grew in slow start (ACK 8 decided the exit after its own growth), ACK 9 in CSS.
    expect(cc.cwnd).toBe(24_000 + 9 * MDS + MDS / 4);
    // The round CSS began in is the first of its 5; rounds 2..5 are the next four.
    for (let b = 2; b <= 5; b++) batch(cc, b, 45);
    expect(cc.hystart.phase).toBe('css');
    expect(cc.cwnd).toBe(35_100 + 40 * (MDS / HYSTART_CSS_GROWTH_DIVISOR));
    expect(cc.ssthresh).toBe(Number.POSITIVE_INFINITY);
    // ACK 0 of batch 6 ends the fifth CSS round (it still grows by a quarter): congestion avoidance.
    cc.onAck(1600, 1555, MDS, { latestMs: 45, smoothedMs: 45, minMs: 40 }, false);
    expect(cc.hystart.phase).toBe('done');
    expect(cc.cwnd).toBe(47_400);
    expect(cc.ssthresh).toBe(47_400);
    cc.onAck(1601, 1556, MDS, { latestMs: 45, smoothedMs: 45, minMs: 40 }, false);
    expect(cc.cwnd).toBe(Math.floor(47_400 + (MDS * MDS) / 47_400)); // §7.3.3: mds * acked / cwnd
  });

  it('returns to slow start when a CSS round min RTT drops below the baseline', () => {
    const cc = new RenoController(INFO);
    batch(cc, 0, 40);
    batch(cc, 1, 45);
    expect(cc.hystart.phase).toBe('css');
    batch(cc, 2, 42, (i) => {
      // ACK 0 is the 10th sample of the CSS round: 42 < 45, back to slow start at once.
      if (i === 0) expect(cc.hystart.phase).toBe('slow-start');
    });
    expect(cc.hystart.cssBaselineMinRtt).toBe(Number.POSITIVE_INFINITY);
    // ACK 0 grew by a quarter (it arrived in CSS), ACKs 1..9 by a full datagram.
    expect(cc.cwnd).toBe(35_100 + MDS / 4 + 9 * MDS);
    // HyStart++ is back in charge: the next exit needs 42 + 5.25 ms.
    batch(cc, 3, 47.2);
    expect(cc.hystart.phase).toBe('slow-start');
    batch(cc, 4, 47.2 + 5.9);
    expect(cc.hystart.phase).toBe('css');
  });

  it('ends on a loss, in CSS or slow start; later slow starts are standard', () => {
    const cc = new RenoController(INFO);
    batch(cc, 0, 40);
    batch(cc, 1, 45);
    expect(cc.hystart.phase).toBe('css');
    const before = cc.cwnd;
    cc.onCongestionEvent(1200, 1150, MDS, false);
    expect(cc.hystart.phase).toBe('done');
    expect(cc.cwnd).toBe(Math.floor(before / 2));
    cc.onCongestionEvent(2000, 1900, MDS, true); // persistent congestion: slow start again
    cc.onAck(2100, 2050, MDS, { latestMs: 200, smoothedMs: 200, minMs: 40 }, false);
    expect(cc.cwnd).toBe(2 * MDS + MDS); // full slow-start growth despite the RTT
  });

  it('can be turned off', () => {
    const cc = new RenoController(INFO, { hystart: false });
    batch(cc, 0, 40);
    batch(cc, 1, 60);
    expect(cc.hystart.phase).toBe('done');
    expect(cc.cwnd).toBe(12_000 + 20 * MDS);
  });
});

describe('CUBIC with HyStart++ (RFC 9438 §4.10)', () => {
  it('starts the first epoch at its inflection point when CSS ends without a loss', () => {
    const cc = new CubicController(INFO);
    batch(cc, 0, 40);
    batch(cc, 1, 45);
    expect(cc.cwnd).toBe(24_000 + 9 * MDS + MDS / 4); // the same CSS growth as Reno
    for (let b = 2; b <= 5; b++) batch(cc, b, 45);
    cc.onAck(1600, 1555, MDS, { latestMs: 45, smoothedMs: 45, minMs: 40 }, false);
    expect(cc.ssthresh).toBe(47_400);
    cc.onAck(1601, 1556, MDS, { latestMs: 45, smoothedMs: 45, minMs: 40 }, false);
    // W_max undefined: K = 0, W_max = cwnd at the epoch start; W_est = cwnd, α = 1 at once.
    expect(cc.k).toBe(0);
    expect(cc.wMax).toBe(47_400);
    expect(cc.wEst).toBeCloseTo(47_400 + (MDS * MDS) / 47_400, 9);
  });

  it('cuts the first slow start short on a deep drop-tail queue', () => {
    // 20 Mbit/s, 60 ms (BDP 125 datagrams), ACK-clocked bursts, first 3 s.
    // A round's minimum RTT is that of the packets sent first in the round
    // before, so the exit comes a round after a standing queue appears and
    // the window still overshoots, by less (measured: exit at ~359 datagrams;
    // drops 547 -> 104 with a 2-BDP queue, 363 -> 176 with 1 BDP).
    const drops = (queuePackets: number, hystart: boolean): number =>
      runBottleneck(new CubicController(INFO, { hystart }), {
        rateBytesPerMs: 2500, baseRttMs: 60, mdsBytes: MDS, durationMs: 3000, warmupMs: 0, queuePackets,
      }).drops;
    expect(drops(250, false)).toBeGreaterThan(500);
    expect(drops(250, true)).toBeLessThan(150);
    expect(drops(125, true)).toBeLessThan(0.6 * drops(125, false));
  });
});
