/**
 * The ranking every built-in scheduler starts from: paths that answer before
 * potentially failed ones, available paths before backup ones, closed paths
 * nowhere. Shared so the schedulers differ only in what they add to it.
 * @module
 */
import type { SchedulerPath } from './scheduler.js';

/**
 * Whether `path` answers: neither declared failed nor waiting on a probe
 * timeout. A path whose PTO fired without an ACK is "potentially failed" (as
 * MPTCP treats a subflow after an RTO): its low RTT may be stale.
 */
export function answers(path: SchedulerPath): boolean {
  return !path.failed && path.ptoCount === 0;
}

/**
 * Rank of a path, lower first: 0 available and answering, 1 backup and
 * answering, 2 available but potentially failed, 3 backup and potentially failed.
 * A backup that answers goes before a path that stopped answering: that is
 * what a backup is for.
 */
export function rank(path: SchedulerPath): number {
  return (answers(path) ? 0 : 2) + (path.backup ? 1 : 0);
}

/**
 * Copies the open (not closed) paths into `out` sorted by rank, then by
 * smoothed RTT (`byId` false) or by id (`byId` true); returns how many lead
 * with the best rank. Insertion sort in place: a connection has a handful of
 * paths, and nothing is allocated once `out` has grown to size.
 */
export function rankPaths<P extends SchedulerPath>(paths: readonly P[], out: P[], byId: boolean): number {
  let n = 0;
  for (let i = 0; i < paths.length; i++) {
    const p = paths[i] as P;
    if (p.closed) continue;
    const r = rank(p);
    let j = n - 1;
    while (j >= 0 && before(p, r, out[j] as P, byId)) {
      out[j + 1] = out[j] as P;
      j--;
    }
    out[j + 1] = p;
    n++;
  }
  if (out.length !== n) out.length = n;
  if (n === 0) return 0;
  const best = rank(out[0] as P);
  let lead = 1;
  while (lead < n && rank(out[lead] as P) === best) lead++;
  return lead;
}

function before(a: SchedulerPath, aRank: number, b: SchedulerPath, byId: boolean): boolean {
  const bRank = rank(b);
  if (aRank !== bRank) return aRank < bRank;
  return byId ? a.id < b.id : a.srttMs < b.srttMs;
}

/**
 * What {@link dataRule} needs to know about the ordered paths: whether a
 * validated available path answers, and whether any validated path does.
 */
export class DataRule {
  /** A validated, open, non-backup path answers: backups carry no data. */
  availableAnswers = false;
  /** Some validated, open path answers: failed paths carry no data. */
  anyAnswers = false;

  /** Recomputes both from the ordered open paths. */
  update(ordered: readonly SchedulerPath[]): void {
    let available = false;
    let any = false;
    for (let i = 0; i < ordered.length; i++) {
      const p = ordered[i] as SchedulerPath;
      if (!p.validated || !answers(p)) continue;
      any = true;
      if (!p.backup) available = true;
    }
    this.availableAnswers = available;
    this.anyAnswers = any;
  }

  /**
   * Whether `path` may carry stream data: validated and open; a backup only
   * when no available path answers; a path declared failed only when no path
   * answers. A potentially failed path (PTO pending) still may, offered after
   * every path that answers: its window is mostly full of unanswered packets,
   * and if it was only a burst of loss it resumes at once.
   */
  allows(path: SchedulerPath): boolean {
    if (!path.validated || path.closed) return false;
    if (path.backup && this.availableAnswers) return false;
    if (path.failed && this.anyAnswers) return false;
    return true;
  }
}
