// Happy eyeballs (RFC 8305) in the engine and the simulator: ordering, schedule, cache, and the race
// itself over simulated links, where every attempt of one connect() is one connection at the server.
import { describe, expect, test } from 'vitest';
import { attemptDelayMs, cacheGet, cacheKey, cacheRecord, createHappyEyeballsCache, orderDestinations, planAttempts } from '../../src/core/happy-eyeballs/index.js';
import { HandshakeRace } from '../../src/core/happy-eyeballs/race.js';
import { fullmesh } from '../../src/path-managers/fullmesh.js';
import { simulateConnection, type SimulatedConnection, type SimulatedLink } from '../../src/sim/index.js';
import type { SocketAddress } from '../../src/core/socket-address.js';

const C: SocketAddress = { host: '10.0.0.1', port: 40_000 };
const C6: SocketAddress = { host: '2001:db8::1', port: 40_000 };
const V4: SocketAddress = { host: '10.0.0.2', port: 443 };
const V4_DEAD: SocketAddress = { host: '10.0.0.3', port: 443 };
const V6: SocketAddress = { host: '2001:db8::2', port: 443 };
const ONE_WAY_MS = 10;
const RTT_MS = 2 * ONE_WAY_MS;

const v4 = (host: string) => ({ host, family: 4 as const });
const v6 = (host: string) => ({ host, family: 6 as const });

describe('ordering (RFC 8305 §4, RFC 6724 basics)', () => {
  test('IPv6 first, families interleaved', () => {
    const order = orderDestinations([v4('192.0.2.1'), v4('192.0.2.2'), v6('2001:db8::1'), v6('2001:db8::2')]);
    expect(order.map((d) => d.host)).toEqual(['2001:db8::1', '192.0.2.1', '2001:db8::2', '192.0.2.2']);
  });
  test('First Address Family Count', () => {
    const order = orderDestinations([v6('2001:db8::1'), v6('2001:db8::2'), v6('2001:db8::3'), v4('192.0.2.1')], { firstAddressFamilyCount: 2 });
    expect(order.map((d) => d.host)).toEqual(['2001:db8::1', '2001:db8::2', '192.0.2.1', '2001:db8::3']);
  });
  test('precedence: ::1 over IPv4 over ULA; duplicates dropped; the preferred address first and its family leading', () => {
    expect(orderDestinations([v6('fd00::1'), v4('127.0.0.1'), v6('::1'), v4('127.0.0.1')]).map((d) => d.host)).toEqual(['::1', '127.0.0.1', 'fd00::1']);
    expect(orderDestinations([v6('2001:db8::1'), v4('192.0.2.1'), v4('192.0.2.2')], { preferred: '192.0.2.2' }).map((d) => d.host)).toEqual(['192.0.2.2', '2001:db8::1', '192.0.2.1']);
  });
});

describe('attempt delay and cache', () => {
  test('default 250 ms, clamped to 100 ms .. 2 s, twice a measured RTT', () => {
    expect(attemptDelayMs()).toBe(250);
    expect(attemptDelayMs(undefined, 10)).toBe(100);
    expect(attemptDelayMs(undefined, 5000)).toBe(2000);
    expect(attemptDelayMs(80)).toBe(160);
    expect(attemptDelayMs(5)).toBe(100);
  });
  test('entries expire; the plan puts the remembered address first with a delay from its RTT', () => {
    const cache = createHappyEyeballsCache();
    const key = cacheKey('example.org', 443);
    cacheRecord(cache, key, { address: '192.0.2.1', family: 4, rttMs: 70 }, 1000, 500);
    const plan = planAttempts([v6('2001:db8::1'), v4('192.0.2.1')], { cache, key, nowMs: 1200 });
    expect(plan.order[0]?.host).toBe('192.0.2.1');
    expect(plan.attemptDelayMs).toBe(140);
    expect(cacheGet(cache, key, 1500)).toBeUndefined();
    expect(JSON.parse(JSON.stringify(cache))).toEqual({ entries: {} }); // a plain object, persisted as JSON
  });
  test('a remembered address no longer resolved is ignored', () => {
    const cache = createHappyEyeballsCache();
    cacheRecord(cache, 'k', { address: '192.0.2.9', family: 4, rttMs: 10 }, 0);
    expect(planAttempts([v6('2001:db8::1'), v4('192.0.2.1')], { cache, key: 'k', nowMs: 1 }).order[0]?.host).toBe('2001:db8::1');
  });
});

describe('HandshakeRace schedule', () => {
  const t = (host: string) => ({ local: C, remote: { host, port: 443 } });
  test('one attempt delay apart, never cancelled; a failure with nothing else running starts the next at once', () => {
    const race = new HandshakeRace([t('a'), t('b'), t('c')], 250, 0);
    expect(race.nextTimeout()).toBe(250);
    expect(race.handleTimeout(249)).toEqual([]);
    expect(race.handleTimeout(250).map((a) => a.remote.host)).toEqual(['b']);
    expect(race.running().length).toBe(2);
    race.fail(t('a'), 'unreachable', 300);
    expect(race.nextTimeout()).toBe(500); // b still runs
    race.fail(t('b'), 'unreachable', 310);
    expect(race.nextTimeout()).toBe(310);
    expect(race.handleTimeout(310).map((a) => a.remote.host)).toEqual(['c']);
    expect(race.answer(t('c'), 330)?.state).toBe('won');
    expect(race.nextTimeout()).toBeUndefined();
  });

  test('destinations added late (RFC 8305 §3) queue one delay after the latest attempt, or start at once when none runs', () => {
    const race = new HandshakeRace([t('a')], 250, 0);
    expect(race.nextTimeout()).toBeUndefined();
    expect(race.add([t('b'), t('a'), t('c')], 100).map((a) => [a.index, a.remote.host])).toEqual([[1, 'b'], [2, 'c']]);
    expect(race.nextTimeout()).toBe(250);
    expect(race.handleTimeout(250).map((a) => a.remote.host)).toEqual(['b']);
    expect(race.nextTimeout()).toBe(500);
    const idle = new HandshakeRace([t('a')], 250, 0);
    idle.fail(t('a'), 'unreachable', 50);
    idle.add([t('b')], 600);
    expect(idle.nextTimeout()).toBe(600);
    expect(race.answer(t('a'), 300)?.state).toBe('won');
    expect(race.add([t('d')], 310)).toEqual([]);
  });
});

/** A client at C (and C6) racing to the given destinations of one server, over the given links (10 ms each way unless set). */
function race(destinations: readonly SocketAddress[], links: readonly SimulatedLink[], extra: { cache?: ReturnType<typeof createHappyEyeballsCache>; pathManager?: boolean } = {}): SimulatedConnection {
  const server = [...new Set([V4, V6, V4_DEAD].map((a) => a.host))].map((host) => ({ host, port: 443 }));
  return simulateConnection({
    seed: 7,
    client: { addresses: [C, C6], pathManager: extra.pathManager === true ? fullmesh() : undefined, happyEyeballs: { destinations, cache: extra.cache } },
    server: { addresses: server },
    links: server.map((s) => links.find((l) => l.to === s.host) ?? { from: from(s), to: s.host, forward: { delayMs: ONE_WAY_MS } }),
  });
}

const from = (to: SocketAddress): string => (to.host.includes(':') ? C6.host : C.host);
const dead = (to: SocketAddress): SimulatedLink => ({ from: from(to), to: to.host, forward: { delayMs: ONE_WAY_MS, blackhole: true } });

describe('racing in the simulator', () => {
  test('the first address blackholed: connected within 250 ms + 1 RTT, one connection at the server', () => {
    const c = race([V4_DEAD, V4], [dead(V4_DEAD)]);
    const ms = c.runUntil(() => c.client.connected, 5000);
    expect(ms).toBeLessThanOrEqual(250 + RTT_MS);
    c.runUntil(() => c.server.connected, 1000);
    expect(c.client.attemptEvents.map((e) => [e.change, e.remote.host, e.atMs])).toEqual([
      ['started', V4_DEAD.host, 0],
      ['started', V4.host, 250],
      ['won', V4.host, 250 + RTT_MS],
    ]);
    expect(c.server.endpointConnections).toBe(1);
    expect(c.client.paths()[0]?.remote).toEqual(V4);
  });

  test('IPv6 broken, IPv4 fine: IPv6 is tried first (RFC 6724) and IPv4 wins within 250 ms + 1 RTT', () => {
    const c = race([V4, V6], [dead(V6)]);
    const ms = c.runUntil(() => c.client.connected, 5000);
    expect(ms).toBeLessThanOrEqual(250 + RTT_MS);
    expect(c.client.attemptEvents[0]?.remote).toEqual(V6);
    expect(c.client.attemptEvents.find((e) => e.change === 'won')?.remote).toEqual(V4);
    c.runFor(2000);
    expect(c.server.endpointConnections).toBe(1);
    // The data flows over the winner.
    c.client.write(new Uint8Array(50_000));
    c.runUntil(() => c.server.bytesRead === 50_000, 5000);
  });

  test('both fine: the faster wins, the slower answers later and becomes a second path; one connection at the server', () => {
    // IPv6's Initial reaches the server first (5 ms) but its answers take 600 ms: the server makes the
    // connection on IPv6, answers IPv4's copy of the Initial on IPv4, and moves path 0 there when the
    // client's message 3 arrives on IPv4.
    const c = race([V6, V4], [{ from: C6.host, to: V6.host, forward: { delayMs: 5 }, reverse: { delayMs: 600 } }], { pathManager: true });
    const ms = c.runUntil(() => c.client.connected, 5000);
    expect(ms).toBe(250 + RTT_MS);
    c.runUntil(() => c.client.paths().some((p) => p.remote.host === V6.host && p.state === 'active'), 5000);
    expect(c.client.attemptEvents.map((e) => [e.change, e.remote.host])).toEqual([
      ['started', V6.host],
      ['started', V4.host],
      ['won', V4.host],
      ['answered', V6.host],
    ]);
    const paths = c.client.paths();
    expect(paths[0]?.remote).toEqual(V4);
    expect(paths.filter((p) => p.remote.host === V6.host).length).toBe(1);
    expect(c.server.endpointConnections).toBe(1);
    expect(c.server.paths()[0]?.local).toEqual(V4);
    c.client.write(new Uint8Array(100_000));
    c.runUntil(() => c.server.bytesRead === 100_000, 10_000);
  });

  test('a second connect to the same destination goes straight to the good address (the cache)', () => {
    const cache = createHappyEyeballsCache();
    const first = race([V4_DEAD, V4], [dead(V4_DEAD)], { cache });
    first.runUntil(() => first.client.connected, 5000);
    const entry = Object.values(cache.entries)[0];
    expect(entry).toMatchObject({ address: V4.host, family: 4, rttMs: RTT_MS });
    const second = race([V4_DEAD, V4], [dead(V4_DEAD)], { cache });
    const ms = second.runUntil(() => second.client.connected, 5000);
    expect(ms).toBe(RTT_MS);
    expect(second.client.attemptEvents.map((e) => [e.change, e.remote.host])).toEqual([
      ['started', V4.host],
      ['won', V4.host],
    ]);
    expect(second.server.endpointConnections).toBe(1);
  });

  test('an IPv4 answer after the race started joins it: IPv6 blackholed, IPv4 learnt at 100 ms wins at 250 ms + 1 RTT', () => {
    const c = race([V6], [dead(V6)]);
    c.runFor(100);
    expect(c.client.addRaceDestinations([{ local: C, remote: V4 }], 250)).toBe(true);
    const ms = c.runUntil(() => c.client.connected, 5000);
    // One destination made no race: the race (attempt 0 started at 0) begins when the second arrives, so
    // attempt 0's 'started' is reported then; IPv4 still starts one attempt delay after attempt 0.
    expect(c.client.attemptEvents.map((e) => [e.change, e.remote.host, e.atMs])).toEqual([
      ['started', V6.host, 100],
      ['started', V4.host, 250],
      ['won', V4.host, 250 + RTT_MS],
    ]);
    expect(100 + ms).toBe(250 + RTT_MS);
    expect(c.server.endpointConnections).toBe(1);
    expect(c.client.addRaceDestinations([{ local: C, remote: V4_DEAD }], 250)).toBe(false);
  });

  test('closing during the race stops every attempt: nothing more is sent and no timer is left', () => {
    const c = race([V4_DEAD, V6, V4], [dead(V4_DEAD), dead(V6), dead(V4)]);
    c.runFor(300); // attempts 0 and 1 started, 2 waiting
    expect(c.client.attemptEvents.filter((e) => e.change === 'started').length).toBe(2);
    c.client.close();
    c.runFor(5000);
    expect(c.client.attemptEvents.filter((e) => e.change === 'started').length).toBe(2);
    expect(c.client.closed).toBe(true);
    expect(c.client.nextTimeout()).toBeUndefined();
  });
});
