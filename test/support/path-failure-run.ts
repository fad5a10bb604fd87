// One seed of the path-failure integrity scenario (test/core/path-failures-integrity.test.ts, and
// `npm run test:integrity` over 1,000 seeds): two paths, 20 Mbit/s 20 ms and 10 Mbit/s 60 ms; each link
// goes dark and comes back at random times (both directions, up 50-600 ms, down 100-1500 ms, for the
// first 8 s), sometimes both at once, while 2 MB crosses.
import { payload, sha256 } from './engine-pair.js';
import { bdpLink, twoPaths } from './two-paths.js';

/** Bytes each seed sends. */
export const PATH_FAILURE_BYTES = 2_000_000;

/** What one seed gave. */
export interface PathFailureRun {
  /** Whether the receiver's bytes hash to the sender's. */
  readonly intact: boolean;
  /** Whether the connection was still established at the end (no failure closed it). */
  readonly established: boolean;
  /** Virtual ms from the first write to the receiver's FIN. */
  readonly ms: number;
  /** Outages scheduled, and those overlapping on both paths (total outages). */
  readonly outages: number;
  readonly bothDown: number;
  /** Whether some outage began before the transfer was over. */
  readonly hit: boolean;
}

/** Runs seed `seed` to the end of its transfer (at most 120 s of virtual time: throws past it). */
export function runPathFailureSeed(seed: number): PathFailureRun {
  const { pair } = twoPaths({ seed, linkA: bdpLink(20e6, 20), linkB: bdpLink(10e6, 60) });
  const rng = pair.sim.random('failures');
  const start = pair.sim.nowMs;
  const down: [number, number][][] = [[], []];
  let outages = 0;
  for (const [i, link] of [pair.link, pair.extraLinks[0]!].entries()) {
    let t = start;
    while (t < start + 8_000) {
      t += 50 + rng.nextInt(550);
      const until = t + 100 + rng.nextInt(1_400);
      pair.sim.blackhole(link.forward, t, until);
      pair.sim.blackhole(link.reverse, t, until);
      down[i]!.push([t, until]);
      outages++;
      t = until;
    }
  }
  let bothDown = 0;
  for (const [a0, a1] of down[0]!) for (const [b0, b1] of down[1]!) if (a0 < b1 && b0 < a1) bothDown++;
  const data = payload(PATH_FAILURE_BYTES, seed);
  pair.connection.write(data);
  pair.connection.shutdown();
  pair.clientNode.wake();
  pair.runUntil(() => pair.serverSink!.finished, 120_000);
  const end = pair.sim.nowMs;
  return {
    intact: sha256(pair.serverSink!.data()) === sha256(data),
    established: pair.connection.state === 'established',
    ms: end - start,
    outages,
    bothDown,
    hit: down.some((l) => l.some(([from]) => from < end)),
  };
}
