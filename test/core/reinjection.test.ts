import { describe, expect, test } from 'vitest';
import type { SchedulerPath } from '../../src/core/scheduler/scheduler.js';
import { isSilent, probeMayCarryData } from '../../src/core/scheduler/reinjection.js';

/** A path as the rule sees it (SchedulerPath). */
function path(ptoCount: number, extra: Partial<Pick<SchedulerPath, 'validated' | 'hasRemoteCid' | 'closed'>> = {}): SchedulerPath {
  return { id: 0, ptoCount, srttMs: 10, backup: false, failed: false, validated: true, hasRemoteCid: true, closed: false, ...extra };
}

describe('reinjection: what a PTO probe carries', () => {
  test('a path whose probe timer fired is silent until it answers', () => {
    expect(isSilent(path(0))).toBe(false);
    expect(isSilent(path(1))).toBe(true);
  });

  test('a silent path probes with data only when no other validated path still answers', () => {
    const silent = path(2);
    // Alone, or with only silent / unvalidated / CID-less / closed company: the probe repairs the tail itself.
    expect(probeMayCarryData(silent, [silent])).toBe(true);
    expect(probeMayCarryData(silent, [silent, path(1)])).toBe(true);
    expect(probeMayCarryData(silent, [silent, path(0, { validated: false })])).toBe(true);
    expect(probeMayCarryData(silent, [silent, path(0, { hasRemoteCid: false })])).toBe(true);
    expect(probeMayCarryData(silent, [silent, path(0, { closed: true })])).toBe(true);
    // Another path answers: it carries the requeued data, the silent path only probes.
    expect(probeMayCarryData(silent, [path(0), silent])).toBe(false);
  });

  test('a path that answers probes with data as usual', () => {
    const healthy = path(0);
    expect(probeMayCarryData(healthy, [healthy, path(0)])).toBe(true);
  });
});
