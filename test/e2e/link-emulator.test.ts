// The userspace link emulator over real UDP on 127.x: plain dgram endpoints, then real mpt connections through it.
// Wall-clock figures are only logged (shared, noisy machines); assertions are on counters, integrity and lower bounds.
import { randomBytes } from 'node:crypto';
import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { createLinkEmulator, type LinkEmulator, type LinkEmulatorOptions } from '../../src/node/index.js';
import { accepted, cleanup, dial, hashAll, listen, sha256 } from './helpers.js';

const relays = new Set<LinkEmulator>();
const udps = new Set<UdpSocket>();

/** Closes every relay and plain socket the tests opened, then what the helpers opened. */
async function closeAll(): Promise<void> {
  await Promise.all([...relays].map((r) => r.close()));
  relays.clear();
  await Promise.all(
    [...udps].map(
      (socket) =>
        new Promise<void>((resolve) => {
          try {
            socket.close(resolve);
          } catch {
            resolve(); // closed by the test
          }
        }),
    ),
  );
  udps.clear();
  await cleanup();
}

async function relay(options: Omit<LinkEmulatorOptions, 'backHost'> & { backHost?: string }): Promise<LinkEmulator> {
  const r = await createLinkEmulator({ backHost: '127.0.0.1', frontHost: '127.0.0.2', outboundHost: '127.0.0.3', ...options });
  relays.add(r);
  return r;
}

interface Endpoint {
  readonly socket: UdpSocket;
  readonly port: number;
  /** Every datagram received, with its source and arrival time. */
  readonly received: { data: Buffer; from: RemoteInfo; atMs: number }[];
}

/** A plain UDP socket on `host`; with `echo`, it sends every datagram back to its source. */
async function endpoint(host: string, echo = false): Promise<Endpoint> {
  const socket = createSocket({ type: 'udp4', recvBufferSize: 4 << 20 });
  udps.add(socket);
  await new Promise<void>((resolve) => socket.bind(0, host, resolve));
  const received: Endpoint['received'] = [];
  socket.on('message', (data, from) => {
    received.push({ data, from, atMs: performance.now() });
    if (echo) socket.send(data, from.port, from.address);
  });
  return { socket, port: socket.address().port, received };
}

/** Waits until `predicate` holds, polling; fails after `limitMs`. */
async function until(predicate: () => boolean, limitMs = 3_000): Promise<void> {
  const end = performance.now() + limitMs;
  while (!predicate()) {
    if (performance.now() > end) throw new Error('condition not met in time');
    await sleep(5);
  }
}

/** One round trip of a datagram from `client` through `r`; resolves with the RTT in ms, or undefined after `limitMs`. */
async function ping(client: Endpoint, r: LinkEmulator, limitMs = 1_000): Promise<number | undefined> {
  const before = client.received.length;
  const t0 = performance.now();
  client.socket.send(Buffer.from(`ping ${t0}`), r.port, r.host);
  try {
    await until(() => client.received.length > before, limitMs);
  } catch {
    return undefined;
  }
  return (client.received[before]?.atMs ?? NaN) - t0;
}

/** Sends `count` numbered datagrams of `size` bytes, yielding to the loop every 50 so no socket buffer overflows. */
async function sendNumbered(from: Endpoint, r: LinkEmulator, count: number, size = 16): Promise<void> {
  for (let i = 0; i < count; i++) {
    const data = Buffer.alloc(size);
    data.writeUInt32BE(i, 0);
    from.socket.send(data, r.port, r.host);
    if (i % 50 === 49) await new Promise((resolve) => setImmediate(resolve));
  }
}

function ids(e: Endpoint): number[] {
  return e.received.map((m) => m.data.readUInt32BE(0));
}

describe('link emulator over plain UDP', () => {
  afterEach(closeAll);

  test('relays both ways, with one outbound socket per client on the outbound address (a NAT)', async () => {
    const server = await endpoint('127.0.0.1', true);
    const r = await relay({ backPort: server.port });
    const a = await endpoint('127.0.0.1');
    const b = await endpoint('127.0.0.1');
    a.socket.send('from a', r.port, r.host);
    b.socket.send('from b', r.port, r.host);
    await until(() => a.received.length === 1 && b.received.length === 1);
    expect(String(a.received[0]?.data)).toBe('from a');
    expect(String(b.received[0]?.data)).toBe('from b');
    // Replies come from the relay's front address, as the client sent them there.
    expect(a.received[0]?.from).toMatchObject({ address: '127.0.0.2', port: r.port });
    const sources = server.received.map((m) => m.from);
    expect(sources.map((s) => s.address)).toEqual(['127.0.0.3', '127.0.0.3']);
    expect(new Set(sources.map((s) => s.port)).size).toBe(2);
    const clients = r.clients();
    expect(clients.map((c) => c.port).sort()).toEqual([a.port, b.port].sort());
    expect(clients.map((c) => c.outboundPort).sort()).toEqual(sources.map((s) => s.port).sort());
    const stats = r.stats();
    expect(stats.toServer).toMatchObject({ datagramsIn: 2, datagramsForwarded: 2, bytesForwarded: 12, datagramsInside: 0 });
    expect(stats.toClient).toMatchObject({ datagramsIn: 2, datagramsForwarded: 2 });
    expect(stats).toMatchObject({ clients: 2, mappingsCreated: 2, socketErrors: 0 });
  });

  test('delay holds every datagram at least delayMs each way; configure changes it at run time', async () => {
    const server = await endpoint('127.0.0.1', true);
    const r = await relay({ backPort: server.port, delayMs: 25, jitterMs: 5 });
    const client = await endpoint('127.0.0.1');
    const rtts: number[] = [];
    for (let i = 0; i < 4; i++) rtts.push((await ping(client, r)) ?? NaN);
    r.configure({ delayMs: 5, jitterMs: 0, toClient: { delayMs: 60 } });
    expect(r.impairments('toServer')).toMatchObject({ delayMs: 5, jitterMs: 0 });
    expect(r.impairments('toClient')).toMatchObject({ delayMs: 60, jitterMs: 0 });
    const after = (await ping(client, r)) ?? NaN;
    console.log(`link emulator: RTT with 25+25 ms (+0-5 jitter each): ${rtts.map((t) => t.toFixed(1)).join(', ')} ms; with 5+60 ms: ${after.toFixed(1)} ms`);
    // The slack lets a datagram leave up to 1 ms early each way.
    for (const rtt of rtts) expect(rtt).toBeGreaterThanOrEqual(48);
    expect(after).toBeGreaterThanOrEqual(63);
  });

  test('loss is seeded: equal seeds drop the same datagrams, another seed others', async () => {
    const sinks = [await endpoint('127.0.0.1'), await endpoint('127.0.0.1'), await endpoint('127.0.0.1')];
    const seeds = [42, 42, 43];
    const relaysBySeed = await Promise.all(sinks.map((s, i) => relay({ backPort: s.port, lossRate: 0.3, seed: seeds[i] })));
    const client = await endpoint('127.0.0.1');
    for (const r of relaysBySeed) await sendNumbered(client, r, 400);
    await until(() => relaysBySeed.every((r) => r.stats().toServer.datagramsIn === 400 && r.stats().toServer.datagramsInside === 0));
    await until(() => sinks.every((s, i) => s.received.length === relaysBySeed[i]?.stats().toServer.datagramsForwarded));
    const [first, same, other] = sinks.map(ids);
    expect(same).toEqual(first);
    expect(other).not.toEqual(first);
    const stats = relaysBySeed[0]?.stats().toServer;
    expect(stats?.dropped.loss).toBe(400 - (first?.length ?? 0));
    expect(stats?.dropped.loss).toBeGreaterThan(80);
    expect(stats?.dropped.loss).toBeLessThan(160);
    // Invalid changes are refused whole, and change nothing.
    const r = relaysBySeed[0] as LinkEmulator;
    expect(() => r.configure({ delayMs: 10, toClient: { lossRate: 2 } })).toThrow(RangeError);
    expect(r.impairments('toServer')).toMatchObject({ delayMs: 0, lossRate: 0.3 });
  });

  test('rate serialises datagrams behind a drop-tail queue of queueBytes', async () => {
    const sink = await endpoint('127.0.0.1');
    // 80 kbit/s: 100 ms per 1000-byte datagram, so all 100 arrive while the first is on the wire even on a
    // loaded machine; 10 datagrams fit in the queue behind it.
    const r = await relay({ backPort: sink.port, toServer: { rateBps: 80_000, queueBytes: 10_000 } });
    const client = await endpoint('127.0.0.1');
    const t0 = performance.now();
    for (let i = 0; i < 100; i++) client.socket.send(Buffer.alloc(1_000, i), r.port, r.host);
    await until(() => r.stats().toServer.datagramsIn === 100 && r.stats().toServer.datagramsInside === 0);
    await until(() => sink.received.length === 11);
    const stats = r.stats().toServer;
    expect(stats).toMatchObject({ datagramsForwarded: 11, bytesForwarded: 11_000, maxQueueBytes: 10_000, queueBytes: 0 });
    expect(stats.dropped.queue).toBe(89);
    expect(stats.bytesDropped).toBe(89_000);
    const spanMs = (sink.received.at(-1)?.atMs ?? 0) - (sink.received[0]?.atMs ?? 0);
    console.log(`link emulator: 11 x 1000 B at 80 kbit/s spanned ${spanMs.toFixed(1)} ms (ideal 1000), first after ${((sink.received[0]?.atMs ?? 0) - t0).toFixed(1)} ms (ideal 100)`);
    // The 11th is due 1100 ms after the first entered (11 serialisations), and may leave up to 1 ms early.
    expect((sink.received.at(-1)?.atMs ?? 0) - t0).toBeGreaterThanOrEqual(1100 - 1);
    // The other direction has no rate limit.
    expect(r.impairments('toClient').rateBps).toBe(Infinity);
  });

  test('mtuBytes drops larger datagrams; burst loss drops in runs', async () => {
    const sink = await endpoint('127.0.0.1');
    const r = await relay({ backPort: sink.port, mtuBytes: 500 });
    const client = await endpoint('127.0.0.1');
    client.socket.send(Buffer.alloc(501), r.port, r.host);
    client.socket.send(Buffer.alloc(500), r.port, r.host);
    await until(() => sink.received.length === 1 && r.stats().toServer.datagramsIn === 2);
    expect(sink.received[0]?.data.length).toBe(500);
    expect(r.stats().toServer.dropped.mtu).toBe(1);

    r.configure({ mtuBytes: Infinity, burstLoss: { goodToBad: 0.05, badToGood: 0.25 } });
    await sendNumbered(client, r, 1_000);
    await until(() => r.stats().toServer.datagramsIn === 1_002 && sink.received.length === r.stats().toServer.datagramsForwarded);
    const got = ids(sink).slice(1);
    let gaps = 0;
    let lostInGaps = 0;
    for (let i = 1; i < got.length; i++) {
      const gap = (got[i] ?? 0) - (got[i - 1] ?? 0) - 1;
      if (gap > 0) {
        gaps++;
        lostInGaps += gap;
      }
    }
    const burst = r.stats().toServer.dropped.burst;
    console.log(`link emulator: burst loss dropped ${burst} of 1000 in ${gaps} runs (mean ${(lostInGaps / gaps).toFixed(2)}, model 4)`);
    expect(burst).toBeGreaterThan(50);
    // Runs, not isolated losses: mean run length well above 1.
    expect(lostInGaps / gaps).toBeGreaterThan(2);
    r.configure({ burstLoss: undefined });
    expect(r.impairments('toServer').burstLoss).toBeUndefined();
  });

  test('setDown drops everything, in flight too, in both directions or one', async () => {
    const server = await endpoint('127.0.0.1', true);
    const r = await relay({ backPort: server.port, delayMs: 30 });
    const client = await endpoint('127.0.0.1');
    expect(await ping(client, r)).toBeDefined();
    // A datagram already in its delay when the link goes down is lost at the exit.
    client.socket.send('in flight', r.port, r.host);
    await until(() => r.stats().toServer.datagramsInside === 1);
    r.setDown(true);
    expect(await ping(client, r, 150)).toBeUndefined();
    expect(server.received.length).toBe(1);
    expect(r.stats().toServer.dropped.down).toBe(2);
    r.setDown(false);
    expect(await ping(client, r)).toBeDefined();
    // Only the replies lost: the server still hears the client.
    r.setDown(true, 'toClient');
    expect(r.impairments('toServer').down).toBe(false);
    expect(await ping(client, r, 150)).toBeUndefined();
    expect(server.received.length).toBe(3);
    expect(r.stats().toClient.dropped.down).toBe(1);
  });

  test('rebind gives the server a new source port or address; idle mappings expire', async () => {
    const server = await endpoint('127.0.0.1', true);
    const r = await relay({ backPort: server.port, mappingIdleMs: 100 });
    const client = await endpoint('127.0.0.1');
    await ping(client, r);
    await r.rebind();
    await ping(client, r);
    await r.rebind({ outboundHost: '127.0.0.4' });
    await ping(client, r);
    const sources = server.received.map((m) => `${m.from.address}:${m.from.port}`);
    expect(new Set(sources).size).toBe(3);
    expect(server.received[2]?.from.address).toBe('127.0.0.4');
    expect(client.received.length).toBe(3);
    expect(r.clients()[0]).toMatchObject({ outboundHost: '127.0.0.4', outboundPort: server.received[2]?.from.port });
    expect(r.stats()).toMatchObject({ rebinds: 2, mappingsCreated: 1 });
    // Quiet for longer than mappingIdleMs: the mapping goes, the next datagram gets a new one.
    await until(() => r.stats().clients === 0);
    await ping(client, r);
    expect(r.stats()).toMatchObject({ mappingsExpired: 1, mappingsCreated: 2, clients: 1 });
    expect(new Set(server.received.map((m) => m.from.port)).size).toBe(4);
  });

  test('close() leaves no socket or timer behind, even with datagrams inside', async () => {
    const count = (): { udp: number; timers: number } => {
      const resources = process.getActiveResourcesInfo();
      return { udp: resources.filter((x) => x === 'UDPWrap').length, timers: resources.filter((x) => x === 'Timeout').length };
    };
    const server = await endpoint('127.0.0.1', true);
    const client = await endpoint('127.0.0.1');
    await sleep(20); // sockets closed by earlier tests finish closing
    const before = count();
    const r = await relay({ backPort: server.port, delayMs: 200, rateBps: 1e6, mappingIdleMs: 10_000 });
    client.socket.send('a', r.port, r.host);
    client.socket.send(Buffer.alloc(1_000), r.port, r.host);
    await until(() => r.stats().toServer.datagramsInside === 2);
    // The process's handle counts also move with sockets other tests are still closing, so the checks
    // are one-sided: the relay's two sockets appear, and once closed nothing of it is left above the baseline.
    expect(count().udp).toBeGreaterThanOrEqual(before.udp + 2);
    await r.close();
    expect(r.closed).toBe(true);
    await r.close(); // idempotent
    // libuv frees closed handles a few loop turns later.
    await until(() => count().udp <= before.udp, 1_000);
    expect(count().udp).toBeLessThanOrEqual(before.udp);
    expect(count().timers).toBeLessThanOrEqual(before.timers);
    await sleep(250);
    expect(server.received.length).toBe(0);
  });
});

// These transfers are paced by round trips, not by CPU, so they run side by side to keep the file short;
// hence one cleanup at the end rather than after each (the helpers' cleanup closes every socket at once).
describe.concurrent('link emulator with mpt connections', () => {
  afterAll(closeAll);

  /** Sends `bytes` random bytes from a client through `r` to a server, checks the hash; resolves with the elapsed ms. */
  async function transfer(
    r: LinkEmulator,
    bytes: number,
    onProgress?: (received: number) => void,
  ): Promise<{ ms: number; goodputBps: number; mtuBytes: number | undefined }> {
    const payload = randomBytes(bytes);
    const client = dial({ host: r.host, port: r.port, serverKey: serverKeyOf(r) });
    const peer = await accepted(serverOf(r));
    let received = 0;
    if (onProgress !== undefined) {
      peer.on('data', (chunk: Buffer) => {
        received += chunk.length;
        onProgress(received);
      });
    }
    const hashed = hashAll(peer);
    const t0 = performance.now();
    client.end(payload);
    const result = await hashed;
    const ms = performance.now() - t0;
    expect(result.bytes).toBe(bytes);
    expect(result.sha256).toBe(sha256(payload));
    return { ms, goodputBps: (bytes * 8) / (ms / 1000), mtuBytes: client.paths[0]?.mtuBytes };
  }

  const servers = new Map<LinkEmulator, Awaited<ReturnType<typeof listen>>>();
  const serverOf = (r: LinkEmulator): Awaited<ReturnType<typeof listen>> => servers.get(r) as Awaited<ReturnType<typeof listen>>;
  const serverKeyOf = (r: LinkEmulator): Uint8Array => serverOf(r).publicKey;

  async function path(options: Omit<LinkEmulatorOptions, 'backHost' | 'backPort'>): Promise<LinkEmulator> {
    const server = await listen();
    const r = await relay({ backPort: server.port, ...options });
    servers.set(r, server);
    return r;
  }

  test('5 MB through 20 ms each way and 1% loss arrives intact', async () => {
    const r = await path({ delayMs: 20, lossRate: 0.01 });
    const { ms, goodputBps, mtuBytes } = await transfer(r, 5_000_000);
    const stats = r.stats();
    console.log(
      `link emulator: 5 MB over 20 ms + 1% loss in ${ms.toFixed(0)} ms (${(goodputBps / 1e6).toFixed(1)} Mbit/s, path MTU ${mtuBytes} B); ` +
        `to server ${stats.toServer.datagramsForwarded} datagrams, lost ${stats.toServer.dropped.loss}; ` +
        `to client ${stats.toClient.datagramsForwarded}, lost ${stats.toClient.dropped.loss}`,
    );
    expect(stats.toServer.bytesForwarded).toBeGreaterThan(5_000_000);
    expect(stats.toServer.datagramsIn).toBe(stats.toServer.datagramsForwarded + stats.toServer.dropped.loss + stats.toServer.datagramsInside);
    expect(stats.socketErrors).toBe(0);
  });

  test('2 MB through a 20 Mbit/s link the goodput stays below the rate', async () => {
    const r = await path({ rateBps: 20e6, delayMs: 2 });
    const { ms, goodputBps } = await transfer(r, 2_000_000);
    const stats = r.stats();
    console.log(
      `link emulator: 2 MB over 20 Mbit/s in ${ms.toFixed(0)} ms: ${(goodputBps / 1e6).toFixed(1)} Mbit/s goodput; ` +
        `queue max ${stats.toServer.maxQueueBytes} B, queue drops ${stats.toServer.dropped.queue}`,
    );
    expect(goodputBps).toBeLessThan(20e6);
    expect(stats.toServer.bytesForwarded).toBeGreaterThan(2_000_000);
    expect(stats.toServer.maxQueueBytes).toBeLessThanOrEqual(r.impairments('toServer').queueBytes);
  });

  test('setDown(true) mid-transfer stalls it; setDown(false) resumes it to completion', async () => {
    const r = await path({ rateBps: 20e6, delayMs: 5 });
    let downAtMs = 0;
    let progress = 0;
    let stalledFrom = 0;
    let stalledTo = 0;
    const outage = (async () => {
      await until(() => progress >= 500_000, 10_000);
      r.setDown(true);
      downAtMs = performance.now();
      await sleep(200); // whatever was already in the server's socket drains
      stalledFrom = progress;
      await sleep(600);
      stalledTo = progress;
      r.setDown(false);
    })();
    const { ms } = await transfer(r, 2_000_000, (n) => {
      progress = n;
    });
    await outage;
    const stats = r.stats();
    console.log(
      `link emulator: 2 MB with an 800 ms outage after ${stalledFrom} B in ${ms.toFixed(0)} ms ` +
        `(resumed ${(performance.now() - downAtMs - 800).toFixed(0)} ms before the end); dropped while down ${stats.toServer.dropped.down} + ${stats.toClient.dropped.down}`,
    );
    expect(stalledTo).toBe(stalledFrom);
    expect(stalledFrom).toBeLessThan(2_000_000);
    expect(stats.toServer.dropped.down + stats.toClient.dropped.down).toBeGreaterThan(0);
  });
});
