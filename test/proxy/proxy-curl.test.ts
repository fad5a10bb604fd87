// curl, a client nobody here wrote, downloads 50 MiB from a local HTTP server through the local proxy
// and a converter: over SOCKS5 (remote name resolution) and HTTP CONNECT, over one path, then over two
// emulated paths one of which dies mid-download. The bytes must be the served bytes (SHA-256).
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { demoPayload } from '../../src/cli/demo/run-demo.js';
import { createConverter, createProxy, generateKeyPair, type MptConverter, type MptProxy, type MptProxyTunnelEvent, type MptSocket, type ProxyOptions } from '../../src/index.js';
import { createLinkEmulator, type LinkEmulator } from '../../src/node/link-emulator.js';
import { payloadServer, runCurl } from './curl.js';
import { canBind } from '../../src/cli/can-bind.js';

const BYTES = 50 * 1024 * 1024;
const payload = demoPayload(BYTES);
const payloadSha256 = createHash('sha256').update(payload).digest('hex');

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** A converter on 127.0.0.1 that takes `clientKey` and may reach 127.0.0.1. */
async function startConverter(clientKey: Uint8Array): Promise<MptConverter & { port: number }> {
  const converter = createConverter({ clientKeys: [clientKey], allow: ['127.0.0.1/32'] });
  converter.listen(0, '127.0.0.1');
  await once(converter, 'listening');
  // Its sockets are destroyed before it closes: after a path died, a tunnel whose client already closed
  // may wait out its idle timeout on the converter's side (the client's last packets can be lost with the path).
  const sockets = new Set<MptSocket>();
  converter.server.on('connection', (socket) => sockets.add(socket));
  closers.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => converter.close(() => resolve()));
  });
  return Object.assign(converter, { port: (converter.address() as { port: number }).port });
}

/** A listening proxy on 127.0.0.1 (a free port); its 'tunnel' reports are collected. */
async function startProxy(options: ProxyOptions): Promise<MptProxy & { port: number; reports: MptProxyTunnelEvent[] }> {
  const proxy = createProxy(options);
  const reports: MptProxyTunnelEvent[] = [];
  proxy.on('tunnel', (event) => reports.push(event));
  proxy.listen(0, '127.0.0.1');
  await once(proxy, 'listening');
  closers.push(() => new Promise((resolve) => proxy.close(() => resolve())));
  return Object.assign(proxy, { port: (proxy.address() as { port: number }).port, reports });
}

async function startServer(): Promise<Awaited<ReturnType<typeof payloadServer>>> {
  const server = await payloadServer(payload);
  closers.push(server.close);
  return server;
}

/** Both ways curl reaches the proxy: SOCKS5 with the name resolved by the proxy's side, and HTTP CONNECT (-p forces CONNECT for an http:// URL). */
const MODES = [
  { name: 'SOCKS5 (--socks5-hostname)', args: (port: number) => ['--socks5-hostname', `127.0.0.1:${port}`], protocol: 'socks5' },
  { name: 'HTTP CONNECT (-p -x http://)', args: (port: number) => ['-p', '-x', `http://127.0.0.1:${port}`], protocol: 'http' },
] as const;

describe('curl through the proxy, one path', () => {
  for (const mode of MODES) {
    it(`downloads 50 MiB intact over ${mode.name}, the request 0-RTT`, async () => {
      const server = await startServer();
      const keyPair = generateKeyPair();
      const converter = await startConverter(keyPair.publicKey);
      const converterTunnels: unknown[] = [];
      converter.on('tunnel', (t) => converterTunnels.push(t));
      const proxy = await startProxy({ converter: { host: '127.0.0.1', port: converter.port }, serverKey: converter.publicKey, keyPair });
      const result = await runCurl([...mode.args(proxy.port), server.url]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.bytes).toBe(BYTES);
      expect(result.sha256).toBe(payloadSha256);
      while (proxy.reports.length === 0) await once(proxy, 'tunnel');
      const report = proxy.reports[0] as MptProxyTunnelEvent;
      expect(report).toMatchObject({ protocol: mode.protocol, outcome: 'tunneled', destination: { host: '127.0.0.1', port: server.port }, error: undefined });
      // The HTTP response is the payload and its header.
      expect(report.bytesFromDestination).toBeGreaterThan(BYTES);
      expect(report.bytesToDestination).toBeGreaterThan(0);
      while (converterTunnels.length === 0) await once(converter, 'tunnel');
      expect(converterTunnels[0]).toMatchObject({ replyCode: 0, earlyData: true });
    }, 60_000);
  }
});

describe('curl through the proxy, two emulated paths, one killed mid-download', () => {
  for (const mode of MODES) {
    it(`finishes 50 MiB intact over ${mode.name} after path A goes down`, async () => {
      // Linux routes all of 127.0.0.0/8 to loopback; this test needs a second local address and fails without one.
      expect(await canBind('127.0.0.2')).toBe(true);
      const server = await startServer();
      const keyPair = generateKeyPair();
      const converter = await startConverter(keyPair.publicKey);
      // Path A: 5 ms one way, 200 Mbit/s; path B: 15 ms one way, 100 Mbit/s (as the demo's).
      const a: LinkEmulator = await createLinkEmulator({ backHost: '127.0.0.1', backPort: converter.port, delayMs: 5, rateBps: 200e6 });
      const b: LinkEmulator = await createLinkEmulator({ backHost: '127.0.0.1', backPort: converter.port, delayMs: 15, rateBps: 100e6 });
      closers.push(async () => {
        await Promise.all([a.close(), b.close()]);
      });
      const proxy = await startProxy({
        converter: { host: '127.0.0.1', port: a.port },
        serverKey: converter.publicKey,
        keyPair,
        // Two paths: 127.0.0.1 -> A, then 127.0.0.2 -> B (the extraRemotes are known before the pinned-key
        // handshake completes, so fullmesh's second path goes to the unused remote).
        maxPaths: 2,
        localAddresses: ['127.0.0.1', '127.0.0.2'],
        extraRemotes: [{ host: '127.0.0.1', port: b.port }],
      });
      let killedAt = -1;
      let beforeKill = { a: 0, b: 0 };
      const result = await runCurl([...mode.args(proxy.port), server.url], (bytes) => {
        if (killedAt < 0 && bytes >= BYTES / 2) {
          killedAt = bytes;
          beforeKill = { a: a.stats().toClient.bytesForwarded, b: b.stats().toClient.bytesForwarded };
          a.setDown(true); // both directions, with data of it still in flight
        }
      });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(killedAt).toBeGreaterThan(0);
      expect(result.bytes).toBe(BYTES);
      expect(result.sha256).toBe(payloadSha256);
      // Both paths carried a real share of the download before the kill (over 1 MiB each, of about 25 MiB).
      expect(beforeKill.a).toBeGreaterThan(1024 * 1024);
      expect(beforeKill.b).toBeGreaterThan(1024 * 1024);
      // After it, A delivered nothing more (it dropped what it was given) and the rest came over B: at
      // least 10 MiB of the 25 left (some of those 25 were already past the links, in buffers, at the kill).
      expect(a.stats().toClient.bytesForwarded).toBe(beforeKill.a);
      expect(a.stats().toClient.dropped.down + a.stats().toServer.dropped.down).toBeGreaterThan(0);
      expect(b.stats().toClient.bytesForwarded - beforeKill.b).toBeGreaterThan(10 * 1024 * 1024);
      while (proxy.reports.length === 0) await once(proxy, 'tunnel');
      expect(proxy.reports[0]).toMatchObject({ protocol: mode.protocol, outcome: 'tunneled', error: undefined });
    }, 60_000);
  }
});
