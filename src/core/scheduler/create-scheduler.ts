/**
 * The scheduler registry: the names the `scheduler` transport setting
 * accepts, their validation, and a fresh scheduler per connection.
 * @module
 */
import { err, ok, type Result } from 'neverthrow';
import { MptError, MptErrorCode } from '../../errors.js';
import { minRttScheduler } from './min-rtt.js';
import { redundantScheduler } from './redundant.js';
import { roundRobinScheduler } from './round-robin.js';
import type { Scheduler, SchedulerName } from './scheduler.js';

/** Every built-in scheduler name; 'minrtt' is the default. */
export const SCHEDULER_NAMES: readonly SchedulerName[] = Object.freeze(['minrtt', 'roundrobin', 'redundant']);

/** True when `name` is one of {@link SCHEDULER_NAMES}. */
export function isSchedulerName(name: unknown): name is SchedulerName {
  return typeof name === 'string' && (SCHEDULER_NAMES as readonly string[]).includes(name);
}

/** Validates a configured scheduler name; Err is `ERR_MPT_INVALID_CONFIG` naming the accepted values. */
export function parseScheduler(name: unknown): Result<SchedulerName, MptError> {
  if (isSchedulerName(name)) return ok(name);
  const shown = typeof name === 'string' ? JSON.stringify(name) : typeof name;
  return err(new MptError(MptErrorCode.InvalidConfig, `unknown scheduler ${shown}; expected one of ${SCHEDULER_NAMES.join(', ')}`));
}

/** A new scheduler of the named kind, for one connection. */
export function createScheduler(name: SchedulerName): Scheduler {
  if (name === 'roundrobin') return roundRobinScheduler();
  if (name === 'redundant') return redundantScheduler();
  return minRttScheduler();
}
