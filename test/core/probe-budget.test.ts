import { describe, expect, it } from 'vitest';
import { PROBE_BURST, PROBE_INTERVAL_MS, ProbeBudget } from '../../src/core/probe-budget.js';

describe('ProbeBudget', () => {
  it('lets a burst start at once, then one per interval in order, and refills while idle', () => {
    const budget = new ProbeBudget();
    const starts = Array.from({ length: PROBE_BURST + 3 }, () => budget.schedule(1_000));
    expect(starts.slice(0, PROBE_BURST)).toEqual(Array(PROBE_BURST).fill(1_000));
    expect(starts.slice(PROBE_BURST)).toEqual([1, 2, 3].map((k) => 1_000 + k * PROBE_INTERVAL_MS));
    expect(budget.deferred).toBe(3);
    // Long idle: the whole burst is back.
    const later = 1_000 + 100 * PROBE_INTERVAL_MS;
    expect(Array.from({ length: PROBE_BURST }, () => budget.schedule(later))).toEqual(Array(PROBE_BURST).fill(later));
    expect(budget.schedule(later)).toBe(later + PROBE_INTERVAL_MS);
  });
});
