/**
 * The Connection Attempt Delay of RFC 8305 §5: how long to wait for an attempt before starting the
 * next one (never cancelling the earlier ones).
 * @module
 */

/** RFC 8305 §8: the recommended default, ms. */
export const DEFAULT_ATTEMPT_DELAY_MS = 250;
/** RFC 8305 §5: the lower bound, ms (below it, attempts would just add load). */
export const MIN_ATTEMPT_DELAY_MS = 100;
/** RFC 8305 §5: the upper bound, ms. */
export const MAX_ATTEMPT_DELAY_MS = 2000;

/**
 * The attempt delay: `configuredMs` (default 250) when nothing was measured; with a measured RTT to the
 * destination (the cache), twice that RTT, which leaves room for one slow handshake before the next
 * attempt starts (RFC 8305 §5 suggests adapting it from history). Always within 100 ms .. 2 s.
 */
export function attemptDelayMs(measuredRttMs?: number | undefined, configuredMs: number = DEFAULT_ATTEMPT_DELAY_MS): number {
  const base = measuredRttMs !== undefined && measuredRttMs > 0 ? 2 * measuredRttMs : configuredMs;
  return Math.min(MAX_ATTEMPT_DELAY_MS, Math.max(MIN_ATTEMPT_DELAY_MS, base));
}
