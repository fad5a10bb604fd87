import { cacheGet, cacheRecord, DEFAULT_CACHE_TTL_MS, type HappyEyeballsCache, type HappyEyeballsCacheEntry } from './cache.js';
import { orderDestinations, type Destination } from './order.js';
import { attemptDelayMs } from './schedule.js';

/**
 * Putting the pieces together for one connect(): the order of the attempts and their delay, from the
 * resolved addresses and what the cache remembers; and, once connected, what the cache should learn.
 * @module
 */

/** What {@link planAttempts} needs beyond the addresses. */
export interface PlanOptions {
  /** The cache to read (stateful happy eyeballs); none: plain RFC 8305 ordering. */
  readonly cache?: HappyEyeballsCache | undefined;
  /** The destination's cache key (`cacheKey(host, port)`). */
  readonly key: string;
  /** Now, on the cache's clock, ms. */
  readonly nowMs: number;
  /** RFC 8305 First Address Family Count; default 1. */
  readonly firstAddressFamilyCount?: number | undefined;
  /** The configured attempt delay, ms (default 250; clamped to 100 .. 2000). */
  readonly attemptDelayMs?: number | undefined;
}

/** The attempts of one connect(). */
export interface AttemptPlan {
  /** The destinations in the order to attempt them. */
  readonly order: Destination[];
  /** The delay between attempts, ms. */
  readonly attemptDelayMs: number;
  /** The cache entry that shaped the plan, if any. */
  readonly cached: HappyEyeballsCacheEntry | undefined;
}

/**
 * Orders `destinations` (RFC 6724 basics, families interleaved; the address the cache remembers first)
 * and picks the attempt delay (from the cached RTT when there is one, else the configured delay).
 */
export function planAttempts(destinations: readonly Destination[], options: PlanOptions): AttemptPlan {
  const entry = options.cache === undefined ? undefined : cacheGet(options.cache, options.key, options.nowMs);
  const cached = entry !== undefined && destinations.some((d) => d.host === entry.address) ? entry : undefined;
  return {
    order: orderDestinations(destinations, { firstAddressFamilyCount: options.firstAddressFamilyCount, preferred: cached?.address }),
    attemptDelayMs: attemptDelayMs(cached?.rttMs, options.attemptDelayMs),
    cached,
  };
}

/** Records the winning address of a connect() and the RTT its attempt showed. */
export function recordWinner(cache: HappyEyeballsCache, key: string, address: string, rttMs: number, nowMs: number, ttlMs: number = DEFAULT_CACHE_TTL_MS): void {
  cacheRecord(cache, key, { address, family: address.includes(':') ? 6 : 4, rttMs }, nowMs, ttlMs);
}
