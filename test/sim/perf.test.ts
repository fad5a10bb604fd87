import { expect, test } from 'vitest';
import { Simulator } from '../../src/sim/index.js';
import { CountingReceiver, PacedSender, addr } from './fake-endpoints.js';

const CLIENT = addr('10.0.0.1', 4000);
const SERVER = addr('10.9.9.9', 443);

test('300k datagrams through a 50 Mbit/s link: 60 virtual seconds, all delivered in order', () => {
  const COUNT = 300_000;
  const SIZE = 1250;
  const RATE_BPS = 50e6;
  const intervalMs = (SIZE * 8 * 1000) / RATE_BPS; // exactly the link rate: 5000 datagrams/s
  const sim = new Simulator({ seed: 1 });
  const receiver = new CountingReceiver();
  sim.attach(new PacedSender(CLIENT, SERVER, { count: COUNT, intervalMs, sizeBytes: SIZE }), [CLIENT]);
  sim.attach(receiver, [SERVER]);
  const link = sim.link(CLIENT.host, SERVER.host, { delayMs: 20, rateBps: RATE_BPS, jitterMs: 1 });

  const wallStart = performance.now();
  const elapsedMs = sim.runUntil(() => receiver.datagrams === COUNT, { limitMs: 120_000 });
  const wallMs = performance.now() - wallStart;
  console.log(
    `sim perf: ${COUNT} datagrams, ${(elapsedMs / 1000).toFixed(3)} virtual s, ${sim.stats().events} events, ${wallMs.toFixed(0)} ms wall`,
  );

  expect(receiver.inOrder).toBe(true);
  expect(receiver.bytes).toBe(COUNT * SIZE);
  // Last send at (COUNT-1) * interval, then one serialisation, 20 ms and at most 1 ms of jitter.
  expect(elapsedMs).toBeGreaterThan(60_000 + 20 - 1e-6);
  expect(elapsedMs).toBeLessThanOrEqual(60_000 + 21 + 1e-6);
  expect(link.stats().dropped.queue).toBe(0);
});
