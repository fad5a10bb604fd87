import { describe, expect, it } from 'vitest';
import { CubicController, RenoController } from '../../src/cc/index.js';
import type { CongestionController } from '../../src/cc/index.js';
import { runBottleneck } from './harness.js';

/**
 * One bulk flow through a 20 Mbit/s (2500 B/ms) drop-tail bottleneck with a
 * 60 ms base RTT: BDP = 150 kB = 125 datagrams of 1200 B. Measured over
 * 30-300 s, past the first slow start.
 *
 * Expected shapes by hand: the window saws between (BDP + Q) and β of it.
 * With Q = 0.1 BDP, Reno bottoms out at 0.5 * 138 ≈ 69 datagrams, 55% of
 * the BDP, and climbs back at one datagram per RTT; the link is idle for
 * part of each cycle: (0.56 + 1) / 2 ≈ 0.78 while below the BDP, 1 above,
 * about 0.83 overall. CUBIC drops only to 0.7 * 138 ≈ 97 datagrams and
 * regains the plateau along the concave curve, so it loses far less.
 */
const LINK = { rateBytesPerMs: 2500, baseRttMs: 60, mdsBytes: 1200, durationMs: 300_000, warmupMs: 30_000 };
const BDP_PACKETS = 125;

function make(name: 'reno' | 'cubic'): CongestionController {
  const info = { maxDatagramSizeBytes: 1200, nowMs: 0 };
  return name === 'reno' ? new RenoController(info) : new CubicController(info);
}

describe('sawtooth on a drop-tail bottleneck', () => {
  // Measured utilisation (this harness, deterministic):
  //   Q = 0.10 BDP (13 pkts): reno 81.3 %, cubic 93.6 %
  //   Q = 0.25 BDP (31 pkts): reno 88.5 %, cubic 98.5 %
  const cases = [
    { queueFraction: 0.1, reno: 0.78, cubic: 0.9 },
    { queueFraction: 0.25, reno: 0.85, cubic: 0.95 },
  ];
  for (const c of cases) {
    const queuePackets = Math.round(BDP_PACKETS * c.queueFraction);
    it(`utilisation with a ${queuePackets}-packet buffer: reno >= ${c.reno}, cubic >= ${c.cubic}`, () => {
      const reno = runBottleneck(make('reno'), { ...LINK, queuePackets });
      const cubic = runBottleneck(make('cubic'), { ...LINK, queuePackets });
      expect(reno.utilisation).toBeGreaterThanOrEqual(Math.max(0.75, c.reno));
      expect(cubic.utilisation).toBeGreaterThanOrEqual(Math.max(0.85, c.cubic));
      expect(cubic.utilisation).toBeGreaterThan(reno.utilisation);
      expect(reno.utilisation).toBeLessThanOrEqual(1);
      expect(cubic.utilisation).toBeLessThanOrEqual(1);

      // A sawtooth, not a flat line: the peak is the pipe plus the buffer,
      // plus what the window grows in the round trip or so it takes to
      // detect the drop (measured: 2 datagrams); the trough is beta of a peak.
      const peak = (BDP_PACKETS + queuePackets) * 1200;
      for (const r of [reno, cubic]) {
        expect(r.maxCwndBytes).toBeGreaterThanOrEqual(peak);
        expect(r.maxCwndBytes).toBeLessThanOrEqual(peak + 3 * 1200);
        expect(r.congestionEvents).toBeGreaterThan(10);
      }
      expect(reno.minCwndBytes / reno.maxCwndBytes).toBeCloseTo(0.5, 1);
      expect(cubic.minCwndBytes / cubic.maxCwndBytes).toBeCloseTo(0.7, 1);
    });
  }
});
