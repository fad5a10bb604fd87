/**
 * Happy eyeballs (RFC 8305), sans-IO: destination ordering, the attempt schedule and the cache.
 * @module
 */
export * from './cache.js';
export * from './order.js';
export * from './race.js';
export * from './schedule.js';
export * from './plan.js';
