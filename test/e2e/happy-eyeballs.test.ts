// Happy eyeballs over real UDP on loopback: the resolver returns a blackholed address first (a UDP socket
// on 127.0.0.2 that reads and never answers), the real server second.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { createHappyEyeballsCache, type LookupFunction, type MptError } from '../../src/index.js';
import { EndpointDriver } from '../../src/node/driver.js';
import { accepted, cleanup, dial, listen, outcome } from './helpers.js';

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
    const socket = dial({ host: 'dead.test', port: server.port, lookup: lookupOf(['127.0.0.2', '127.0.0.3']), happyEyeballsCache: createHappyEyeballsCache(), timeout: 1000, maxPaths: 1 });
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

/** The next driver EndpointDriver.bind creates. */
function captureNextDriver(): Promise<EndpointDriver> {
  const original = EndpointDriver.bind.bind(EndpointDriver);
  const spy = vi.spyOn(EndpointDriver, 'bind');
  return new Promise((resolve) => {
    spy.mockImplementationOnce(async (...args) => {
      const driver = await original(...args);
      spy.mockRestore();
      resolve(driver);
      return driver;
    });
  });
}

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
    socket.on('connectionAttempt', (ip: string) => {
      attempts.push(ip);
      // Abort once two attempts run (the third is still waiting for its delay).
      if (attempts.length === 2) controller.abort(new Error('user gave up'));
    });
    const result = outcome(socket);
    const driver = await captured;
    const { error } = await result;
    expect(error?.code).toBe('ERR_MPT_ABORTED');
    expect(error?.name).toBe('AbortError');
    expect((error?.cause as Error | undefined)?.message).toBe('user gave up');
    // Nothing left running, in the driver's own terms, as soon as the socket closed.
    expect(driver.activity()).toEqual({ sockets: 0, timerArmed: false, closed: true });
    expect(driver.endpoint.nextTimeout()).toBeUndefined();
    expect([...driver.endpoint.connections].every((c) => c.state === 'closed')).toBe(true);
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
      expect(error?.code).toBe('ERR_MPT_ABORTED');
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
