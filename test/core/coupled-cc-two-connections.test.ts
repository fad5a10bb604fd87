// Two coupled connections over the same two paths split them evenly (issue
// #5): goodput within 0.8-1.25 of each other on each seed, in virtual time,
// over 590 s (LONG_RUN_MS); `npm run test:cc` asserts seeds 1-10.
import { describe, expect, test } from 'vitest';
import { BALANCE_RATE_BPS, COUPLED_CC, ccSeeds, twoCoupled } from '../support/cc-scenarios.js';

const SEEDS = ccSeeds(2);
const SLOW = SEEDS.length * 120_000;

describe('two coupled connections', () => {
  test.each(COUPLED_CC)(`two %s connections over the same two paths split within 0.8-1.25 (each of seeds ${SEEDS.join(', ')})`, (cc) => {
    for (const seed of SEEDS) {
      const r = twoCoupled(cc, seed);
      console.log(`two connections: ${cc} seed ${seed}: first / second = ${r.ratio.toFixed(3)}`);
      expect(r.firstBps + r.secondBps, `seed ${seed}`).toBeGreaterThan(0.9 * 2 * BALANCE_RATE_BPS);
      expect(r.ratio, `seed ${seed}`).toBeGreaterThanOrEqual(0.8);
      expect(r.ratio, `seed ${seed}`).toBeLessThanOrEqual(1.25);
    }
  }, SLOW);
});
