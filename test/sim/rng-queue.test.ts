import { describe, expect, test } from 'vitest';
import { EventQueue, type Scheduled } from '../../src/sim/event-queue.js';
import { Fifo } from '../../src/sim/fifo.js';
import { Rng } from '../../src/sim/index.js';

describe('Rng', () => {
  test('equal seeds give equal sequences; different seeds differ', () => {
    const draw = (seed: number): number[] => {
      const rng = new Rng(seed);
      return Array.from({ length: 20 }, () => rng.nextUint32());
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
    expect(draw(2 ** 40 + 1)).not.toEqual(draw(1)); // high bits of the seed count
    expect(() => new Rng(0.5)).toThrow(RangeError);
  });

  test('forks depend on the seed and label only, not on draws', () => {
    const a = new Rng(7);
    const b = new Rng(7);
    for (let i = 0; i < 1_000; i++) b.nextUint32();
    expect(a.fork('x').nextUint32()).toBe(b.fork('x').nextUint32());
    expect(a.fork('x').nextUint32()).not.toBe(a.fork('y').nextUint32());
  });

  test('floats are uniform in [0, 1)', () => {
    const rng = new Rng(3);
    const buckets = new Array<number>(10).fill(0);
    let sum = 0;
    let outOfRange = 0;
    for (let i = 0; i < 100_000; i++) {
      const x = rng.nextFloat();
      if (!(x >= 0 && x < 1)) outOfRange++;
      sum += x;
      buckets[Math.floor(x * 10)]!++;
    }
    expect(outOfRange).toBe(0);
    expect(sum / 100_000).toBeCloseTo(0.5, 2);
    for (const count of buckets) expect(Math.abs(count - 10_000)).toBeLessThan(500);
    for (let i = 0; i < 1_000; i++) expect(rng.nextInt(6)).toBeLessThan(6);
  });
});

describe('EventQueue', () => {
  test('pops in time order, equal times in insertion order', () => {
    const rng = new Rng(1);
    const queue = new EventQueue<Scheduled & { id: number }>();
    const pushed: { timeMs: number; id: number }[] = [];
    for (let id = 0; id < 5_000; id++) {
      const timeMs = rng.nextInt(200) / 4; // many ties
      queue.push({ timeMs: 0, seq: 0, id }, timeMs);
      pushed.push({ timeMs, id });
    }
    const expected = [...pushed].sort((x, y) => x.timeMs - y.timeMs || x.id - y.id).map((x) => x.id);
    const popped: number[] = [];
    for (let entry = queue.pop(); entry !== undefined; entry = queue.pop()) popped.push(entry.id);
    expect(popped).toEqual(expected);
    expect(queue.size).toBe(0);
    expect(queue.peek()).toBeUndefined();
  });
});

describe('Fifo', () => {
  test('keeps order across growth and wrap-around', () => {
    const fifo = new Fifo<number>();
    let next = 0;
    let expected = 0;
    for (let round = 0; round < 100; round++) {
      for (let i = 0; i < 37; i++) fifo.push(next++);
      for (let i = 0; i < 30; i++) expect(fifo.shift()).toBe(expected++);
    }
    while (fifo.length > 0) expect(fifo.shift()).toBe(expected++);
    expect(expected).toBe(next);
    expect(fifo.shift()).toBeUndefined();
  });
});
