// Issue #4 must-show: "integrity: 100 seeds with random path failures and
// restorations: SHA-256 equal every time". Two paths; each link goes dark and
// comes back at random times (both directions), sometimes both at once, while
// 2 MB crosses; every seed must deliver exactly the bytes sent
// (test/support/path-failure-run.ts; `npm run test:integrity` runs 1,000 seeds).
import { describe, expect, test } from 'vitest';
import { runPathFailureSeed } from '../support/path-failure-run.js';

const SEEDS = 100;

describe('integrity under random path failures and restorations', () => {
  test(`${SEEDS} seeds, 2 MB each: SHA-256 equal every time`, () => {
    const times: number[] = [];
    let outages = 0;
    let bothDown = 0;
    /** Seeds whose transfer was still under way when some path went dark. */
    let hit = 0;
    for (let seed = 1; seed <= SEEDS; seed++) {
      const run = runPathFailureSeed(seed);
      expect(run.intact, `seed ${seed}`).toBe(true);
      expect(run.established, `seed ${seed}`).toBe(true);
      times.push(run.ms);
      outages += run.outages;
      bothDown += run.bothDown;
      if (run.hit) hit++;
    }
    times.sort((a, b) => a - b);
    console.log(
      `${SEEDS} seeds x 2 MB under ${outages} random outages (${bothDown} overlaps with both paths dark; ${hit} transfers hit): ` +
        `all intact; completion median ${times[SEEDS >> 1]!.toFixed(0)} ms, worst ${times[SEEDS - 1]!.toFixed(0)} ms`,
    );
    expect(bothDown).toBeGreaterThan(0); // the seeds do cover total outages
    expect(hit).toBe(SEEDS); // and every transfer met at least one
  });
});
