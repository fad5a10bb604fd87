import { describe, expect, test } from 'vitest';
import { Simulator } from '../../src/sim/index.js';
import { PacedSender, Receiver, addr } from './fake-endpoints.js';

const CLIENT = addr('10.0.0.1', 4000);
const SERVER = addr('10.9.9.9', 443);

describe('mtu', () => {
  test('datagrams larger than mtuBytes are dropped and counted', () => {
    const sim = new Simulator();
    const receiver = new Receiver();
    sim.attach(new PacedSender(CLIENT, SERVER, { count: 100, intervalMs: 1, sizeBytes: (seq) => (seq % 2 === 0 ? 1400 : 1401) }), [CLIENT]);
    sim.attach(receiver, [SERVER]);
    const link = sim.link(CLIENT.host, SERVER.host, { mtuBytes: 1400 });
    sim.runFor(200);
    expect(receiver.arrivals).toHaveLength(50);
    expect(receiver.arrivals.every((a) => a.length === 1400)).toBe(true);
    expect(link.stats().dropped.mtu).toBe(50);
    expect(sim.stats().links[link.name]?.bytesDropped).toBe(50 * 1401);
  });
});

describe('blackhole', () => {
  test('sim.blackhole drops exactly what enters or is due to leave during the window', () => {
    const sim = new Simulator();
    const receiver = new Receiver();
    sim.attach(new PacedSender(CLIENT, SERVER, { count: 3_000, intervalMs: 1 }), [CLIENT]);
    sim.attach(receiver, [SERVER]);
    const link = sim.link(CLIENT.host, SERVER.host, { delayMs: 10 });
    sim.blackhole(link, 1_000, 2_000);
    sim.runFor(3_100);
    // Sent in [1000, 2000): dropped entering; sent in [990, 1000): in flight, due in [1000, 1010), dropped leaving.
    const missing = new Set([...Array(3_000).keys()]);
    for (const s of receiver.seqs()) missing.delete(s);
    expect([...missing]).toEqual([...Array(1_010).keys()].map((i) => 990 + i));
    expect(link.stats().dropped.blackhole).toBe(1_010);
    expect(link.blackholed).toBe(false);
  });

  test('sim.at can switch a blackhole on and off, and run arbitrary test code', () => {
    const sim = new Simulator();
    const receiver = new Receiver();
    sim.attach(new PacedSender(CLIENT, SERVER, { count: 100, intervalMs: 1 }), [CLIENT]);
    sim.attach(receiver, [SERVER]);
    const link = sim.link(CLIENT.host, SERVER.host);
    const seen: number[] = [];
    sim.at(20, () => link.configure({ blackhole: true }));
    sim.at(30.5, () => {
      seen.push(sim.nowMs, receiver.arrivals.length);
      link.configure({ blackhole: false });
    });
    sim.runFor(200);
    expect(seen).toEqual([30.5, 20]);
    expect(receiver.arrivals).toHaveLength(89); // 20..30 lost
    expect(() => sim.at(100, () => {})).toThrow(RangeError);
  });
});
