// socket.paths, 'path' events and the default local addresses, over real UDP on 127.x (issue #4, item 6).
import { once } from 'node:events';
import type { NetworkInterfaceInfo } from 'node:os';
import { afterEach, describe, expect, test } from 'vitest';
import { setInterfaceTableSource, type MptPathEvent, type MptSocket } from '../../src/node/index.js';
import { accepted, cleanup, dial, hashAll, listen, pathUp, sha256 } from './helpers.js';
import { randomBytes } from 'node:crypto';

afterEach(async () => {
  setInterfaceTableSource(undefined);
  await cleanup();
});

const info = (address: string, internal: boolean): NetworkInterfaceInfo =>
  ({ address, family: 'IPv4', internal, netmask: '255.0.0.0', mac: '00:00:00:00:00:00', cidr: null }) as NetworkInterfaceInfo;

/** Collects a socket's 'path' events from now on. */
function pathEvents(socket: MptSocket): MptPathEvent[] {
  const events: MptPathEvent[] = [];
  socket.on('path', (e) => events.push(e));
  return events;
}


/** Sends `bytes` from the client to the server side and checks they arrive intact. */
async function sendIntact(client: MptSocket, peer: MptSocket, bytes: number): Promise<void> {
  const data = randomBytes(bytes);
  const got = hashAll(peer);
  client.end(data);
  expect(await got).toEqual({ bytes, sha256: sha256(data) });
}

describe('socket.paths and path events', () => {
  test("path 0 comes 'up' right after 'connect' (client) and 'connection' (server), a second path when validated", async () => {
    const server = await listen();
    let serverEvents: MptPathEvent[] = [];
    server.on('connection', (s: MptSocket) => {
      serverEvents = pathEvents(s);
    });
    const client = dial({ port: server.port, localAddresses: ['127.0.0.1', '127.0.0.2'] });
    let clientEvents: MptPathEvent[] = [];
    client.on('connect', () => {
      clientEvents = pathEvents(client);
    });
    const [peer] = await Promise.all([accepted(server), once(client, 'connect')]);
    const up1 = await pathUp(client, 1);

    expect(clientEvents[0]).toMatchObject({ id: 0, change: 'up', reasonCode: 0, path: { id: 0, status: 'active', validated: true } });
    expect(serverEvents[0]).toMatchObject({ id: 0, change: 'up', path: { id: 0, status: 'active' } });
    expect(up1.path).toMatchObject({ id: 1, status: 'active', validated: true, local: { host: '127.0.0.2' }, remote: { host: '127.0.0.1', port: server.port } });

    await sendIntact(client, peer, 2_000_000);
    const paths = client.paths;
    expect(paths.map((p) => p.id)).toEqual([0, 1]);
    for (const p of paths) {
      expect(p.status).toBe('active');
      expect(p.validated).toBe(true);
      expect(p.srttMs).toBeGreaterThan(0);
      expect(p.cwndBytes).toBeGreaterThan(0);
      expect(p.bytesSent).toBeGreaterThan(0);
      expect(p.bytesReceived).toBeGreaterThan(0);
      expect(p.packetsLost).toBeGreaterThanOrEqual(0);
    }
    expect(paths.reduce((sum, p) => sum + p.streamBytesSent, 0)).toBeGreaterThanOrEqual(2_000_000);
    // The server lists the path the client opened, with the client's second address as its remote.
    expect(peer.paths.map((p) => p.remote.host)).toEqual(['127.0.0.1', '127.0.0.2']);
    console.log('paths:', paths.map((p) => `${p.id} ${p.local.host}->${p.remote.host} ${p.status} srtt ${p.srttMs.toFixed(2)} ms stream ${p.streamBytesSent} B`).join('; '));
  });

  test('paths is a snapshot: changing it changes nothing, and each read is new', async () => {
    const server = await listen();
    const client = dial({ port: server.port });
    await once(client, 'connect');
    const first = client.paths;
    const path = first[0] as { local: { host: string } };
    path.local.host = '192.0.2.1';
    first.length = 0;
    expect(client.paths).toHaveLength(1);
    expect(client.paths[0]?.local.host).toBe('127.0.0.1');
    expect(client.paths).not.toBe(client.paths);
  });
});

describe('default local addresses (no localAddresses given)', () => {
  test('with only loopback interfaces: one wildcard socket and one path, as before', async () => {
    setInterfaceTableSource(() => ({ lo: [info('127.0.0.1', true)] }));
    const server = await listen();
    const client = dial({ port: server.port });
    const [peer] = await Promise.all([accepted(server), once(client, 'connect')]);
    expect(client.addresses()).toHaveLength(1);
    await sendIntact(client, peer, 100_000);
    expect(client.paths).toHaveLength(1);
  });

  test('every other non-internal address of the family gets a socket and a path (here a loopback one, as the server is)', async () => {
    // 127.0.0.2 listed as a non-internal interface address stands for a second interface.
    setInterfaceTableSource(() => ({ lo: [info('127.0.0.1', true)], fake0: [info('127.0.0.2', false)] }));
    const server = await listen();
    const client = dial({ port: server.port });
    const [peer] = await Promise.all([accepted(server), once(client, 'connect')]);
    expect(client.addresses().map((a) => a.address)).toEqual(['127.0.0.1', '127.0.0.2']);
    await pathUp(client, 1);
    await sendIntact(client, peer, 1_000_000);
    expect(client.paths.map((p) => [p.local.host, p.status])).toEqual([
      ['127.0.0.1', 'active'],
      ['127.0.0.2', 'active'],
    ]);
  });

  test('the source address the routing picks is not bound twice, and maxPaths: 1 or localAddress keep one socket', async () => {
    setInterfaceTableSource(() => ({ fake0: [info('127.0.0.1', false), info('127.0.0.2', false)] }));
    const server = await listen();
    const both = dial({ port: server.port });
    await once(both, 'connect');
    expect(both.addresses().map((a) => a.address)).toEqual(['127.0.0.1', '127.0.0.2']);
    const single = dial({ port: server.port, maxPaths: 1 });
    await once(single, 'connect');
    expect(single.addresses()).toHaveLength(1);
    const pinned = dial({ port: server.port, localAddress: '127.0.0.1' });
    await once(pinned, 'connect');
    expect(pinned.addresses()).toHaveLength(1);
  });
});
