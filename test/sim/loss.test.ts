import { describe, expect, test } from 'vitest';
import { Simulator, type LinkOptions } from '../../src/sim/index.js';
import { PacedSender, Receiver, addr } from './fake-endpoints.js';

const CLIENT = addr('10.0.0.1', 4000);
const SERVER = addr('10.9.9.9', 443);

/** Sends `count` datagrams, 0.1 ms apart, through one link; returns the sequence numbers that arrived. */
function sendThrough(seed: number, count: number, options: LinkOptions): number[] {
  const sim = new Simulator({ seed });
  const receiver = new Receiver();
  sim.attach(new PacedSender(CLIENT, SERVER, { count, intervalMs: 0.1, sizeBytes: 100 }), [CLIENT]);
  sim.attach(receiver, [SERVER]);
  sim.link(CLIENT.host, SERVER.host, { delayMs: 5, ...options });
  sim.runFor(count * 0.1 + 100);
  return receiver.seqs();
}

/** Lengths of the runs of consecutive missing sequence numbers. */
function lossBursts(arrived: readonly number[], count: number): number[] {
  const got = new Uint8Array(count);
  for (const s of arrived) got[s] = 1;
  const bursts: number[] = [];
  let run = 0;
  for (let i = 0; i < count; i++) {
    if (got[i] === 0) {
      run++;
    } else if (run > 0) {
      bursts.push(run);
      run = 0;
    }
  }
  if (run > 0) bursts.push(run);
  return bursts;
}

describe('random loss', () => {
  const COUNT = 100_000;
  const LOSS = 0.05;

  test('the loss rate is within 4 standard deviations of lossRate', () => {
    const arrived = sendThrough(7, COUNT, { lossRate: LOSS });
    const lost = COUNT - arrived.length;
    const sigma = Math.sqrt(COUNT * LOSS * (1 - LOSS));
    expect(Math.abs(lost - COUNT * LOSS)).toBeLessThan(4 * sigma);
    // Independent losses: bursts are short (mean 1 / (1 - p) ~ 1.05).
    const bursts = lossBursts(arrived, COUNT);
    expect(bursts.reduce((s, b) => s + b, 0) / bursts.length).toBeLessThan(1.1);
  });

  test('equal seeds lose the same datagrams; different seeds different ones', () => {
    const a = sendThrough(11, 20_000, { lossRate: LOSS });
    const b = sendThrough(11, 20_000, { lossRate: LOSS });
    const c = sendThrough(12, 20_000, { lossRate: LOSS });
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });
});

describe('burst loss (Gilbert-Elliott)', () => {
  test('mean burst length is about 1/r and the loss rate about p/(p+r)', () => {
    const COUNT = 100_000;
    const p = 0.01;
    const r = 0.25;
    const arrived = sendThrough(5, COUNT, { burstLoss: { goodToBad: p, badToGood: r } });
    const bursts = lossBursts(arrived, COUNT);
    const meanBurst = bursts.reduce((s, b) => s + b, 0) / bursts.length;
    expect(meanBurst).toBeGreaterThan((1 / r) * 0.9);
    expect(meanBurst).toBeLessThan((1 / r) * 1.1);
    const lossRate = (COUNT - arrived.length) / COUNT;
    expect(lossRate).toBeGreaterThan((p / (p + r)) * 0.85);
    expect(lossRate).toBeLessThan((p / (p + r)) * 1.15);
  });

  test('drops are counted as burst, and badLossRate < 1 loses only part of the bad state', () => {
    const sim = new Simulator({ seed: 9 });
    const receiver = new Receiver();
    sim.attach(new PacedSender(CLIENT, SERVER, { count: 50_000, intervalMs: 0.1, sizeBytes: 100 }), [CLIENT]);
    sim.attach(receiver, [SERVER]);
    const link = sim.link(CLIENT.host, SERVER.host, { burstLoss: { goodToBad: 0.02, badToGood: 0.2, badLossRate: 0.5 } });
    sim.runFor(6_000);
    const stats = link.stats();
    expect(stats.dropped.burst).toBe(50_000 - receiver.arrivals.length);
    expect(stats.dropped.loss).toBe(0);
    // Stationary bad share 0.02/0.22 ~ 9.1 %, half of it lost ~ 4.5 %.
    expect(stats.dropped.burst / 50_000).toBeGreaterThan(0.035);
    expect(stats.dropped.burst / 50_000).toBeLessThan(0.056);
  });
});

describe('link option validation', () => {
  test('bad options throw a RangeError naming the option', () => {
    const sim = new Simulator();
    expect(() => sim.createLink({ lossRate: 1.5 })).toThrow(/lossRate/);
    expect(() => sim.createLink({ delayMs: -1 })).toThrow(/delayMs/);
    expect(() => sim.createLink({ rateBps: 0 })).toThrow(/rateBps/);
    expect(() => sim.createLink({ burstLoss: { goodToBad: 0.1, badToGood: 2 } })).toThrow(/badToGood/);
    const link = sim.createLink({ name: 'x', lossRate: 0.1 });
    expect(() => link.configure({ mtuBytes: 0 })).toThrow(RangeError);
    expect(link.options.lossRate).toBe(0.1); // a rejected change leaves the link as it was
    expect(() => sim.createLink({ name: 'x' })).toThrow(/already exists/);
  });

  test('the default queue is 100 ms of the rate and follows rate changes', () => {
    const sim = new Simulator();
    const link = sim.createLink({ rateBps: 8e6 });
    expect(link.queueLimit).toBe(100_000);
    link.configure({ rateBps: 16e6 });
    expect(link.queueLimit).toBe(200_000);
    link.configure({ queueBytes: 5_000 });
    link.configure({ rateBps: 1e6 });
    expect(link.queueLimit).toBe(5_000);
  });
});
