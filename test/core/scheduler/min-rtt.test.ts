import { describe, expect, it } from 'vitest';
import { minRttScheduler } from '../../../src/core/scheduler/index.js';
import { fakePath, ids, type FakePath } from './fake-path.js';

describe('minRttScheduler', () => {
  it('offers paths by ascending smoothed RTT', () => {
    const s = minRttScheduler();
    const paths = [fakePath(0, 80), fakePath(1, 20), fakePath(2, 45)];
    const out: FakePath[] = [];
    s.order(paths, out);
    expect(ids(out)).toEqual([1, 2, 0]);
    expect(s.redundant).toBe(false);
    expect(s.copyFrom(paths[0]!)).toBe(Infinity);
    for (const p of paths) expect(s.carriesData(p)).toBe(true);
  });

  it('puts potentially failed and failed paths after every path that answers, whatever their RTT', () => {
    const s = minRttScheduler();
    const paths = [fakePath(0, 10, { ptoCount: 1 }), fakePath(1, 90), fakePath(2, 5, { failed: true }), fakePath(3, 50)];
    const out: FakePath[] = [];
    s.order(paths, out);
    expect(ids(out)).toEqual([3, 1, 2, 0]);
    // A path waiting on a PTO may still carry data (a burst of loss must not cost it the stream); a failed
    // one may not while another path answers.
    expect(s.carriesData(paths[0]!)).toBe(true);
    expect(s.carriesData(paths[2]!)).toBe(false);
  });

  it('puts backup paths after available ones and gives them data only when no available path answers', () => {
    const s = minRttScheduler();
    const primary = fakePath(0, 60);
    const backup = fakePath(1, 10, { backup: true });
    const out: FakePath[] = [];
    s.order([primary, backup], out);
    expect(ids(out)).toEqual([0, 1]);
    expect(s.carriesData(primary)).toBe(true);
    expect(s.carriesData(backup)).toBe(false);

    // The primary's probe timer fired: the backup that answers goes first and takes data.
    primary.ptoCount = 1;
    s.order([primary, backup], out);
    expect(ids(out)).toEqual([1, 0]);
    expect(s.carriesData(backup)).toBe(true);
    expect(s.carriesData(primary)).toBe(true);

    // The primary answers again: the backup is idle again.
    primary.ptoCount = 0;
    s.order([primary, backup], out);
    expect(s.carriesData(backup)).toBe(false);

    // An unvalidated available path does not count as one that can send.
    const fresh = fakePath(2, 5, { validated: false });
    primary.closed = true;
    s.order([primary, backup, fresh], out);
    expect(ids(out)).toEqual([2, 1]);
    expect(s.carriesData(fresh)).toBe(false);
    expect(s.carriesData(backup)).toBe(true);
  });

  it('leaves closed paths out and resizes the reused array', () => {
    const s = minRttScheduler();
    const out: FakePath[] = [fakePath(9, 1), fakePath(8, 1), fakePath(7, 1), fakePath(6, 1)];
    const closed = fakePath(0, 1, { closed: true });
    s.order([closed, fakePath(1, 30), fakePath(2, 20)], out);
    expect(ids(out)).toEqual([2, 1]);
    expect(s.carriesData(closed)).toBe(false);
    s.order([closed], out);
    expect(out).toHaveLength(0);
  });
});
