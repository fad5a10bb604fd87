/**
 * LIA, the Linked Increases Algorithm of RFC 6356 (MPTCP's coupled
 * congestion control).
 * @module
 */
import { CoupledGroup, type CoupledController } from './coupled.js';
import { RENO_LOSS_REDUCTION_FACTOR } from './window.js';

/**
 * RFC 6356 §3's alpha for the paths with an RTT sample:
 * `alpha = cwnd_total * max_i(cwnd_i / rtt_i²) / (Σ_i cwnd_i / rtt_i)²`
 * (windows in bytes, so alpha is a pure number). 1 for a single path.
 */
export function liaAlpha(paths: readonly CoupledController[]): number {
  let total = 0;
  let best = 0;
  let sum = 0;
  for (const p of paths) {
    if (!p.hasRtt) continue;
    const w = p.windowExactBytes;
    const rtt = p.smoothedRttMs;
    total += w;
    best = Math.max(best, w / (rtt * rtt));
    sum += w / rtt;
  }
  return sum > 0 ? (total * best) / (sum * sum) : 1;
}

/**
 * LIA (RFC 6356 §3). For each ACK of `bytes_acked` on path i in congestion
 * avoidance: `cwnd_i += min(alpha * bytes_acked * MSS_i / cwnd_total,
 * bytes_acked * MSS_i / cwnd_i)`, so the paths together take no more than
 * one TCP would on the best of them, and never more than Reno on path i.
 * A loss halves the path's window (`cwnd_i -= cwnd_i / 2`).
 */
export class LiaGroup extends CoupledGroup {
  /** LIA's per-ACK increase in bytes. */
  increaseBytes(c: CoupledController, bytes: number): number {
    let total = 0;
    for (const p of this.members) if (p.hasRtt) total += p.windowExactBytes;
    const own = (bytes * c.mdsBytes) / c.windowExactBytes;
    if (total <= 0) return own;
    return Math.min((liaAlpha(this.members) * bytes * c.mdsBytes) / total, own);
  }

  /** Halving, as Reno. */
  windowAfterLossBytes(c: CoupledController): number {
    return c.windowExactBytes * RENO_LOSS_REDUCTION_FACTOR;
  }
}
