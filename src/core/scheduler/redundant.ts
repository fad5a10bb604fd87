/**
 * Redundant: every stream byte goes out on every path that may carry data,
 * so the stream survives the loss or sudden death of any one path with no
 * retransmission delay, at the cost of the capacity of all but one path.
 * @module
 */
import { DataRule, rankPaths } from './path-rank.js';
import { probeMayCarryData } from './reinjection.js';
import type { Scheduler, SchedulerPath } from './scheduler.js';

class RedundantScheduler implements Scheduler {
  readonly name = 'redundant' as const;
  readonly redundant = true;
  private readonly rule = new DataRule();
  /**
   * Per path id, the stream offset up to which that path has sent its copy (or
   * the copy was found acknowledged and skipped). A path that validates later
   * starts at 0 and so copies whatever is still unacknowledged.
   */
  private readonly copiedTo: number[] = [];

  order<P extends SchedulerPath>(paths: readonly P[], out: P[]): void {
    // Like minRTT: the fastest path takes new data first, the others copy it as their windows allow.
    rankPaths(paths, out, false);
    this.rule.update(out);
  }

  carriesData(path: SchedulerPath): boolean {
    return this.rule.allows(path);
  }

  onDataSent(path: SchedulerPath, endOffset: number, retransmission: boolean): void {
    // A retransmission may lie beyond this path's copy cursor (bytes another path sent and lost): moving
    // the cursor past it would skip the copies in between.
    if (retransmission) return;
    const copied = this.copiedTo;
    while (copied.length <= path.id) copied.push(0);
    if (endOffset > (copied[path.id] as number)) copied[path.id] = endOffset;
  }

  copyFrom(path: SchedulerPath): number {
    return this.copiedTo[path.id] ?? 0;
  }

  probeMayCarryData(path: SchedulerPath, paths: readonly SchedulerPath[]): boolean {
    return probeMayCarryData(path, paths);
  }
}

/**
 * The redundant scheduler: paths ordered as minRTT orders them; whichever
 * takes new stream data first, every other path that may carry data sends
 * its own copy of it too (unless it was acknowledged meanwhile). Any copy's
 * ACK settles the bytes; a lost copy requeues only bytes no copy has had
 * acknowledged, for one retransmission on whichever path takes it.
 */
export function redundantScheduler(): Scheduler {
  return new RedundantScheduler();
}
