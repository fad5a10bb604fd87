import { describe, expect, test } from 'vitest';
import { Simulator } from '../../src/sim/index.js';
import { PacedSender, Receiver, addr } from './fake-endpoints.js';

const CLIENT = addr('10.0.0.1', 4000);
const SERVER = addr('10.9.9.9', 443);

describe('delay', () => {
  test('one-way delay is exactly delayMs without jitter', () => {
    const sim = new Simulator({ seed: 1 });
    const sender = new PacedSender(CLIENT, SERVER, { count: 100, intervalMs: 3.5 });
    const receiver = new Receiver();
    sim.attach(sender, [CLIENT]);
    sim.attach(receiver, [SERVER]);
    sim.link(CLIENT.host, SERVER.host, { delayMs: 37.25 });
    sim.runFor(1_000);
    expect(receiver.arrivals).toHaveLength(100);
    expect(new Set(receiver.arrivals.map((a) => a.arrivalMs - a.sentAtMs))).toEqual(new Set([37.25]));
  });

  test('an echo round trip takes 2 * delayMs', () => {
    const sim = new Simulator();
    const pinger = new PacedSender(CLIENT, SERVER, { count: 1, intervalMs: 1, startMs: 5 });
    sim.attach(pinger, [CLIENT]);
    sim.attach(new Receiver(true), [SERVER]);
    sim.twoWayLink(CLIENT.host, SERVER.host, { delayMs: 20 });
    const elapsedMs = sim.runUntil(() => pinger.received.length === 1, { limitMs: 1_000 });
    expect(elapsedMs).toBe(45);
    expect(sim.nowMs).toBe(45);
    const echo = pinger.received[0]!;
    expect(echo.arrivalMs - echo.sentAtMs).toBe(40);
    expect(echo.remote).toEqual(SERVER);
    expect(echo.local).toEqual(CLIENT);
  });

  test('serialisation adds size * 8 / rate on an idle link', () => {
    const sim = new Simulator();
    const sender = new PacedSender(CLIENT, SERVER, { count: 10, intervalMs: 10, sizeBytes: 1250 });
    const receiver = new Receiver();
    sim.attach(sender, [CLIENT]);
    sim.attach(receiver, [SERVER]);
    sim.link(CLIENT.host, SERVER.host, { delayMs: 5, rateBps: 1e6 });
    sim.runFor(200);
    for (const a of receiver.arrivals) expect(a.arrivalMs - a.sentAtMs).toBeCloseTo(15, 9); // 5 ms + 1250 B at 1 Mbit/s
  });

  test('changing delayMs mid-run applies to later datagrams and never reorders', () => {
    const sim = new Simulator();
    const sender = new PacedSender(CLIENT, SERVER, { count: 100, intervalMs: 1 });
    const receiver = new Receiver();
    sim.attach(sender, [CLIENT]);
    sim.attach(receiver, [SERVER]);
    const link = sim.link(CLIENT.host, SERVER.host, { delayMs: 30 });
    sim.at(50, () => link.configure({ delayMs: 10 }));
    sim.runFor(300);
    const delays = receiver.arrivals.map((a) => a.arrivalMs - a.sentAtMs);
    expect(delays[0]).toBe(30);
    expect(delays[99]).toBe(10);
    expect(receiver.seqs()).toEqual([...Array(100).keys()]);
  });
});

describe('rate and queue', () => {
  const SIZE = 1250;

  test('a saturating sender gets exactly the link rate; the queue stays within queueBytes and tail-drops', () => {
    const sim = new Simulator({ seed: 3 });
    const rateBps = 10e6;
    const queueBytes = 50_000;
    // 12 Mbit/s offered into 10 Mbit/s for 12 s.
    const sender = new PacedSender(CLIENT, SERVER, { count: 14_400, intervalMs: (SIZE * 8 * 1000) / 12e6, sizeBytes: SIZE });
    const receiver = new Receiver();
    sim.attach(sender, [CLIENT]);
    sim.attach(receiver, [SERVER]);
    const link = sim.link(CLIENT.host, SERVER.host, { delayMs: 10, rateBps, queueBytes });
    sim.runFor(13_000);

    const windowStartMs = 1_000;
    const windowEndMs = 11_000;
    const bytes = receiver.arrivals
      .filter((a) => a.arrivalMs >= windowStartMs && a.arrivalMs < windowEndMs)
      .reduce((sum, a) => sum + a.length, 0);
    const throughputBps = (bytes * 8) / ((windowEndMs - windowStartMs) / 1000);
    expect(Math.abs(throughputBps - rateBps) / rateBps).toBeLessThan(0.01);

    const stats = link.stats();
    expect(stats.maxQueueBytes).toBeLessThanOrEqual(queueBytes);
    expect(stats.maxQueueBytes).toBeGreaterThan(queueBytes - SIZE);
    expect(stats.dropped.queue).toBeGreaterThan(0);
    // Every datagram offered is accounted for once the link has drained.
    expect(stats.datagramsIn).toBe(14_400);
    expect(stats.datagramsDelivered + stats.dropped.queue).toBe(14_400);
    expect(receiver.arrivals).toHaveLength(stats.datagramsDelivered);
    // About 1/6 of what is offered above the rate must be dropped.
    expect(stats.dropped.queue / 14_400).toBeGreaterThan(0.16);
    expect(stats.dropped.queue / 14_400).toBeLessThan(0.175);
    // Drop-tail keeps FIFO order.
    const seqs = receiver.seqs();
    expect(seqs.every((s, i) => i === 0 || s > seqs[i - 1]!)).toBe(true);
  });

  test('below the rate nothing is dropped and nothing queues beyond one datagram', () => {
    const sim = new Simulator();
    const sender = new PacedSender(CLIENT, SERVER, { count: 4_000, intervalMs: (SIZE * 8 * 1000) / 8e6, sizeBytes: SIZE });
    const receiver = new Receiver();
    sim.attach(sender, [CLIENT]);
    sim.attach(receiver, [SERVER]);
    const link = sim.link(CLIENT.host, SERVER.host, { rateBps: 10e6, queueBytes: 10_000 });
    sim.runFor(6_000);
    expect(receiver.arrivals).toHaveLength(4_000);
    expect(link.stats().dropped.queue).toBe(0);
    expect(link.stats().maxQueueBytes).toBe(0);
  });

  test('a rate change mid-run takes effect from the next datagram', () => {
    const sim = new Simulator();
    const sender = new PacedSender(CLIENT, SERVER, { count: 4_000, intervalMs: 0.5, sizeBytes: SIZE });
    const receiver = new Receiver();
    sim.attach(sender, [CLIENT]);
    sim.attach(receiver, [SERVER]);
    const link = sim.link(CLIENT.host, SERVER.host, { rateBps: 10e6, queueBytes: 20_000 });
    sim.at(1_000, () => link.configure({ rateBps: 5e6 }));
    sim.runFor(2_500);
    const bytesIn = (fromMs: number, toMs: number): number =>
      receiver.arrivals.filter((a) => a.arrivalMs >= fromMs && a.arrivalMs < toMs).reduce((s, a) => s + a.length, 0);
    expect((bytesIn(200, 1_000) * 8) / 0.8).toBeCloseTo(10e6, -5);
    expect((bytesIn(1_200, 2_000) * 8) / 0.8).toBeCloseTo(5e6, -5);
  });
});
