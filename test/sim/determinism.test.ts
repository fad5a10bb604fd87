import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { Simulator, formatTrace } from '../../src/sim/index.js';
import { PacedSender, Receiver, addr } from './fake-endpoints.js';

const CLIENT = addr('10.0.0.1', 4000);
const SERVER = addr('10.9.9.9', 443);

/** A busy scenario using every random feature; returns the hash of its trace and the number of trace lines. */
function scenario(seed: number): { hash: string; lines: number } {
  const hash = createHash('sha256');
  let lines = 0;
  const sim = new Simulator({
    seed,
    trace: (record) => {
      hash.update(formatTrace(record)).update('\n');
      lines++;
    },
  });
  sim.attach(new PacedSender(CLIENT, SERVER, { count: 5_000, intervalMs: 0.5, sizeBytes: (s) => 200 + (s % 1200) }), [CLIENT]);
  sim.attach(new Receiver(true), [SERVER]);
  sim.twoWayLink(
    CLIENT.host,
    SERVER.host,
    {
      delayMs: 15,
      jitterMs: 5,
      lossRate: 0.01,
      burstLoss: { goodToBad: 0.005, badToGood: 0.3 },
      rateBps: 12e6,
      queueBytes: 20_000,
      reorderRate: 0.01,
      duplicateRate: 0.01,
      mtuBytes: 1300,
    },
    { delayMs: 15, jitterMs: 8, reorder: true, lossRate: 0.02 },
  );
  sim.rebind(CLIENT.host, CLIENT.port, 7000, 1_000);
  sim.blackhole(sim.createLink({ name: 'unused' }), 100, 200);
  sim.runFor(3_000);
  return { hash: hash.digest('hex'), lines };
}

describe('determinism', () => {
  test('equal seeds give identical event traces; different seeds different ones', () => {
    const first = scenario(123);
    const second = scenario(123);
    const other = scenario(124);
    expect(first.lines).toBeGreaterThan(10_000);
    expect(second).toEqual(first);
    expect(other.hash).not.toBe(first.hash);
  });

  test("adding a link or drawing user randomness does not change another link's draws", () => {
    const arrivals = (extra: boolean): number[] => {
      const sim = new Simulator({ seed: 77 });
      if (extra) {
        sim.createLink({ name: 'other', lossRate: 0.5, jitterMs: 3 });
        const rng = sim.random('test');
        for (let i = 0; i < 100; i++) rng.nextUint32();
      }
      const receiver = new Receiver();
      sim.attach(new PacedSender(CLIENT, SERVER, { count: 2_000, intervalMs: 1 }), [CLIENT]);
      sim.attach(receiver, [SERVER]);
      sim.link(CLIENT.host, SERVER.host, { lossRate: 0.1, jitterMs: 4, reorder: true });
      sim.runFor(2_100);
      return receiver.arrivals.map((a) => a.seq * 1e6 + a.arrivalMs);
    };
    expect(arrivals(true)).toEqual(arrivals(false));
  });

  test('splitting a run into pieces does not change it', () => {
    const run = (pieces: number): string => {
      const lines: string[] = [];
      const sim = new Simulator({ seed: 5, trace: (r) => lines.push(formatTrace(r)) });
      sim.attach(new PacedSender(CLIENT, SERVER, { count: 500, intervalMs: 1.3 }), [CLIENT]);
      sim.attach(new Receiver(true), [SERVER]);
      sim.twoWayLink(CLIENT.host, SERVER.host, { delayMs: 7, jitterMs: 3, lossRate: 0.05 });
      for (let i = 0; i < pieces; i++) sim.runFor(1_000 / pieces);
      return lines.join('\n');
    };
    expect(run(7)).toBe(run(1));
  });
});
