/**
 * The scheduler registry: what the `scheduler` transport setting accepts (a
 * built-in name or a {@link SchedulerFactory}), its validation, and a fresh
 * scheduler per connection.
 * @module
 */
import { err, ok, type Result } from 'neverthrow';
import { MptError, MptErrorCode } from '../../errors.js';
import { minRttScheduler } from './min-rtt.js';
import { redundantScheduler } from './redundant.js';
import { roundRobinScheduler } from './round-robin.js';
import type { Scheduler, SchedulerFactory, SchedulerName } from './scheduler.js';

/** Every built-in scheduler name; 'minrtt' is the default. */
export const SCHEDULER_NAMES: readonly SchedulerName[] = Object.freeze(['minrtt', 'roundrobin', 'redundant']);

/** True when `name` is one of {@link SCHEDULER_NAMES}. */
export function isSchedulerName(name: unknown): name is SchedulerName {
  return typeof name === 'string' && (SCHEDULER_NAMES as readonly string[]).includes(name);
}

/**
 * Validates a configured scheduler: a built-in name or a factory function. Err is
 * `ERR_MPT_INVALID_CONFIG` naming what is accepted. A factory is not called here (it runs once per
 * connection); what it returns is checked then.
 */
export function parseScheduler(value: unknown): Result<SchedulerName | SchedulerFactory, MptError> {
  if (isSchedulerName(value) || typeof value === 'function') return ok(value as SchedulerName | SchedulerFactory);
  const accepted = `${SCHEDULER_NAMES.join(', ')} or a function that returns a Scheduler (one per connection)`;
  if (typeof value === 'string') return err(new MptError(MptErrorCode.InvalidConfig, `unknown scheduler ${JSON.stringify(value)}; expected one of ${accepted}`));
  return err(new MptError(MptErrorCode.InvalidConfig, `scheduler must be one of ${accepted}, got ${value === null ? 'null' : typeof value}`));
}

/** Whether `value` has every method and property of the {@link Scheduler} interface. */
export function isScheduler(value: unknown): value is Scheduler {
  if (typeof value !== 'object' || value === null) return false;
  const s = value as Record<keyof Scheduler, unknown>;
  return (
    typeof s.name === 'string' &&
    typeof s.redundant === 'boolean' &&
    typeof s.order === 'function' &&
    typeof s.carriesData === 'function' &&
    typeof s.onDataSent === 'function' &&
    typeof s.copyFrom === 'function' &&
    typeof s.probeMayCarryData === 'function'
  );
}

/**
 * A new scheduler for one connection: the named built-in, or what the factory makes. A factory that
 * throws or returns no {@link Scheduler} gives the default ('minrtt'): a policy's bug must not take
 * the transport down with it.
 */
export function createScheduler(choice: SchedulerName | SchedulerFactory): Scheduler {
  if (typeof choice === 'function') {
    try {
      const made: unknown = choice();
      if (isScheduler(made)) return made;
    } catch {
      // Falls through to the default.
    }
    return minRttScheduler();
  }
  if (choice === 'roundrobin') return roundRobinScheduler();
  if (choice === 'redundant') return redundantScheduler();
  return minRttScheduler();
}
