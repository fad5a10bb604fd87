/**
 * Where the data of a path that stopped answering goes (reinjection): the
 * built-in schedulers' `Scheduler.probeMayCarryData`, which the packet
 * writer asks before a PTO probe takes stream data.
 *
 * When a path's probe timer fires while another path still answers,
 * recovery queues everything the silent path had outstanding again, for
 * the scheduler to resend on whichever path takes it (recovery.ts,
 * `onLossTimeout`). The silent path's own PTO probes ignore the congestion
 * window and are sent at once, before the other paths have window room for
 * the requeued data; if the probes carried data they would take the oldest
 * requeued ranges, the very ones the receiver's reassembly waits for, back
 * into what may be a black hole, and every later PTO would do the same
 * (observed: a 20 ms path blackholed next to an 80 ms one held the stream
 * for 4.3 s, until the backed-off PTO happened to fire while the other path
 * had room). So such a probe carries no stream data, only a PING: enough to
 * learn whether the path is alive (RFC 9002 §6.2.4 allows a PING probe),
 * while the data goes over a path that answers, as MPTCP reinjects a stalled
 * subflow's data on the others (RFC 8684 §3.3.6). Unlike a TCP subflow, a
 * path here need not resend its own packets to keep its sequence space
 * going, so its probe need not carry them. When every path is silent,
 * probes carry data as on one path.
 * @module
 */
import type { SchedulerPath } from './scheduler.js';

/** Whether `path` is "potentially failed": its probe timer fired with no answer since (MPTCP: after an RTO). */
export function isSilent(path: SchedulerPath): boolean {
  return path.ptoCount > 0;
}

/**
 * Whether a PTO probe on `path` may carry stream data: not when the path is
 * silent and another validated path still answers (that one carries it).
 */
export function probeMayCarryData(path: SchedulerPath, paths: readonly SchedulerPath[]): boolean {
  if (!isSilent(path)) return true;
  for (let i = 0; i < paths.length; i++) {
    const p = paths[i] as SchedulerPath;
    if (p !== path && p.validated && p.hasRemoteCid && !p.closed && !isSilent(p)) return false;
  }
  return true;
}
