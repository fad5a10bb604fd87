import { describe, expect, it } from 'vitest';
import { roundRobinScheduler } from '../../../src/core/scheduler/index.js';
import { fakePath, ids, type FakePath } from './fake-path.js';

describe('roundRobinScheduler', () => {
  it('rotates which path is offered first after each packet of stream data, whatever the RTTs', () => {
    const s = roundRobinScheduler();
    const paths = [fakePath(0, 80), fakePath(1, 20), fakePath(2, 45)];
    const out: FakePath[] = [];
    const firsts: number[] = [];
    for (let i = 0; i < 7; i++) {
      s.order(paths, out);
      firsts.push(out[0]!.id);
      s.onDataSent(out[0]!, 1000 * (i + 1), false);
    }
    expect(firsts).toEqual([0, 1, 2, 0, 1, 2, 0]);
    s.order(paths, out);
    expect(ids(out)).toEqual([1, 2, 0]);
  });

  it('moves on past whichever path sent, retransmissions included, and not on packets without data', () => {
    const s = roundRobinScheduler();
    const paths = [fakePath(0, 10), fakePath(1, 10), fakePath(2, 10)];
    const out: FakePath[] = [];
    s.order(paths, out);
    // Path 0 could not send (window full): path 2 took the packet.
    s.onDataSent(paths[2]!, 500, true);
    s.order(paths, out);
    expect(ids(out)).toEqual([0, 1, 2]);
    s.order(paths, out); // no data sent in between: same turn
    expect(ids(out)).toEqual([0, 1, 2]);
    s.onDataSent(paths[0]!, 600, false);
    s.order(paths, out);
    expect(ids(out)).toEqual([1, 2, 0]);
  });

  it('takes turns only among paths that answer, backups only when no available path answers', () => {
    const s = roundRobinScheduler();
    const a = fakePath(0, 10);
    const b = fakePath(1, 10, { ptoCount: 2 });
    const c = fakePath(2, 10);
    const backup = fakePath(3, 1, { backup: true });
    const out: FakePath[] = [];
    s.onDataSent(a, 100, false);
    s.order([a, b, c, backup], out);
    expect(ids(out)).toEqual([2, 0, 3, 1]);
    expect(s.carriesData(backup)).toBe(false);
    s.onDataSent(c, 200, false);
    s.order([a, b, c, backup], out);
    expect(ids(out)).toEqual([0, 2, 3, 1]);
    a.closed = true;
    c.failed = true;
    s.order([a, b, c, backup], out);
    expect(ids(out)).toEqual([3, 1, 2]);
    expect(s.carriesData(backup)).toBe(true);
    expect(s.carriesData(c)).toBe(false);
  });
});
