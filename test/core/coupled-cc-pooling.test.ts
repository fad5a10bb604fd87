// Coupled congestion control pools paths (issue #5): a 2-path connection
// does no worse than its best path alone, and moves its traffic off a path
// that a competing flow starts to use. In virtual time; `npm run test:cc`
// asserts seeds 1-10. docs/cc.md has every controller's figures over more.
import { describe, expect, test } from 'vitest';
import type { CongestionControlName } from '../../src/cc/congestion-controller.js';
import { BALANCE_SETTLE_MS, COUPLED_CC, balance, ccSeeds, noWorseThanBest, type BalanceResult } from '../support/cc-scenarios.js';

const BEST_PATH_SEEDS = ccSeeds(2);
const BALANCE_SEEDS = ccSeeds(5);
// A balance run (45 virtual s) takes 1-3 s here, and the first test of a controller makes all of its runs.
const SLOW = BALANCE_SEEDS.length * 60_000;
const balanceRuns = new Map<CongestionControlName, BalanceResult[]>();
/** The balance runs of `cc` on each seed (run once, shared by the tests). */
function balanceOf(cc: CongestionControlName): BalanceResult[] {
  let runs = balanceRuns.get(cc);
  if (runs === undefined) {
    runs = BALANCE_SEEDS.map((seed) => balance(cc, seed, undefined, undefined, BALANCE_SETTLE_MS));
    balanceRuns.set(cc, runs);
  }
  return runs;
}
const renoShare = (i: number): number => balanceOf('reno')[i]!.shareOnPath2;

describe('coupled congestion control pools paths', () => {
  test.each([...COUPLED_CC, 'reno', 'cubic'] as const)(`disjoint 10 and 2 Mbit/s paths: %s gets at least 95 percent of the 10 Mbit/s path alone (seeds ${BEST_PATH_SEEDS.join(', ')})`, (cc) => {
    for (const seed of BEST_PATH_SEEDS) {
      const r = noWorseThanBest(cc, seed);
      expect(r.ratio, `seed ${seed}`).toBeGreaterThanOrEqual(0.95);
    }
  }, SLOW);

  // LIA and BALIA reach 70% on the mean but not on every seed (LIA 66.6% and 68.6% on seeds 1 and 2,
  // BALIA 69.5% on seed 8 of 20): in 10 s a subflow that grows by a fraction of a datagram per RTT sees
  // few of the drop-tail queue's loss events (LIA seed 1: 3 against the newcomer's 7 at similar windows),
  // and LIA keeps traffic on a congested path by design (Khalili et al.; docs/cc.md, Balance).
  test.each(COUPLED_CC)(`balance: once a single-path flow joins path 1, %s moves at least 70 percent of its new bytes to path 2 within 10 s on the mean of seeds 1-${BALANCE_SEEDS.length}, and more than reno on each`, (cc) => {
    const shares = balanceOf(cc).map((r) => r.shareOnPath2);
    console.log(`balance: ${cc}: share on path 2 in 10 s ${shares.map((s) => `${(100 * s).toFixed(1)}%`).join(' ')}`);
    shares.forEach((share, i) => expect(share, `seed ${BALANCE_SEEDS[i]}`).toBeGreaterThan(renoShare(i)));
    expect(shares.reduce((a, b) => a + b) / shares.length).toBeGreaterThanOrEqual(0.7);
  }, SLOW);

  // OLIA, the default, reaches it on every seed (71-84% over seeds 1-20).
  test(`balance: olia moves at least 70 percent of its new bytes to path 2 within 10 s on each of seeds 1-${BALANCE_SEEDS.length}`, () => {
    balanceOf('olia').forEach((r, i) => expect(r.shareOnPath2, `seed ${BALANCE_SEEDS[i]}`).toBeGreaterThanOrEqual(0.7));
  }, SLOW);

  // Once the newcomer's start is over, every coupled controller keeps at least 70% on path 2 on every seed
  // (over seeds 1-20: LIA 72-82%, BALIA 76-85%, OLIA 78-95%), and uncoupled Reno stays at ~2/3 (65-68%).
  test.each(COUPLED_CC)(`balance: in the 30 s after those 10 s, %s keeps at least 70 percent of its new bytes on path 2 (each of seeds 1-${BALANCE_SEEDS.length})`, (cc) => {
    const shares = balanceOf(cc).map((r) => r.settledShareOnPath2!);
    console.log(`balance: ${cc}: share on path 2 in the next 30 s ${shares.map((s) => `${(100 * s).toFixed(1)}%`).join(' ')}`);
    shares.forEach((share, i) => expect(share, `seed ${BALANCE_SEEDS[i]}`).toBeGreaterThanOrEqual(0.7));
  }, SLOW);

  test(`balance: uncoupled reno keeps about a third of its bytes on the shared path (below 70 percent on path 2, each of seeds 1-${BALANCE_SEEDS.length})`, () => {
    balanceOf('reno').forEach((r, i) => {
      expect(r.shareOnPath2, `seed ${BALANCE_SEEDS[i]}`).toBeLessThan(0.7);
      expect(r.settledShareOnPath2!, `seed ${BALANCE_SEEDS[i]}`).toBeLessThan(0.7);
    });
  }, SLOW);
});
