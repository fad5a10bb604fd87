/**
 * Round-robin: the paths that can take data take turns, packet by packet,
 * whatever their RTT. Useful to exercise every path evenly (tests,
 * measurements); over paths of unequal RTT it reorders more than minRTT.
 * @module
 */
import { DataRule, rankPaths } from './path-rank.js';
import { probeMayCarryData } from './reinjection.js';
import type { Scheduler, SchedulerPath } from './scheduler.js';

class RoundRobinScheduler implements Scheduler {
  readonly name = 'roundrobin' as const;
  readonly redundant = false;
  private readonly rule = new DataRule();
  /** Id of the path that last sent stream data; the next turn starts after it. -1 before any. */
  private lastPathId = -1;

  order<P extends SchedulerPath>(paths: readonly P[], out: P[]): void {
    // The best-ranked paths (those that answer, available before backup) sorted by id, then rotated so
    // the first with an id above the last sender's leads: ids wrap round.
    const lead = rankPaths(paths, out, true);
    let first = 0;
    while (first < lead && (out[first] as P).id <= this.lastPathId) first++;
    if (first > 0 && first < lead) {
      reverse(out, 0, first);
      reverse(out, first, lead);
      reverse(out, 0, lead);
    }
    this.rule.update(out);
  }

  carriesData(path: SchedulerPath): boolean {
    return this.rule.allows(path);
  }

  onDataSent(path: SchedulerPath): void {
    this.lastPathId = path.id;
  }

  copyFrom(): number {
    return Infinity;
  }

  probeMayCarryData(path: SchedulerPath, paths: readonly SchedulerPath[]): boolean {
    return probeMayCarryData(path, paths);
  }
}

/** Reverses `a[from, to)` in place. */
function reverse<T>(a: T[], from: number, to: number): void {
  for (let i = from, j = to - 1; i < j; i++, j--) {
    const t = a[i] as T;
    a[i] = a[j] as T;
    a[j] = t;
  }
}

/**
 * The round-robin scheduler: among the paths that answer (available ones, or
 * backups when none is), the one after the last path that sent stream data is
 * offered the next packet first, in path-id order; the rest follow as minRTT
 * ranks them.
 */
export function roundRobinScheduler(): Scheduler {
  return new RoundRobinScheduler();
}
