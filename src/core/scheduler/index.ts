/**
 * Schedulers: which path carries the next packet (docs/architecture.md, Engine: Schedulers).
 * @module
 */
export type { Scheduler, SchedulerName, SchedulerPath } from './scheduler.js';
export { SCHEDULER_NAMES, createScheduler, isSchedulerName, parseScheduler } from './create-scheduler.js';
export { minRttScheduler } from './min-rtt.js';
export { redundantScheduler } from './redundant.js';
export { roundRobinScheduler } from './round-robin.js';
