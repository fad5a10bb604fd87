/**
 * How fast one connection may start validating addresses of the peer that have never answered it.
 *
 * A path to an address the peer advertised starts with a PATH_CHALLENGE padded to 1200 bytes (RFC 9000
 * §8.2.1), and the address may be anyone's: a keyed peer that advertises and withdraws a third party's
 * address over and over (a few bytes of ADD_ADDRESS / REMOVE_ADDRESS each time) would otherwise make the
 * connection send that third party 1200 bytes per advertisement, whatever the path manager's own
 * back-off. So the first {@link PROBE_BURST} such challenges start at once (enough for every address a
 * real multihomed peer has), and later ones one per {@link PROBE_INTERVAL_MS}, in order: a deferred path
 * exists, and its challenge waits. An address that answered once on this connection is not counted again.
 * @module
 */

/** Challenges to never-answered addresses that may start at once. */
export const PROBE_BURST = 8;

/** Then one more per this many ms. */
export const PROBE_INTERVAL_MS = 4_000;

/** A token bucket over virtual time (the generic cell rate algorithm), so deferrals keep their order. */
export class ProbeBudget {
  /** When the bucket would next be empty-handed if nothing were spent before: the theoretical arrival time. */
  private theoreticalMs = Number.NEGATIVE_INFINITY;
  /** Challenges deferred so far (for stats and tests). */
  deferred = 0;

  /**
   * Spends one probe asked for at `nowMs` and returns when it may start: `nowMs` while the burst lasts,
   * later (one interval after the previous one) once it is spent.
   */
  schedule(nowMs: number): number {
    const tat = Math.max(this.theoreticalMs, nowMs);
    const startMs = Math.max(nowMs, tat - (PROBE_BURST - 1) * PROBE_INTERVAL_MS);
    this.theoreticalMs = tat + PROBE_INTERVAL_MS;
    if (startMs > nowMs) this.deferred++;
    return startMs;
  }
}
