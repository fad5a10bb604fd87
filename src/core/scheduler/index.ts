/**
 * Schedulers: which path carries the next packet (docs/architecture.md, Engine: Schedulers).
 * @module
 */
export type { Scheduler, SchedulerFactory, SchedulerName, SchedulerPath } from './scheduler.js';
export { SCHEDULER_NAMES, createScheduler, isScheduler, isSchedulerName, parseScheduler } from './create-scheduler.js';
export { minRttScheduler } from './min-rtt.js';
export { redundantScheduler } from './redundant.js';
export { roundRobinScheduler } from './round-robin.js';
export { isSilent, probeMayCarryData } from './reinjection.js';
