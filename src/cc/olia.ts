/**
 * OLIA, the Opportunistic Linked-Increases Algorithm (Khalili, Gast,
 * Popovic, Le Boudec, "MPTCP is not Pareto-optimal: performance issues and
 * a possible solution", IEEE/ACM ToN 2013).
 * @module
 */
import { CoupledGroup, type CoupledController } from './coupled.js';
import { RENO_LOSS_REDUCTION_FACTOR } from './window.js';

/**
 * OLIA's α_r for path `c` among `paths` (those with an RTT sample count).
 * `l_p` is {@link CoupledController.interLossBytes}; B, the presumed best
 * paths, maximise `l_p / rtt_p²` (a TCP flow's rate squared, up to a
 * constant); M, the paths with the largest window. With `B \ M` non-empty:
 * `α_r = 1 / (|P| · |B \ M|)` for r in `B \ M`, `-1 / (|P| · |M|)` for r in
 * M, else 0. With `B \ M` empty every α is 0.
 */
export function oliaAlpha(paths: readonly CoupledController[], c: CoupledController): number {
  let n = 0;
  let maxWindow = 0;
  let bestL = 0;
  let bestRtt2 = 1;
  let haveBest = false;
  for (const p of paths) {
    if (!p.hasRtt) continue;
    n++;
    maxWindow = Math.max(maxWindow, p.windowExactBytes);
    const l = p.interLossBytes;
    const rtt2 = p.smoothedRttMs * p.smoothedRttMs;
    // l / rtt² >= bestL / bestRtt², cross-multiplied.
    if (!haveBest || l * bestRtt2 >= bestL * rtt2) {
      bestL = l;
      bestRtt2 = rtt2;
      haveBest = true;
    }
  }
  if (n === 0) return 0;
  let inM = 0;
  let inBNotM = 0;
  for (const p of paths) {
    if (!p.hasRtt) continue;
    if (p.windowExactBytes === maxWindow) inM++;
    else if (isBest(p, bestL, bestRtt2)) inBNotM++;
  }
  if (inBNotM === 0 || !c.hasRtt) return 0;
  if (c.windowExactBytes === maxWindow) return -1 / (n * inM);
  return isBest(c, bestL, bestRtt2) ? 1 / (n * inBNotM) : 0;
}

/** Whether `p` is in B: its `l_p / rtt_p²` equals the best `bestL / bestRtt2`. */
function isBest(p: CoupledController, bestL: number, bestRtt2: number): boolean {
  return p.interLossBytes * bestRtt2 === bestL * p.smoothedRttMs * p.smoothedRttMs;
}

/**
 * OLIA. For each ACK on path r in congestion avoidance, in segments:
 * `w_r += (w_r / rtt_r²) / (Σ_p w_p / rtt_p)² + α_r / w_r`; a loss halves
 * `w_r`. The first term is the Kelly-Voice increase that makes the paths
 * together as aggressive as one TCP on the best path (Pareto-optimal
 * resource pooling); α_r moves window from the largest-window paths to the
 * presumed best ones that are not yet the largest, which keeps the
 * responsiveness LIA loses. In bytes, per `bytes` acknowledged:
 * `bytes · mds_r · ((W_r / rtt_r²) / (Σ W_p / rtt_p)² + α_r / W_r)`.
 */
export class OliaGroup extends CoupledGroup {
  /** OLIA's per-ACK increase in bytes (negative for a largest-window path when a better one is smaller). */
  increaseBytes(c: CoupledController, bytes: number): number {
    const w = c.windowExactBytes;
    const rtt = c.smoothedRttMs;
    let sum = 0;
    for (const p of this.members) if (p.hasRtt) sum += p.windowExactBytes / p.smoothedRttMs;
    if (sum <= 0 || rtt <= 0) return (bytes * c.mdsBytes) / w;
    const kelly = w / (rtt * rtt) / (sum * sum);
    return bytes * c.mdsBytes * (kelly + oliaAlpha(this.members, c) / w);
  }

  /** Halving, as Reno. */
  windowAfterLossBytes(c: CoupledController): number {
    return c.windowExactBytes * RENO_LOSS_REDUCTION_FACTOR;
  }
}
