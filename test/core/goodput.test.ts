import { describe, expect, it } from 'vitest';
import type { CubicController } from '../../src/cc/index.js';
import { defaultProvider } from '../../src/crypto/default-provider.js';
import { bulkGoodput, cubicResponseBps, mathisBps } from '../support/scenarios.js';

// Issue #3.2: one CUBIC flow over a 50 Mbit/s link with a 40 ms RTT and a
// one-BDP drop-tail queue, for 30 virtual seconds after the handshake.
// Goodput = stream bytes the receiving application read / time. The link
// rate counts whole datagrams, so ~2.5% of it is headers, AEAD tags and frame
// overhead (1452-byte datagrams): 95% goodput leaves ~2.5% for slow start's
// overshoot and the sawtooth.
const RATE_BPS = 50e6;
const ONE_WAY_MS = 20;
const RTT_MS = 2 * ONE_WAY_MS;
const BDP_BYTES = (RATE_BPS / 8) * (RTT_MS / 1000);
const DURATION_MS = 30_000;

function run(lossRate: number, durationMs = DURATION_MS, provider?: Parameters<typeof bulkGoodput>[0]['provider'], seed = 3) {
  const r = bulkGoodput({
    seed,
    link: { delayMs: ONE_WAY_MS, rateBps: RATE_BPS, queueBytes: BDP_BYTES, lossRate },
    reverse: { delayMs: ONE_WAY_MS },
    durationMs,
    provider,
    // The figures below are CUBIC's (the default is OLIA, which is Reno on one path).
    client: { transport: { congestionControl: 'cubic' } },
  });
  const share = r.goodputBps / RATE_BPS;
  const ackRatio = r.pair.serverSink!.connection.paths[0]!.stats.packetsSent / r.pair.connection.paths[0]!.stats.packetsSent;
  console.log(`loss ${lossRate}: goodput ${(r.goodputBps / 1e6).toFixed(2)} Mbit/s = ${(share * 100).toFixed(1)}% of the link over ${durationMs / 1000} s; receiver sent ${ackRatio.toFixed(2)} packets per data packet`);
  return { ...r, share, ackRatio };
}

describe('goodput: 50 Mbit/s, 40 ms RTT, one-BDP queue, CUBIC', () => {
  it('reaches 95% of the link rate without random loss, with decimated ACKs', () => {
    const r = run(0);
    expect(r.share).toBeGreaterThanOrEqual(0.95);
    // ACK decimation: about one ACK per ten data packets at this rate, not one per two.
    expect(r.ackRatio).toBeLessThan(0.2);
  });

  it('reaches 80% of the link rate on each of seeds 1-5 with 0.01% random loss', () => {
    // About 13 random losses in 30 s, one every ~2.3 s, while RFC 9438's CUBIC needs K = cbrt(W_max (1 - β) / C)
    // ~ 5 s to climb back to a 170-segment W_max: where the losses fall decided the figure (61-96% over seeds
    // 1-10). A loss with the bottleneck queue nearly empty is taken as random and cut by 0.85 without fast
    // convergence (src/cc/queue-backlog.ts, docs/cc.md), which keeps every seed above 80%.
    const seeds = [1, 2, 3, 4, 5];
    const runs = seeds.map((seed) => run(0.0001, DURATION_MS, undefined, seed));
    runs.forEach((r, i) => console.log(`0.01% loss, seed ${seeds[i]}: ${(r.share * 100).toFixed(1)}%`));
    for (const r of runs) {
      expect(r.share).toBeGreaterThanOrEqual(0.8);
      // Every random drop was taken as such: the losses the link made, not the queue.
      const cc = r.pair.connection.paths[0]!.cc as CubicController;
      expect(cc.randomLossEvents).toBeGreaterThan(0);
    }
  });

  it('tracks the loss-based response function at 0.1% random loss', () => {
    const { goodputBps, pair } = run(0.001);
    const stats = pair.connection.paths[0]!.stats;
    // Lost packets are counted per path, in packets and in bytes (full-size datagrams, 1200 B at least).
    expect(stats.packetsLost).toBeGreaterThan(0);
    expect(stats.bytesLost).toBeGreaterThanOrEqual(1200 * stats.packetsLost);
    // CUBIC runs in its Reno-friendly region here, so the estimate is the larger of the two (RFC 9438 §4.3, §5.1).
    const estimate = Math.max(mathisBps(0.001, RTT_MS), cubicResponseBps(0.001, RTT_MS));
    console.log(`0.1% loss: Mathis ${(mathisBps(0.001, RTT_MS) / 1e6).toFixed(2)} Mbit/s, CUBIC response ${(cubicResponseBps(0.001, RTT_MS) / 1e6).toFixed(2)} Mbit/s, measured ${(goodputBps / 1e6).toFixed(2)} Mbit/s = ${(goodputBps / estimate).toFixed(2)}x the estimate`);
    expect(goodputBps / estimate).toBeGreaterThan(0.5);
    expect(goodputBps / estimate).toBeLessThan(3);
  });

  it('keeps 90% of the link rate with the real AEAD (10 s)', () => {
    expect(run(0, 10_000, defaultProvider()).share).toBeGreaterThanOrEqual(0.9);
  });
});
