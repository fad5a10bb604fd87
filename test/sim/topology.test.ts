import { describe, expect, test } from 'vitest';
import { Simulator } from '../../src/sim/index.js';
import { PacedSender, Receiver, addr } from './fake-endpoints.js';

const SERVER = addr('10.9.9.9', 443);
const SIZE = 1250;

describe('shared bottleneck', () => {
  test('two flows through one link share its rate', () => {
    const sim = new Simulator({ seed: 2 });
    const a = addr('10.0.0.1', 4000);
    const b = addr('10.0.2.1', 4000);
    const receiver = new Receiver();
    // Each offers 8 Mbit/s into a 10 Mbit/s bottleneck.
    const intervalMs = (SIZE * 8 * 1000) / 8e6;
    sim.attach(new PacedSender(a, SERVER, { count: 9_600, intervalMs, sizeBytes: SIZE }), [a], { name: 'a' });
    sim.attach(new PacedSender(b, SERVER, { count: 9_600, intervalMs, sizeBytes: SIZE, startMs: 0.3 }), [b], { name: 'b' });
    sim.attach(receiver, [SERVER], { name: 'server' });
    const accessA = sim.createLink({ name: 'access-a', delayMs: 2, rateBps: 100e6 });
    const accessB = sim.createLink({ name: 'access-b', delayMs: 7, rateBps: 100e6 });
    const bottleneck = sim.createLink({ name: 'bottleneck', delayMs: 10, rateBps: 10e6, queueBytes: 30_000 });
    sim.route(a.host, SERVER.host, [accessA, bottleneck]);
    sim.route(b.host, SERVER.host, [accessB, bottleneck]);
    sim.runFor(13_000);

    const inWindow = receiver.arrivals.filter((x) => x.arrivalMs >= 1_000 && x.arrivalMs < 11_000);
    const bpsFrom = (host: string): number =>
      (inWindow.filter((x) => x.remote.host === host).reduce((s, x) => s + x.length, 0) * 8) / 10;
    const total = bpsFrom(a.host) + bpsFrom(b.host);
    expect(Math.abs(total - 10e6) / 10e6).toBeLessThan(0.01);
    expect(bpsFrom(a.host)).toBeGreaterThan(0.35 * 10e6);
    expect(bpsFrom(b.host)).toBeGreaterThan(0.35 * 10e6);

    const stats = sim.stats();
    expect(stats.links['bottleneck']?.datagramsIn).toBe(19_200);
    expect(stats.links['access-a']?.dropped.queue).toBe(0);
    expect(stats.links['bottleneck']?.dropped.queue).toBeGreaterThan(0);
    expect(stats.links['bottleneck']?.maxQueueBytes).toBeLessThanOrEqual(30_000);
    expect(stats.endpoints['a']?.datagramsSent).toBe(9_600);
    expect(stats.endpoints['server']?.datagramsReceived).toBe(receiver.arrivals.length);
  });

  test('route() takes lists of hosts: several pairs through the same link', () => {
    const sim = new Simulator();
    const receiver = new Receiver();
    const hosts = ['10.0.0.1', '10.0.2.1'];
    for (const host of hosts) sim.attach(new PacedSender(addr(host, 1), SERVER, { count: 10, intervalMs: 1 }), [addr(host, 1)]);
    sim.attach(receiver, [SERVER]);
    const bottleneck = sim.createLink({ delayMs: 5 });
    sim.route(hosts, SERVER.host, bottleneck);
    sim.runFor(100);
    expect(receiver.arrivals).toHaveLength(20);
    expect(bottleneck.stats().datagramsDelivered).toBe(20);
  });
});

describe('network drops', () => {
  test('no route, no socket and unbound source are counted, not thrown', () => {
    const sim = new Simulator();
    const client = addr('10.0.0.1', 4000);
    sim.attach(new PacedSender(client, addr('10.7.7.7', 1), { count: 3, intervalMs: 1 }), [client]);
    const wrongPort = addr('10.0.0.2', 5000);
    sim.attach(new PacedSender(wrongPort, addr('10.9.9.9', 999), { count: 4, intervalMs: 1 }), [wrongPort]);
    const liar = new PacedSender(addr('10.0.0.3', 1), SERVER, { count: 5, intervalMs: 1 });
    sim.attach(liar, [addr('10.0.0.4', 1)]);
    sim.link('10.0.0.2', '10.9.9.9');
    sim.link('10.0.0.3', '10.9.9.9');
    sim.runFor(50);
    expect(sim.stats().network.dropped).toEqual({ 'no-route': 3, 'no-socket': 4, 'unbound-source': 5 });
  });

  test('removing an address and a route mid-run', () => {
    const sim = new Simulator();
    const client = addr('10.0.0.1', 4000);
    const receiver = new Receiver();
    sim.attach(new PacedSender(client, SERVER, { count: 100, intervalMs: 1 }), [client]);
    const server = sim.attach(receiver, [SERVER]);
    sim.link(client.host, SERVER.host);
    sim.at(10, () => server.removeAddress(SERVER));
    sim.at(20, () => server.addAddress(SERVER));
    sim.at(30, () => sim.unroute(client.host, SERVER.host));
    sim.runFor(200);
    expect(receiver.arrivals).toHaveLength(20); // 0..9 and 20..29
    expect(sim.stats().network.dropped['no-socket']).toBe(10);
    expect(sim.stats().network.dropped['no-route']).toBe(70);
    expect(server.addresses).toEqual([SERVER]);
  });
});

describe('NAT rebinding', () => {
  test('after the rebind the receiver sees the new port; replies to it reach the socket, to the old one are lost', () => {
    const sim = new Simulator();
    const client = addr('10.0.0.1', 5000);
    const sender = new PacedSender(client, SERVER, { count: 1_000, intervalMs: 1 });
    const echo = new Receiver(true);
    sim.attach(sender, [client]);
    sim.attach(echo, [SERVER]);
    sim.twoWayLink(client.host, SERVER.host, { delayMs: 10 });
    sim.rebind(client.host, 5000, 6000, 500);
    sim.runFor(1_100);

    for (const a of echo.arrivals) expect(a.remote).toEqual(addr(client.host, a.sentAtMs < 500 ? 5000 : 6000));
    // Echoes of datagrams sent in [480, 500) reach the NAT in [500, 520), addressed to port 5000,
    // whose mapping is gone.
    expect(sim.stats().network.dropped['no-socket']).toBe(20);
    expect(sender.received).toHaveLength(980);
    // The endpoint's own socket never changes.
    expect(sender.received.every((r) => r.local.port === 5000)).toBe(true);
  });

  test('the NAT may change the host too; routes follow the public address', () => {
    const sim = new Simulator();
    const client = addr('192.168.1.2', 5000);
    const receiver = new Receiver();
    sim.attach(new PacedSender(client, SERVER, { count: 100, intervalMs: 1 }), [client]);
    sim.attach(receiver, [SERVER]);
    const uplink = sim.createLink({ delayMs: 1 });
    sim.route([client.host, '203.0.113.7'], SERVER.host, uplink);
    sim.rebind(client.host, 5000, 40_000, 50, { newHost: '203.0.113.7' });
    sim.runFor(200);
    expect(receiver.arrivals).toHaveLength(100);
    expect(receiver.arrivals[99]?.remote).toEqual(addr('203.0.113.7', 40_000));
    expect(receiver.arrivals[0]?.remote).toEqual(client);
  });
});
