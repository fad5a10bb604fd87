/**
 * The happy-eyeballs cache (stateful happy eyeballs, RFC 8305 §4 and §5): per destination, the address
 * that won last time and the RTT it showed, so the next connect() to the same place tries that address
 * first and paces its attempts from a measured RTT. A plain object, so an application can share it
 * between connections, persist it (JSON) and give it back later. Times are whatever clock the owner
 * uses consistently, passed in by the caller (the Node layer: wall-clock ms; the simulator: virtual ms).
 * @module
 */

/** What the cache remembers about one destination (host name and port). */
export interface HappyEyeballsCacheEntry {
  /** The address that answered first. */
  readonly address: string;
  /** Its family. */
  readonly family: 4 | 6;
  /** The handshake RTT it showed, ms. */
  readonly rttMs: number;
  /** When the entry stops counting, ms (on the owner's clock). */
  readonly expiresAtMs: number;
}

/** A happy-eyeballs cache: entries by `host:port` key. */
export interface HappyEyeballsCache {
  /** Entries by key (`cacheKey(host, port)`). */
  entries: Record<string, HappyEyeballsCacheEntry>;
}

/** How long an entry counts by default: 10 minutes (networks change; a stale entry only costs one attempt delay). */
export const DEFAULT_CACHE_TTL_MS = 600_000;

/** Most entries a cache keeps; the entry expiring first goes when a new one would exceed it. */
export const MAX_CACHE_ENTRIES = 1024;

/** An empty cache. */
export function createHappyEyeballsCache(): HappyEyeballsCache {
  return { entries: {} };
}

/** The key of a destination. */
export function cacheKey(host: string, port: number): string {
  return `${host}|${port}`;
}

/** The live entry for `key`, or undefined (an expired one is removed). */
export function cacheGet(cache: HappyEyeballsCache, key: string, nowMs: number): HappyEyeballsCacheEntry | undefined {
  const entry = cache.entries[key];
  if (entry === undefined) return undefined;
  if (!(entry.expiresAtMs > nowMs)) {
    delete cache.entries[key];
    return undefined;
  }
  return entry;
}

/** Records the address that won for `key`, valid for `ttlMs`. */
export function cacheRecord(
  cache: HappyEyeballsCache,
  key: string,
  win: { readonly address: string; readonly family: 4 | 6; readonly rttMs: number },
  nowMs: number,
  ttlMs: number = DEFAULT_CACHE_TTL_MS,
): void {
  const keys = Object.keys(cache.entries);
  if (cache.entries[key] === undefined && keys.length >= MAX_CACHE_ENTRIES) {
    let oldest = keys[0] as string;
    for (const k of keys) if ((cache.entries[k] as HappyEyeballsCacheEntry).expiresAtMs < (cache.entries[oldest] as HappyEyeballsCacheEntry).expiresAtMs) oldest = k;
    delete cache.entries[oldest];
  }
  cache.entries[key] = { address: win.address, family: win.family, rttMs: win.rttMs, expiresAtMs: nowMs + ttlMs };
}
