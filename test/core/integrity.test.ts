import { describe, expect, it } from 'vitest';
import { nullProvider } from '../support/null-provider.js';
import { sweepBoundMs, sweepLink, transfer } from '../support/scenarios.js';

// Issue #3.1: a 1 MB transfer over 50 seeds, and one 10 MB transfer, at each
// loss rate, with reordering and duplication on both directions of a
// 20 Mbit/s, 20 ms RTT link: every byte arrives exactly once and in order
// (SHA-256), and each run ends within sweepBoundMs (three times the time at
// the Mathis rate, plus a handshake allowance), i.e. nothing stalls. The
// sweeps use the test-only null packet protection; one run per loss rate uses
// the real AEAD.
const SEEDS = 50;
const MB = 1_000_000;

describe.each([0, 0.01, 0.05, 0.1])('integrity at %s random loss, with reordering and duplication', (lossRate) => {
  it(`1 MB intact and within the bound on ${SEEDS} seeds (null packet protection)`, () => {
    const bound = sweepBoundMs(MB, lossRate);
    const times: number[] = [];
    for (let seed = 1; seed <= SEEDS; seed++) {
      const r = transfer({ seed, link: sweepLink(lossRate), bytes: MB, limitMs: bound, provider: nullProvider });
      expect(r.intact, `seed ${seed}`).toBe(true);
      times.push(r.ms);
    }
    times.sort((a, b) => a - b);
    const median = times[SEEDS >> 1]!;
    const worst = times[SEEDS - 1]!;
    console.log(`loss ${lossRate}: 1 MB x ${SEEDS} seeds, median ${median.toFixed(0)} ms, worst ${worst.toFixed(0)} ms (bound ${bound.toFixed(0)} ms)`);
    expect(worst).toBeLessThanOrEqual(bound);
  });

  it('10 MB intact and within the bound (null packet protection)', () => {
    const bound = sweepBoundMs(10 * MB, lossRate);
    const r = transfer({ seed: 1000, link: sweepLink(lossRate), bytes: 10 * MB, limitMs: bound, provider: nullProvider });
    expect(r.intact).toBe(true);
    console.log(`loss ${lossRate}: 10 MB in ${r.ms.toFixed(0)} ms (bound ${bound.toFixed(0)} ms)`);
  });

  it('1 MB intact with the real AEAD', () => {
    const r = transfer({ seed: 7, link: sweepLink(lossRate), bytes: MB, limitMs: sweepBoundMs(MB, lossRate) });
    expect(r.intact).toBe(true);
    expect(r.pair.connection.paths[0]!.stats.packetsSent).toBeGreaterThan(700);
  });
});
