/**
 * minRTT, the default scheduler: the next packet goes to the path with the
 * lowest smoothed RTT that can send (window room, pacer), so the fastest path
 * takes data until it is full and slower ones fill behind it.
 * @module
 */
import { DataRule, rankPaths } from './path-rank.js';
import { probeMayCarryData } from './reinjection.js';
import type { Scheduler, SchedulerPath } from './scheduler.js';

class MinRttScheduler implements Scheduler {
  readonly name = 'minrtt' as const;
  readonly redundant = false;
  private readonly rule = new DataRule();

  order<P extends SchedulerPath>(paths: readonly P[], out: P[]): void {
    rankPaths(paths, out, false);
    this.rule.update(out);
  }

  carriesData(path: SchedulerPath): boolean {
    return this.rule.allows(path);
  }

  onDataSent(): void {}

  copyFrom(): number {
    return Infinity;
  }

  probeMayCarryData(path: SchedulerPath, paths: readonly SchedulerPath[]): boolean {
    return probeMayCarryData(path, paths);
  }
}

/**
 * The minRTT scheduler: paths that answer before potentially failed ones,
 * available before backup, then by ascending smoothed RTT. A backup path
 * gets stream data only while no available path answers.
 */
export function minRttScheduler(): Scheduler {
  return new MinRttScheduler();
}
