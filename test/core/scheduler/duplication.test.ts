import { describe, expect, it } from 'vitest';
import { DuplicatingScheduler } from '../../../src/core/scheduler/duplication.js';
import { createScheduler } from '../../../src/core/scheduler/index.js';
import { fakePath } from './fake-path.js';

describe('duplication on request (DuplicatingScheduler)', () => {
  it('without paths named it is the scheduler it wraps: no copies', () => {
    const s = new DuplicatingScheduler(createScheduler('minrtt'));
    const a = fakePath(0, 20);
    expect(s.name).toBe('minrtt');
    expect(s.redundant).toBe(false);
    s.onDataSent(a, 1000, false);
    expect(s.copyFrom(a)).toBe(Infinity);
  });

  it('named paths copy from where they last sent; others do not; retransmissions leave the cursor; off again', () => {
    const s = new DuplicatingScheduler(createScheduler('minrtt'));
    const [a, b, c] = [fakePath(0, 20), fakePath(1, 40), fakePath(2, 60)];
    s.onDataSent(a, 5000, false);
    s.onDataSent(b, 1000, false);
    s.setDuplication([0, 1, 1]);
    expect(s.duplication).toEqual([0, 1]);
    expect(s.redundant).toBe(true);
    expect(s.copyFrom(a)).toBe(5000);
    expect(s.copyFrom(b)).toBe(1000); // owes its copy of 1000..5000
    expect(s.copyFrom(c)).toBe(Infinity);
    s.onDataSent(b, 9000, true);
    expect(s.copyFrom(b)).toBe(1000);
    s.onDataSent(b, 3000, false);
    expect(s.copyFrom(b)).toBe(3000);
    s.setDuplication(undefined);
    expect(s.redundant).toBe(false);
    expect(s.copyFrom(b)).toBe(Infinity);
  });

  it('over the redundant scheduler, the redundant one decides', () => {
    const s = new DuplicatingScheduler(createScheduler('redundant'));
    const a = fakePath(0, 20);
    s.onDataSent(a, 700, false);
    expect(s.redundant).toBe(true);
    expect(s.copyFrom(a)).toBe(700);
  });
});
