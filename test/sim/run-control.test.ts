import { describe, expect, test } from 'vitest';
import type { DatagramEndpoint, Transmit } from '../../src/core/datagram-endpoint.js';
import { SimulationError, Simulator } from '../../src/sim/index.js';
import { PacedSender, Receiver, addr } from './fake-endpoints.js';

const CLIENT = addr('10.0.0.1', 4000);
const SERVER = addr('10.9.9.9', 443);

/** An endpoint that only has a timer, driven by the test. */
class TimerOnly implements DatagramEndpoint {
  readonly firedAtMs: number[] = [];
  constructor(
    public deadlineMs: number | undefined,
    private readonly oneShot = true,
  ) {}
  handleDatagram(): void {}
  handleTimeout(nowMs: number): void {
    this.firedAtMs.push(nowMs);
    if (this.oneShot) this.deadlineMs = undefined;
  }
  pollTransmit(): Transmit | undefined {
    return undefined;
  }
  nextTimeout(): number | undefined {
    return this.deadlineMs;
  }
}

function expectSimulationError(run: () => unknown, reason: SimulationError['reason']): SimulationError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(SimulationError);
    expect((error as SimulationError).reason).toBe(reason);
    return error as SimulationError;
  }
  throw new Error('expected a SimulationError');
}

describe('run control', () => {
  test('runFor moves the clock exactly; runUntil returns the elapsed virtual time', () => {
    const sim = new Simulator();
    const receiver = new Receiver();
    sim.attach(new PacedSender(CLIENT, SERVER, { count: 10, intervalMs: 10 }), [CLIENT]);
    sim.attach(receiver, [SERVER]);
    sim.link(CLIENT.host, SERVER.host, { delayMs: 3 });
    sim.runFor(12.5);
    expect(sim.nowMs).toBe(12.5);
    expect(receiver.arrivals).toHaveLength(1); // the second is due at 13
    expect(sim.runUntil(() => receiver.arrivals.length === 5, { limitMs: 1_000 })).toBe(43 - 12.5);
    expect(sim.runUntil(() => receiver.arrivals.length === 5, { limitMs: 1_000 })).toBe(0);
  });

  test('runUntil throws time-limit with the clock at the limit', () => {
    const sim = new Simulator();
    sim.attach(new PacedSender(CLIENT, SERVER, { count: 1_000, intervalMs: 10 }), [CLIENT]);
    const error = expectSimulationError(() => sim.runUntil(() => false, { limitMs: 250 }), 'time-limit');
    expect(error.atMs).toBe(250);
    expect(sim.nowMs).toBe(250);
  });

  test('runUntil throws idle when nothing is left to happen', () => {
    const sim = new Simulator();
    const receiver = new Receiver();
    sim.attach(new PacedSender(CLIENT, SERVER, { count: 3, intervalMs: 10 }), [CLIENT]);
    sim.attach(receiver, [SERVER]);
    sim.link(CLIENT.host, SERVER.host, { delayMs: 1 });
    const error = expectSimulationError(() => sim.runUntil(() => receiver.arrivals.length === 4, { limitMs: 10_000 }), 'idle');
    expect(error.atMs).toBe(21);
  });

  test('an endpoint whose deadline never moves past now is reported as a livelock', () => {
    const sim = new Simulator({ maxEventsPerInstant: 1_000 });
    sim.attach(new TimerOnly(5, false), [CLIENT], { name: 'stuck' });
    const error = expectSimulationError(() => sim.runFor(100), 'livelock');
    expect(error.atMs).toBe(5);
    expect(error.message).toMatch(/endpoint "stuck"/);
  });

  test('an endpoint whose pollTransmit never ends is reported as a livelock', () => {
    const sim = new Simulator({ maxEventsPerInstant: 1_000 });
    const endless: DatagramEndpoint = {
      handleDatagram() {},
      handleTimeout() {},
      pollTransmit: () => ({ local: CLIENT, remote: SERVER, length: 10 }),
      nextTimeout: () => undefined,
    };
    sim.attach(endless, [CLIENT], { name: 'chatty' });
    expect(expectSimulationError(() => sim.runFor(1), 'livelock').message).toMatch(/"chatty"/);
  });

  test('timers: a later deadline does not fire early, an earlier one preempts, overdue ones fire now', () => {
    const sim = new Simulator();
    const endpoint = new TimerOnly(100);
    sim.attach(endpoint, [CLIENT], { name: 't' });
    sim.runFor(50);
    endpoint.deadlineMs = 300; // pushed out, as an ACK pushes out an idle timer
    sim.runFor(200);
    expect(endpoint.firedAtMs).toEqual([]);
    endpoint.deadlineMs = 260; // pulled in
    sim.runFor(20);
    expect(endpoint.firedAtMs).toEqual([260]);
    endpoint.deadlineMs = 10; // in the past: due now
    sim.runFor(0);
    expect(endpoint.firedAtMs).toEqual([260, 270]);
    sim.runFor(1_000);
    expect(sim.stats().endpoints['t']?.timeouts).toBe(2);
  });

  test('actions may write to endpoints: every endpoint is serviced after an action', () => {
    const sim = new Simulator();
    const receiver = new Receiver();
    const sender = new PacedSender(CLIENT, SERVER, { count: 1, intervalMs: 1 });
    sender.sent = 1; // nothing to send yet
    sim.attach(sender, [CLIENT]);
    sim.attach(receiver, [SERVER]);
    sim.link(CLIENT.host, SERVER.host, { delayMs: 2 });
    sim.at(40, () => {
      sender.sent = 0; // the sender now has data, but no timer told the simulator
    });
    sim.runFor(100);
    expect(receiver.arrivals.map((a) => a.arrivalMs)).toEqual([42]);
  });

  test('run methods cannot be nested; scheduling in the past is refused', () => {
    const sim = new Simulator();
    sim.at(10, () => sim.runFor(1));
    expect(() => sim.runFor(20)).toThrow(/already running/);
    expect(() => sim.at(5, () => {})).toThrow(RangeError);
    expect(() => new Simulator({ maxEventsPerInstant: 0 })).toThrow(RangeError);
  });

  test('stats are snapshots', () => {
    const sim = new Simulator();
    const receiver = new Receiver();
    sim.attach(new PacedSender(CLIENT, SERVER, { count: 10, intervalMs: 1 }), [CLIENT], { name: 'client' });
    sim.attach(receiver, [SERVER], { name: 'server' });
    sim.link(CLIENT.host, SERVER.host, { delayMs: 5 });
    sim.runFor(3);
    const before = sim.stats();
    sim.runFor(100);
    const after = sim.stats();
    expect(before.endpoints['client']?.datagramsSent).toBe(4);
    expect(before.endpoints['server']?.datagramsReceived).toBe(0);
    expect(after.endpoints['client']).toEqual({
      name: 'client',
      datagramsSent: 10,
      bytesSent: 12_000,
      datagramsReceived: 0,
      bytesReceived: 0,
      timeouts: 9,
    });
    expect(after.links[`${CLIENT.host}->${SERVER.host}`]?.datagramsDelivered).toBe(10);
    expect(after.nowMs).toBe(103);
    expect(() => sim.attach(receiver, [addr('10.1.1.1', 1)], { name: 'server' })).toThrow(/already attached/);
    expect(() => sim.attach(receiver, [SERVER], { name: 'again' })).toThrow(/already bound/);
  });
});
