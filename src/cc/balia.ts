/**
 * BALIA, the Balanced Linked Adaptation algorithm (Peng, Walid, Hwang, Low,
 * "Multipath TCP: Analysis, Design, and Implementation", IEEE/ACM ToN 2016;
 * draft-walid-mptcp-congestion-control).
 * @module
 */
import { CoupledGroup, type CoupledController } from './coupled.js';

/** BALIA caps α_r at this in the decrease, so a path never loses more than 3/4 of its window. */
export const BALIA_MAX_DECREASE_ALPHA = 1.5;

/** Sum of the rates `x_p = w_p / rtt_p` (bytes/ms) of the paths with an RTT sample. */
export function baliaRateSum(paths: readonly CoupledController[]): number {
  let sum = 0;
  for (const p of paths) if (p.hasRtt) sum += p.windowExactBytes / p.smoothedRttMs;
  return sum;
}

/** The largest rate `x_p = w_p / rtt_p` (bytes/ms) of the paths with an RTT sample. */
export function baliaRateMax(paths: readonly CoupledController[]): number {
  let max = 0;
  for (const p of paths) if (p.hasRtt) max = Math.max(max, p.windowExactBytes / p.smoothedRttMs);
  return max;
}

/** BALIA's `α_r = max_k x_k / x_r` for path `c` (at least 1; 1 before `c` has an RTT sample). */
export function baliaAlpha(paths: readonly CoupledController[], c: CoupledController): number {
  if (!c.hasRtt) return 1;
  return baliaRateMax(paths) / (c.windowExactBytes / c.smoothedRttMs);
}

/**
 * BALIA. In segments, for each ACK on path r in congestion avoidance:
 * `w_r += (x_r / (rtt_r (Σ_k x_k)²)) · ((1 + α_r) / 2) · ((4 + α_r) / 5)`
 * with `x_k = w_k / rtt_k` and `α_r = max_k x_k / x_r`; for each loss
 * `w_r -= (w_r / 2) · min(α_r, 1.5)`. It balances LIA's friendliness and
 * OLIA's responsiveness: the slower a path is relative to the fastest, the
 * more it grows per ACK and the more it gives back per loss. In bytes the
 * increase per `bytes` acknowledged is
 * `bytes · mds_r · (X_r + X_max)(4 X_r + X_max) / (10 W_r (Σ X_k)²)`, the
 * same expression with `x_r (1 + α_r)(4 + α_r) = (x_r + x_max)(4 x_r + x_max) / x_r`.
 */
export class BaliaGroup extends CoupledGroup {
  /** BALIA's per-ACK increase in bytes. */
  increaseBytes(c: CoupledController, bytes: number): number {
    const sum = baliaRateSum(this.members);
    if (sum <= 0 || !c.hasRtt) return (bytes * c.mdsBytes) / c.windowExactBytes;
    const own = c.windowExactBytes / c.smoothedRttMs;
    const max = baliaRateMax(this.members);
    return (bytes * c.mdsBytes * (own + max) * (4 * own + max)) / (10 * c.windowExactBytes * sum * sum);
  }

  /** `w_r - (w_r / 2) · min(α_r, 1.5)`: halving on the fastest path, down to a quarter on slow ones. */
  windowAfterLossBytes(c: CoupledController): number {
    const alpha = Math.min(baliaAlpha(this.members, c), BALIA_MAX_DECREASE_ALPHA);
    return c.windowExactBytes - (c.windowExactBytes / 2) * alpha;
  }
}
