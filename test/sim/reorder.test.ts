import { describe, expect, test } from 'vitest';
import { Simulator, type LinkOptions } from '../../src/sim/index.js';
import { PacedSender, Receiver, addr, type Arrival } from './fake-endpoints.js';

const CLIENT = addr('10.0.0.1', 4000);
const SERVER = addr('10.9.9.9', 443);

function run(count: number, intervalMs: number, options: LinkOptions, seed = 1) {
  const sim = new Simulator({ seed });
  const receiver = new Receiver();
  sim.attach(new PacedSender(CLIENT, SERVER, { count, intervalMs, sizeBytes: 200 }), [CLIENT]);
  sim.attach(receiver, [SERVER]);
  const link = sim.link(CLIENT.host, SERVER.host, options);
  sim.runFor(count * intervalMs + 1_000);
  return { arrivals: receiver.arrivals, stats: link.stats() };
}

/** Datagrams that arrived after some datagram sent later than them. */
function lateArrivals(arrivals: readonly Arrival[]): number {
  // A datagram is late if a higher sequence number arrived before it: keep the highest seen so far.
  let highest = -1;
  let late = 0;
  for (const a of arrivals) {
    if (a.seq < highest) late++;
    else highest = a.seq;
  }
  return late;
}

describe('jitter and reordering', () => {
  test('jitter without reorder varies the delay but keeps order', () => {
    const { arrivals } = run(5_000, 1, { delayMs: 10, jitterMs: 20 });
    expect(arrivals).toHaveLength(5_000);
    expect(arrivals.map((a) => a.seq)).toEqual([...Array(5_000).keys()]);
    const delays = arrivals.map((a) => a.arrivalMs - a.sentAtMs);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(10);
    expect(Math.max(...delays)).toBeGreaterThan(25);
    expect(Math.max(...delays)).toBeLessThanOrEqual(31); // bunching can hold one back up to the jitter plus a gap
    expect(arrivals.every((a, i) => i === 0 || a.arrivalMs >= arrivals[i - 1]!.arrivalMs)).toBe(true);
  });

  test('jitter with reorder: true reorders', () => {
    const { arrivals } = run(5_000, 1, { delayMs: 10, jitterMs: 20, reorder: true });
    expect(arrivals).toHaveLength(5_000);
    expect(lateArrivals(arrivals)).toBeGreaterThan(1_000);
    const delays = arrivals.map((a) => a.arrivalMs - a.sentAtMs);
    expect(Math.max(...delays)).toBeLessThanOrEqual(30);
    // Uniform jitter: mean delay ~ delayMs + jitterMs / 2.
    expect(delays.reduce((s, d) => s + d, 0) / delays.length).toBeCloseTo(20, 0);
  });

  test('reorderRate delays about that fraction past later datagrams', () => {
    const COUNT = 20_000;
    const RATE = 0.05;
    const { arrivals, stats } = run(COUNT, 1, { delayMs: 10, reorderRate: RATE, reorderDelayMs: 5.5 });
    expect(arrivals).toHaveLength(COUNT);
    const late = lateArrivals(arrivals);
    // With a 1 ms pace and 5.5 ms extra delay every delayed datagram is overtaken.
    expect(late).toBe(stats.datagramsReorderDelayed);
    const sigma = Math.sqrt(COUNT * RATE * (1 - RATE));
    expect(Math.abs(late - COUNT * RATE)).toBeLessThan(4 * sigma);
    expect(new Set(arrivals.map((a) => a.arrivalMs - a.sentAtMs))).toEqual(new Set([10, 15.5]));
  });

  test('duplicateRate delivers about that fraction twice, with their own copy of the bytes', () => {
    const COUNT = 50_000;
    const RATE = 0.02;
    const { arrivals, stats } = run(COUNT, 0.2, { delayMs: 3, duplicateRate: RATE });
    const duplicates = arrivals.length - COUNT;
    expect(duplicates).toBe(stats.datagramsDuplicated);
    expect(stats.datagramsDelivered).toBe(arrivals.length);
    const sigma = Math.sqrt(COUNT * RATE * (1 - RATE));
    expect(Math.abs(duplicates - COUNT * RATE)).toBeLessThan(4 * sigma);
    // A copy arrives right behind its original.
    expect(arrivals.every((a, i) => i === 0 || a.seq >= arrivals[i - 1]!.seq)).toBe(true);
  });
});
