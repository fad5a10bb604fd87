// Issue #4's must-show over real UDP: two paths between distinct loopback
// addresses, each through its own link emulator, carry 100 MB together
// (SHA-256 checked, each path at least a quarter of the stream); and when
// one path's relay is killed mid-transfer the other finishes it intact.
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { demoPayload } from '../../src/cli/demo/run-demo.js';
import { createServer, fullmesh, type MptPathEvent, type MptServer, type MptSocket } from '../../src/index.js';
import { createLinkEmulator, type LinkEmulator } from '../../src/node/link-emulator.js';
import { accepted, cleanup, dial } from './helpers.js';

const MB = 1_000_000;
const BYTES = 100 * MB;
/** Both paths' one-way delays and rates: neither alone reaches their sum. */
const PATH_A = { delayMs: 5, rateBps: 200e6 };
const PATH_B = { delayMs: 8, rateBps: 150e6 };
/** Written in chunks of this many bytes, with backpressure. */
const CHUNK_BYTES = 1 << 20;

// One payload for both tests (generating 100 MB takes a moment).
const data = demoPayload(BYTES);
const dataSha256 = createHash('sha256').update(data).digest('hex');

const emulators: LinkEmulator[] = [];
const servers: MptServer[] = [];
afterEach(async () => {
  await cleanup();
  await Promise.all(emulators.splice(0).map((e) => e.close()));
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => (s.listening ? s.close(() => resolve()) : resolve()))));
});

/**
 * Client 127.0.0.1 -> relay A (127.0.0.5) -> server 127.0.0.3, and client 127.0.0.2 -> relay B
 * (127.0.0.6) -> server 127.0.0.4: one server listening on two addresses. Two settings differ from the
 * Node defaults, both for the emulated topology: the server's fullmesh does not advertise its own
 * addresses (the relays stand in for them; a direct path would bypass the emulators), and the client
 * allows two paths (its fullmesh would otherwise also open 127.0.0.1 -> B and 127.0.0.2 -> A).
 */
async function twoPaths(): Promise<{ client: MptSocket; peer: MptSocket; a: LinkEmulator; b: LinkEmulator }> {
  const server = createServer({ pathManager: fullmesh({ advertise: false }) });
  servers.push(server);
  server.listen({ port: 0, host: ['127.0.0.3', '127.0.0.4'] });
  await once(server, 'listening');
  const [first, second] = server.addresses();
  if (first === undefined || second === undefined) throw new Error('the server should listen on two addresses');
  const a = await createLinkEmulator({ frontHost: '127.0.0.5', backHost: first.address, backPort: first.port, ...PATH_A });
  const b = await createLinkEmulator({ frontHost: '127.0.0.6', backHost: second.address, backPort: second.port, ...PATH_B });
  emulators.push(a, b);
  const peerSocket = accepted(server);
  const client = dial({
    host: '127.0.0.5',
    port: a.port,
    localAddresses: ['127.0.0.1', '127.0.0.2'],
    extraRemotes: [{ host: '127.0.0.6', port: b.port }],
    maxPaths: 2,
  });
  const [peer] = await Promise.all([peerSocket, once(client, 'connect')]);
  peer.on('error', () => {});
  return { client, peer, a, b };
}

/** Writes `bytes` in chunks, waiting for 'drain' when the socket asks, then ends it. */
async function writeAll(socket: MptSocket, bytes: Uint8Array): Promise<void> {
  for (let offset = 0; offset < bytes.length; offset += CHUNK_BYTES) {
    if (!socket.write(bytes.subarray(offset, offset + CHUNK_BYTES))) await once(socket, 'drain');
  }
  socket.end();
}

function mbps(bytes: number, ms: number): string {
  return ((bytes * 8) / (ms / 1000) / 1e6).toFixed(0);
}

describe('100 MB over two emulated loopback paths', () => {
  it('aggregates: each path carries at least 25% of the stream, SHA-256 intact', async () => {
    const { client, peer } = await twoPaths();
    const hash = createHash('sha256');
    let received = 0;
    peer.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      received += chunk.length;
    });
    const ended = once(peer, 'end');
    const startMs = performance.now();
    await writeAll(client, data);
    await ended;
    const elapsedMs = performance.now() - startMs;
    expect(received).toBe(BYTES);
    expect(hash.digest('hex')).toBe(dataSha256);

    const paths = client.paths;
    expect(paths.map((p) => [p.local.host, p.status])).toEqual([
      ['127.0.0.1', 'active'],
      ['127.0.0.2', 'active'],
    ]);
    const total = paths.reduce((sum, p) => sum + p.streamBytesSent, 0);
    const shares = paths.map((p) => p.streamBytesSent / total);
    console.log(
      `aggregate: ${BYTES / MB} MB in ${elapsedMs.toFixed(0)} ms (${mbps(BYTES, elapsedMs)} Mbit/s of ` +
        `${(PATH_A.rateBps + PATH_B.rateBps) / 1e6}); stream bytes by path: ` +
        paths.map((p, i) => `${p.id} ${(p.streamBytesSent / MB).toFixed(1)} MB (${((shares[i] ?? 0) * 100).toFixed(1)}%)`).join(', '),
    );
    expect(total).toBeGreaterThanOrEqual(BYTES);
    for (const share of shares) expect(share).toBeGreaterThanOrEqual(0.25);
  }, 90_000);

  it('completes intact when path A’s relay is killed mid-transfer', async () => {
    const { client, peer, a, b } = await twoPaths();
    // Path 0 (through relay A) is declared failed once its probes go unanswered: a 'down' event.
    let downAtMs = 0;
    const pathZeroDown = new Promise<MptPathEvent>((resolve) => {
      const onPath = (e: MptPathEvent): void => {
        if (e.id !== 0 || e.change !== 'down') return;
        downAtMs = performance.now();
        client.off('path', onPath);
        resolve(e);
      };
      client.on('path', onPath);
    });
    const hash = createHash('sha256');
    let received = 0;
    let killedAt = -1;
    let killedAtMs = 0;
    peer.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      received += chunk.length;
      if (killedAt < 0 && received >= BYTES / 2) {
        killedAt = received;
        killedAtMs = performance.now();
        void a.close(); // relay A is gone: its port answers with ICMP port unreachable from now on
      }
    });
    const ended = once(peer, 'end');
    const startMs = performance.now();
    await writeAll(client, data);
    await ended;
    const endMs = performance.now();
    const down = await pathZeroDown;
    expect(down.path?.status).toBe('failed');
    expect(killedAt).toBeGreaterThan(0);
    expect(received).toBe(BYTES);
    expect(hash.digest('hex')).toBe(dataSha256);
    // Everything after the kill came over B.
    expect(b.stats().toServer.bytesForwarded).toBeGreaterThan(BYTES - killedAt);
    console.log(
      `failover: ${BYTES / MB} MB in ${(endMs - startMs).toFixed(0)} ms; relay A killed after ${(killedAt / MB).toFixed(1)} MB ` +
        `at ${(killedAtMs - startMs).toFixed(0)} ms, the rest (${((BYTES - killedAt) / MB).toFixed(1)} MB) over B in ` +
        `${(endMs - killedAtMs).toFixed(0)} ms; path 0 'down' ${(downAtMs - killedAtMs).toFixed(0)} ms after the kill; paths after: ` +
        client.paths.map((p) => `${p.id} ${p.status} lost ${p.packetsLost} pkts`).join(', '),
    );
  }, 120_000);
});
