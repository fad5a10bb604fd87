// Coupled congestion control pools paths (issue #5): a 2-path connection
// does no worse than its best path alone, and moves its traffic off a path
// that a competing flow starts to use. In virtual time; `npm run test:cc`
// asserts seeds 1-10. docs/cc.md has every controller's figures over more.
import { describe, expect, test } from 'vitest';
import { balance, ccSeeds, noWorseThanBest } from '../support/cc-scenarios.js';

const COUPLED = ['olia', 'lia', 'balia'] as const;
const SLOW = 300_000;
const BEST_PATH_SEEDS = ccSeeds(2);
const BALANCE_SEEDS = ccSeeds(5);
/** Uncoupled reno's share on path 2 per seed (computed once): it keeps half of path 1, so ~2/3. */
let renoShares: number[] | undefined;
const renoShare = (i: number): number => (renoShares ??= BALANCE_SEEDS.map((seed) => balance('reno', seed).shareOnPath2))[i]!;

describe('coupled congestion control pools paths', () => {
  test.each([...COUPLED, 'reno', 'cubic'] as const)(`disjoint 10 and 2 Mbit/s paths: %s gets at least 95 percent of the 10 Mbit/s path alone (seeds ${BEST_PATH_SEEDS.join(', ')})`, (cc) => {
    for (const seed of BEST_PATH_SEEDS) {
      const r = noWorseThanBest(cc, seed);
      expect(r.ratio, `seed ${seed}`).toBeGreaterThanOrEqual(0.95);
    }
  }, SLOW);

  // LIA and BALIA reach 70% on the mean but not on every seed (LIA 66.6% and 68.6% on seeds 1 and 2,
  // BALIA 69.5% on seed 8 of 20): in 10 s a subflow that grows by a fraction of a datagram per RTT sees
  // few of the drop-tail queue's loss events (LIA seed 1: 3 against the newcomer's 7 at similar windows),
  // and LIA keeps traffic on a congested path by design (Khalili et al.; docs/cc.md, Balance).
  test.each(COUPLED)(`balance: once a single-path flow joins path 1, %s moves at least 70 percent of its new bytes to path 2 within 10 s on the mean of seeds 1-${BALANCE_SEEDS.length}, and more than reno on each`, (cc) => {
    const shares = BALANCE_SEEDS.map((seed) => balance(cc, seed).shareOnPath2);
    console.log(`balance: ${cc}: share on path 2 ${shares.map((s) => `${(100 * s).toFixed(1)}%`).join(' ')}`);
    shares.forEach((share, i) => expect(share, `seed ${BALANCE_SEEDS[i]}`).toBeGreaterThan(renoShare(i)));
    expect(shares.reduce((a, b) => a + b) / shares.length).toBeGreaterThanOrEqual(0.7);
  }, SLOW);

  // OLIA, the default, reaches it on every seed (71-84% over seeds 1-20).
  test(`balance: olia moves at least 70 percent of its new bytes to path 2 within 10 s on each of seeds 1-${BALANCE_SEEDS.length}`, () => {
    for (const seed of BALANCE_SEEDS) expect(balance('olia', seed).shareOnPath2, `seed ${seed}`).toBeGreaterThanOrEqual(0.7);
  }, SLOW);
});
