/**
 * Duplication on request: a path manager names some paths
 * (`PathManagerContext.setDuplication`) and each of them sends its own copy
 * of every stream byte not yet acknowledged, as the redundant scheduler does
 * on every path, while the connection's scheduler goes on choosing where new
 * data goes. Loss-driven duplication (the policy manager, in the style of
 * multipath mosh) turns it on for lossy paths only.
 * @module
 */
import type { Scheduler, SchedulerPath } from './scheduler.js';

/** Wraps a connection's scheduler; with no paths named it behaves exactly as the scheduler it wraps. */
export class DuplicatingScheduler implements Scheduler {
  /** Path ids that copy stream data; empty: duplication off. */
  private duplicated: readonly number[] = [];
  /**
   * Per path id, the stream offset up to which that path has sent stream data for the first time (new
   * data or a copy). A path named later starts copying from there, so what others sent meanwhile and is
   * still unacknowledged gets its copy.
   */
  private readonly copiedTo: number[] = [];

  constructor(private readonly inner: Scheduler) {}

  get name(): string {
    return this.inner.name;
  }

  get redundant(): boolean {
    return this.inner.redundant || this.duplicated.length > 0;
  }

  /** The paths that copy stream data (`undefined` or empty: none). */
  setDuplication(pathIds: readonly number[] | undefined): void {
    this.duplicated = pathIds === undefined ? [] : [...new Set(pathIds)];
  }

  /** The paths named for duplication. */
  get duplication(): readonly number[] {
    return this.duplicated;
  }

  order<P extends SchedulerPath>(paths: readonly P[], out: P[]): void {
    this.inner.order(paths, out);
  }

  carriesData(path: SchedulerPath): boolean {
    return this.inner.carriesData(path);
  }

  onDataSent(path: SchedulerPath, endOffset: number, retransmission: boolean): void {
    this.inner.onDataSent(path, endOffset, retransmission);
    // As in the redundant scheduler: a retransmission may lie beyond this path's cursor.
    if (retransmission) return;
    const copied = this.copiedTo;
    while (copied.length <= path.id) copied.push(0);
    if (endOffset > (copied[path.id] as number)) copied[path.id] = endOffset;
  }

  copyFrom(path: SchedulerPath): number {
    if (this.inner.redundant) return this.inner.copyFrom(path);
    return this.duplicated.includes(path.id) ? (this.copiedTo[path.id] ?? 0) : Infinity;
  }

  probeMayCarryData(path: SchedulerPath, paths: readonly SchedulerPath[]): boolean {
    return this.inner.probeMayCarryData(path, paths);
  }
}
