// The same metered-cap plugin, unchanged, steering a real connection over UDP between loopback addresses.
// The client binds 127.0.0.1 and 127.0.0.2; a fake interface table makes 127.0.0.2 a cellular modem
// (wwan0, metered by default), so the plugin caps what is sent from it. Both paths go through one link
// emulator (40 Mbit/s, 5 ms each way, 1472-byte datagrams at most) so that the rate, and so the overshoot
// between two checks, and the MTU are those of a real access link rather than of loopback (whose 64 KiB
// PMTU search then loses its first probes, as it would through a tunnel).
import { once } from 'node:events';
import { createHash, randomBytes } from 'node:crypto';
import type { NetworkInterfaceInfo } from 'node:os';
import { afterEach, expect, test } from 'vitest';
import { connect, createServer, ReasonCode, setInterfaceTableSource, type MptPathEvent, type MptServer, type MptSocket } from 'mpt';
// Test scaffolding from this repository (not part of the plugin): the userspace link emulator.
import { createLinkEmulator, type LinkEmulator } from '../../src/node/link-emulator.js';
import { meteredCap } from './metered-cap.js';

const open: { close(): unknown }[] = [];
afterEach(async () => {
  setInterfaceTableSource(undefined);
  for (const o of open.splice(0).reverse()) await o.close();
});

const v4 = (address: string, internal: boolean): NetworkInterfaceInfo =>
  ({ address, family: 'IPv4', internal, netmask: '255.0.0.0', mac: '00:00:00:00:00:00', cidr: null }) as NetworkInterfaceInfo;

test('on real UDP, the metered interface sends no more than its cap, then its path closes and the stream completes on the other', async () => {
  setInterfaceTableSource(() => ({ lo: [v4('127.0.0.1', true)], wwan0: [v4('127.0.0.2', false)] }));
  // An eighth of the stream: the metered path reaches it even if it carries well under its half of the
  // shared link, so the cap (not the end of the stream) is what stops it.
  const capBytes = 1_000_000;
  const plugin = meteredCap({ capBytes });

  const server: MptServer = createServer();
  open.push({ close: () => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve())) });
  server.listen({ port: 0, host: '127.0.0.8' });
  await once(server, 'listening');
  const { port } = server.addresses()[0] as { port: number };
  const relay: LinkEmulator = await createLinkEmulator({ frontHost: '127.0.0.7', backHost: '127.0.0.8', backPort: port, delayMs: 5, rateBps: 40e6, queueBytes: 256 * 1024, mtuBytes: 1472 });
  open.push(relay);

  const peerSocket = once(server, 'connection') as Promise<[MptSocket]>;
  const connectMs = performance.now();
  const client = connect({ host: '127.0.0.7', port: relay.port, localAddresses: ['127.0.0.1', '127.0.0.2'], pathManager: plugin });
  open.push({ close: () => client.destroy() });
  const closed: MptPathEvent[] = [];
  /** What happened to the paths, and when (ms after connect()): printed with the figures. */
  const changes: string[] = [];
  client.on('path', (e) => {
    changes.push(`${e.path?.local.host ?? e.id} ${e.change} at ${(performance.now() - connectMs).toFixed(0)} ms`);
    if (e.change === 'closed') closed.push(e);
  });
  const [[peer]] = await Promise.all([peerSocket, once(client, 'connect')]);
  peer.on('error', () => {});
  open.push({ close: () => peer.destroy() });

  const data = randomBytes(8_000_000);
  const hash = createHash('sha256');
  let got = 0;
  peer.on('data', (chunk: Buffer) => {
    hash.update(chunk);
    got += chunk.length;
  });
  const startMs = performance.now();
  client.end(data);
  await once(peer, 'end');
  const endMs = performance.now();
  const ms = endMs - startMs;

  expect(got).toBe(data.length);
  expect(hash.digest('hex')).toBe(createHash('sha256').update(data).digest('hex'));
  // A closed path leaves socket.paths a few PTOs after it closes: its 'closed' event carries its last figures.
  const byId = new Map(client.paths.map((p) => [p.id, p]));
  for (const e of closed) if (e.path !== undefined && !byId.has(e.path.id)) byId.set(e.path.id, e.path);
  const sentFrom = (host: string): number => [...byId.values()].filter((p) => p.local.host === host).reduce((n, p) => n + p.bytesSent, 0);
  const cellBytes = sentFrom('127.0.0.2');
  const otherBytes = sentFrom('127.0.0.1');
  console.log(
    `metered-cap (UDP): 8 MB in ${ms.toFixed(0)} ms; 127.0.0.2 (wwan0, metered) sent ${cellBytes} B of its ${capBytes} B cap ` +
      `(plugin's count ${plugin.usage().get('wwan0')}), 127.0.0.1 sent ${otherBytes} B; relay dropped ${JSON.stringify(relay.stats().toServer.dropped)}; sent from ${(startMs - connectMs).toFixed(0)} to ${(endMs - connectMs).toFixed(0)} ms, paths: ${changes.join(', ')}`,
  );
  expect(cellBytes).toBeLessThanOrEqual(capBytes);
  expect(cellBytes).toBeGreaterThan(capBytes / 4); // the metered path did carry data until its cap
  expect(closed.map((e) => [e.path?.local.host, e.reasonCode])).toEqual([['127.0.0.2', ReasonCode.AdministrativelyProhibited]]);
});
