/**
 * Trends over the soak's samples: a least-squares line through (time, value), its slope, and what it
 * predicts over the window it was fitted on.
 * @module
 */

/** A least-squares line through points. */
export interface Trend {
  /** Points fitted. */
  readonly points: number;
  /** Span of the points' times, s. */
  readonly windowS: number;
  /** Slope, units per hour. */
  readonly perHour: number;
  /** The line's rise over the window (slope times window), units. */
  readonly overWindow: number;
}

/** The least-squares line through `(t[i], y[i])`, `t` in seconds. */
export function fitTrend(t: readonly number[], y: readonly number[]): Trend {
  const n = Math.min(t.length, y.length);
  if (n < 2) return { points: n, windowS: 0, perHour: 0, overWindow: 0 };
  let mt = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mt += t[i] as number;
    my += y[i] as number;
  }
  mt /= n;
  my /= n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    const dt = (t[i] as number) - mt;
    num += dt * ((y[i] as number) - my);
    den += dt * dt;
  }
  const slope = den === 0 ? 0 : num / den;
  const windowS = (t[n - 1] as number) - (t[0] as number);
  return { points: n, windowS, perHour: slope * 3600, overWindow: slope * windowS };
}
