// Happy eyeballs over real UDP on loopback: the resolver returns a blackholed address first (a UDP socket
// on 127.0.0.2 that reads and never answers), the real server second.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { createHappyEyeballsCache, createServer, type LookupFunction, type MptError, type MptServer, type MptSocket } from '../../src/index.js';
import { EndpointDriver } from '../../src/node/driver.js';
import { accepted, captureNextDriver, cleanup, dial, listen, outcome } from './helpers.js';

const holes: UdpSocket[] = [];
afterEach(async () => {
  for (const h of holes.splice(0)) h.close();
  await cleanup();
});

/** A socket on host:port that swallows everything. */
async function blackhole(host: string, port: number): Promise<void> {
  const socket = createSocket('udp4');
  holes.push(socket);
  await new Promise<void>((resolve) => socket.bind(port, host, resolve));
}

/** An mpt server listening on `host` (its sockets' errors ignored), and its port. */
async function serverOn(host: string): Promise<{ server: MptServer; port: number }> {
  const server = createServer();
  server.on('connection', (s: MptSocket) => s.on('error', () => {}));
  server.listen(0, host);
  await once(server, 'listening');
  return { server, port: (server.address() as { port: number }).port };
}

function lookupOf(addresses: readonly string[]): LookupFunction {
  return (_host, _options, callback) => callback(null, addresses.map((address) => ({ address, family: 4 })));
}

describe('happy eyeballs on loopback', () => {
  test('a blackholed first address: the second wins, one connection at the server, the cache remembers it', async () => {
    const server = await listen();
    await blackhole('127.0.0.2', server.port);
    const cache = createHappyEyeballsCache();
    const lookup = lookupOf(['127.0.0.2', '127.0.0.1']);
    const serverSide = accepted(server);
    const started = performance.now();
    const socket = dial({ host: 'he.test', port: server.port, lookup, happyEyeballsCache: cache, maxPaths: 1 });
    const attempts: string[] = [];
    socket.on('connectionAttempt', (ip: string) => attempts.push(ip));
    await once(socket, 'connect');
    const ms = performance.now() - started;
    console.log(`happy eyeballs, blackholed first address: connected in ${ms.toFixed(1)} ms (attempt delay 250 ms)`);
    expect(attempts).toEqual(['127.0.0.2', '127.0.0.1']);
    expect(socket.remoteAddress).toBe('127.0.0.1');
    expect(Object.values(cache.entries)[0]?.address).toBe('127.0.0.1');
    await serverSide;
    const count = await new Promise<number>((resolve) => server.getConnections((_e, n) => resolve(n)));
    expect(count).toBe(1);

    // The second connect goes straight to the address that worked.
    const again = performance.now();
    const second = dial({ host: 'he.test', port: server.port, lookup, happyEyeballsCache: cache, maxPaths: 1 });
    const secondAttempts: string[] = [];
    second.on('connectionAttempt', (ip: string) => secondAttempts.push(ip));
    await once(second, 'connect');
    console.log(`happy eyeballs, second connect with the cache: ${(performance.now() - again).toFixed(1)} ms`);
    expect(secondAttempts).toEqual(['127.0.0.1']);
  });

  test('every address blackholed: ERR_MPT_CONNECT_FAILED listing each attempt', async () => {
    const server = await listen();
    await blackhole('127.0.0.2', server.port);
    await blackhole('127.0.0.3', server.port);
    const socket = dial({ host: 'dead.test', port: server.port, lookup: lookupOf(['127.0.0.2', '127.0.0.3']), happyEyeballsCache: createHappyEyeballsCache(), connectTimeout: 1000, maxPaths: 1 });
    const { error } = await outcome(socket);
    expect(error?.code).toBe('ERR_MPT_CONNECT_FAILED');
    const attempts = (error as MptError).attempts ?? [];
    expect(attempts.map((a) => [a.address, a.reason])).toEqual([
      ['127.0.0.2', 'no answer'],
      ['127.0.0.3', 'no answer'],
    ]);
    expect(attempts[0]?.elapsedMs).toBeGreaterThan(attempts[1]?.elapsedMs ?? Infinity);
  });
});

describe('happy eyeballs and AbortSignal', () => {
  test('an abort mid-race stops every attempt at once: no socket, no timer, no later attempt', async () => {
    const server = await listen();
    await blackhole('127.0.0.2', server.port);
    await blackhole('127.0.0.3', server.port);
    const captured = captureNextDriver();
    const controller = new AbortController();
    const socket = dial({
      host: 'abort.test',
      port: server.port,
      lookup: lookupOf(['127.0.0.2', '127.0.0.3', '127.0.0.4']),
      happyEyeballsCache: createHappyEyeballsCache(),
      autoSelectFamilyAttemptTimeout: 100,
      maxPaths: 1,
      signal: controller.signal,
    });
    const attempts: string[] = [];
    const twoRunning = new Promise<void>((resolve) =>
      socket.on('connectionAttempt', (ip: string) => {
        attempts.push(ip);
        if (attempts.length === 2) resolve();
      }),
    );
    const result = outcome(socket);
    const driver = await captured;
    // Abort once two attempts run (the third is still waiting for its delay).
    await twoRunning;
    expect(driver.activity().sockets).toBeGreaterThan(0);
    controller.abort(new Error('user gave up'));
    // Nothing left running, in the driver's own terms, synchronously after abort().
    expect(driver.activity()).toEqual({ sockets: 0, timerArmed: false, closed: true });
    expect(driver.endpoint.nextTimeout()).toBeUndefined();
    expect([...driver.endpoint.connections].every((c) => c.state === 'closed')).toBe(true);
    const { error } = await result;
    expect(error?.code).toBe('ABORT_ERR');
    expect(error?.name).toBe('AbortError');
    expect((error?.cause as Error | undefined)?.message).toBe('user gave up');
    // The third attempt's delay passes with no attempt started and nothing sent.
    const sent = driver.stats.datagramsSent;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(attempts).toEqual(['127.0.0.2', '127.0.0.3']);
    expect(driver.stats.datagramsSent).toBe(sent);
  });

  test('an already-aborted signal fails before the lookup: nothing is bound', async () => {
    let lookups = 0;
    const bind = vi.spyOn(EndpointDriver, 'bind');
    try {
      const lookup: LookupFunction = (host, options, callback) => {
        lookups++;
        lookupOf(['127.0.0.1'])(host, options, callback);
      };
      const reason = new Error('too late');
      const socket = dial({ host: 'never.test', port: 9, lookup, signal: AbortSignal.abort(reason) });
      const attempts: string[] = [];
      socket.on('connectionAttempt', (ip: string) => attempts.push(ip));
      const { error, hadError } = await outcome(socket);
      expect(error?.code).toBe('ABORT_ERR');
      expect(error?.name).toBe('AbortError');
      expect(error?.cause).toBe(reason);
      expect(hadError).toBe(true);
      expect(lookups).toBe(0);
      expect(bind).not.toHaveBeenCalled();
      expect(attempts).toEqual([]);
    } finally {
      bind.mockRestore();
    }
  });
});

/** Whether this host can bind a UDP socket on ::1. */
async function ipv6Loopback(): Promise<boolean> {
  const socket = createSocket('udp6');
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, '::1', resolve);
    });
    return true;
  } catch {
    return false;
  } finally {
    try {
      socket.close();
    } catch {
      // never bound
    }
  }
}

describe('happy eyeballs across both families', () => {
  test('::1 first and blackholed, 127.0.0.1 second: the IPv4 attempt, from a socket of its own, wins (or, without IPv6 loopback, only IPv4 is raced)', async () => {
    const server = await listen();
    const v6 = await ipv6Loopback();
    if (v6) {
      const hole = createSocket('udp6');
      holes.push(hole);
      await new Promise<void>((resolve) => hole.bind(server.port, '::1', resolve));
    }
    const lookup: LookupFunction = (_host, _options, callback) =>
      callback(null, [
        ...(v6 ? [{ address: '::1', family: 6 }] : []),
        { address: '127.0.0.2', family: 4 },
        { address: '127.0.0.1', family: 4 },
      ]);
    await blackhole('127.0.0.2', server.port);
    const serverSide = accepted(server);
    const socket = dial({ host: 'dual.test', port: server.port, lookup, happyEyeballsCache: createHappyEyeballsCache(), autoSelectFamilyAttemptTimeout: 100, maxPaths: 1 });
    const attempts: [string, number][] = [];
    socket.on('connectionAttempt', (ip: string, _port: number, family: number) => attempts.push([ip, family]));
    const started = performance.now();
    await once(socket, 'connect');
    console.log(`happy eyeballs, ${v6 ? '::1 (blackholed), 127.0.0.2 (blackholed), 127.0.0.1' : 'IPv6 loopback unavailable: 127.0.0.2 (blackholed), 127.0.0.1'}: connected in ${(performance.now() - started).toFixed(1)} ms; attempts ${JSON.stringify(attempts)}`);
    // RFC 6724 puts ::1 first; First Address Family Count 1 interleaves: ::1, then IPv4 in resolver order.
    expect(attempts).toEqual(v6 ? [['::1', 6], ['127.0.0.2', 4], ['127.0.0.1', 4]] : [['127.0.0.2', 4], ['127.0.0.1', 4]]);
    expect(socket.remoteAddress).toBe('127.0.0.1');
    expect(socket.remoteFamily).toBe('IPv4');
    expect(socket.localAddress).toBe('127.0.0.1');
    await serverSide;
    const count = await new Promise<number>((resolve) => server.getConnections((_e, n) => resolve(n)));
    expect(count).toBe(1);
    // The stream works over the winner.
    const [peer] = [await serverSide];
    peer.end('over IPv4');
    const got = await new Promise<string>((resolve) => socket.once('data', (b: Buffer) => resolve(b.toString())));
    expect(got).toBe('over IPv4');
  });

  test('the cache puts a blackholed 127.0.0.1 first: ::1, raced from the IPv6 socket, wins (or, without IPv6 loopback, the IPv4 attempt fails alone)', async () => {
    const v6 = await ipv6Loopback();
    const { server, port } = await serverOn(v6 ? '::1' : '127.0.0.1');
    try {
      const dead = v6 ? '127.0.0.1' : '127.0.0.2';
      await blackhole(dead, port);
      const cache = createHappyEyeballsCache();
      cache.entries[`dual.test|${port}`] = { address: dead, family: 4, rttMs: 50, expiresAtMs: Date.now() + 60_000 };
      const lookup: LookupFunction = (_host, _options, callback) => callback(null, [{ address: '::1', family: 6 }, { address: dead, family: 4 }]);
      const socket = dial({ host: 'dual.test', port, lookup, happyEyeballsCache: cache, connectTimeout: 1500, maxPaths: 1 });
      const attempts: [string, number][] = [];
      socket.on('connectionAttempt', (ip: string, _port: number, family: number) => attempts.push([ip, family]));
      const started = performance.now();
      if (v6) {
        await once(socket, 'connect');
        console.log(`happy eyeballs, cached 127.0.0.1 (blackholed) then ::1: connected over IPv6 in ${(performance.now() - started).toFixed(1)} ms`);
        expect(attempts).toEqual([['127.0.0.1', 4], ['::1', 6]]);
        expect([socket.remoteAddress, socket.remoteFamily, socket.localAddress]).toEqual(['::1', 'IPv6', '::1']);
        expect(cache.entries[`dual.test|${port}`]?.address).toBe('::1');
        const echoed = new Promise<string>((resolve) => socket.once('data', (b: Buffer) => resolve(b.toString())));
        const [peer] = (await once(server, 'connection')) as [MptSocket];
        peer.end('over IPv6');
        expect(await echoed).toBe('over IPv6');
      } else {
        const { error } = await outcome(socket);
        console.log('IPv6 loopback unavailable: only the IPv4 attempt ran');
        expect(error?.code).toBe('ERR_MPT_CONNECT_FAILED');
        expect(((error as MptError).attempts ?? []).map((a) => a.address)).toEqual(['127.0.0.2']);
      }
    } finally {
      server.close();
    }
  });

  test('parallel AAAA/A queries: IPv4 answers first (blackholed), ::1 answers after the resolution delay and joins the race, and wins (or, without IPv6 loopback, the IPv4 attempt fails alone)', async () => {
    const v6 = await ipv6Loopback();
    const { server, port } = await serverOn(v6 ? '::1' : '127.0.0.1');
    try {
      const dead = v6 ? '127.0.0.1' : '127.0.0.2';
      await blackhole(dead, port);
      const queried: (number | undefined)[] = [];
      // A answers at once; AAAA only after 150 ms, well past the 50 ms resolution delay.
      const lookup: LookupFunction = (_host, options, callback) => {
        queried.push(options.family);
        if (options.family === 4) callback(null, [{ address: dead, family: 4 }]);
        else setTimeout(() => callback(null, [{ address: '::1', family: 6 }]), 150);
      };
      const socket = dial({ host: 'late.test', port, lookup, happyEyeballsCache: createHappyEyeballsCache(), connectTimeout: 1500, maxPaths: 1 });
      const attempts: [string, number][] = [];
      socket.on('connectionAttempt', (ip: string, _port: number, family: number) => attempts.push([ip, family]));
      if (v6) {
        await once(socket, 'connect');
        expect(queried).toEqual([6, 4]);
        expect(attempts).toEqual([[dead, 4], ['::1', 6]]);
        expect([socket.remoteAddress, socket.remoteFamily, socket.localAddress]).toEqual(['::1', 'IPv6', '::1']);
        const echoed = new Promise<string>((resolve) => socket.once('data', (b: Buffer) => resolve(b.toString())));
        const [peer] = (await once(server, 'connection')) as [MptSocket];
        peer.end('late IPv6');
        expect(await echoed).toBe('late IPv6');
      } else {
        const { error } = await outcome(socket);
        expect(error?.code).toBe('ERR_MPT_CONNECT_FAILED');
        expect(((error as MptError).attempts ?? []).map((a) => a.address)).toEqual([dead]);
      }
    } finally {
      server.close();
    }
  });
});
