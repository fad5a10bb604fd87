// Issue #4, "aggregation": one stream over several paths of unequal rate and
// RTT, each behind a one-BDP drop-tail queue, no random loss, the receive
// window left to its auto-tuning. Goodput = stream bytes the server's
// application read during the measured window / its length in virtual time.
// The window starts once the handshake is done and every path is validated
// on both sides, and lasts 30 virtual seconds, so slow start on each path is
// inside it. The link rates count whole datagrams: ~2.5% of each is headers,
// tags and frame overhead, so 90% leaves ~7.5% for slow start, the
// sawtooths and whatever the paths' different RTTs cost the reassembly.
import { describe, expect, test } from 'vitest';
import { runBulk } from '../support/scenarios.js';
import { multipath, streamBytesOnPath, type PathSpec } from '../support/multipath.js';

const DURATION_MS = 30_000;

function aggregate(specs: readonly PathSpec[], seed: number, durationMs = DURATION_MS) {
  const { pair, server } = multipath(specs, { seed });
  const c = pair.connection;
  const goodputBps = runBulk(pair, durationMs);
  const sumBps = specs.reduce((s, p) => s + p.rateBps, 0);
  const share = goodputBps / sumBps;
  const perPath = specs.map((s, i) => {
    const p = c.pathById(i)!;
    return `path ${i} ${s.rateBps / 1e6}M/${s.rttMs}ms: ${((streamBytesOnPath(c, i) * 8) / (durationMs / 1000) / 1e6).toFixed(2)} Mbit/s sent, srtt ${p.loss.rtt.smoothedRttMs.toFixed(0)} ms, lost ${p.stats.packetsLost}`;
  });
  console.log(
    `aggregation ${specs.map((p) => `${p.rateBps / 1e6}M/${p.rttMs}ms`).join(' + ')}: ${(goodputBps / 1e6).toFixed(2)} Mbit/s = ${(share * 100).toFixed(1)}% of ${sumBps / 1e6} Mbit/s ` +
      `(receive window ${((server() as unknown as { stream: { flow: { windowBytes: number } } }).stream.flow.windowBytes / 2 ** 20).toFixed(1)} MiB); ${perPath.join('; ')}`,
  );
  return { goodputBps, share, pair };
}

// Nothing in these scenarios is random (no loss, no jitter): the seed changes only keys and CIDs, and the
// figures with it not at all. What does change them is which path carries the handshake (path 0, the first
// to slow-start and the RTT the receive window first tunes to), so each case runs in two orders.
const TWO: PathSpec[] = [
  { rateBps: 20e6, rttMs: 20 },
  { rateBps: 10e6, rttMs: 80 },
];
const FOUR: PathSpec[] = [
  { rateBps: 20e6, rttMs: 20 },
  { rateBps: 10e6, rttMs: 80 },
  { rateBps: 5e6, rttMs: 40 },
  { rateBps: 15e6, rttMs: 60 },
];

describe('aggregation (issue #4)', () => {
  test('20 Mbit/s / 20 ms + 10 Mbit/s / 80 ms RTT: goodput >= 90% of 30 Mbit/s, either path first', () => {
    for (const specs of [TWO, [...TWO].reverse()]) {
      expect(aggregate(specs, 1).share).toBeGreaterThanOrEqual(0.9);
    }
  });

  test('four unequal paths (20/20, 10/80, 5/40, 15/60 Mbit/s / ms RTT): goodput >= 90% of 50 Mbit/s, two orders', () => {
    for (const specs of [FOUR, [...FOUR].reverse()]) {
      expect(aggregate(specs, 1).share).toBeGreaterThanOrEqual(0.9);
    }
  });
});
