// The interface monitor behind a real client over UDP on 127.x, with a fake interface table: an address
// that appears gets a socket and a path within one poll; one that goes away has its socket closed and its
// path closed with AddressRemoved; the stream carries on throughout.
import { once } from 'node:events';
import type { NetworkInterfaceInfo } from 'node:os';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, test } from 'vitest';
import { InterfaceMonitor, ReasonCode, setInterfaceTableSource, type InterfaceTable, type MptLocalAddressEvent, type MptPathEvent, type MptSocket } from '../../src/index.js';
import { accepted, cleanup, dial, hashAll, listen, sha256 } from './helpers.js';

const monitors: InterfaceMonitor[] = [];
afterEach(async () => {
  for (const m of monitors.splice(0)) m.stop();
  setInterfaceTableSource(undefined);
  await cleanup();
});

const v4 = (address: string, internal: boolean): NetworkInterfaceInfo =>
  ({ address, family: 'IPv4', internal, netmask: '255.0.0.0', mac: '00:00:00:00:00:00', cidr: null }) as NetworkInterfaceInfo;

/** Resolves with the first 'path' event of `socket` that `match` accepts, and the monitor's poll count then. */
function pathEvent(socket: MptSocket, monitor: InterfaceMonitor, match: (e: MptPathEvent) => boolean): Promise<{ event: MptPathEvent; polls: number; atMs: number }> {
  return new Promise((resolve) => {
    const onPath = (e: MptPathEvent): void => {
      if (!match(e)) return;
      socket.off('path', onPath);
      resolve({ event: e, polls: monitor.polls, atMs: performance.now() });
    };
    socket.on('path', onPath);
  });
}

describe('the interface monitor on a real connection', () => {
  test('an address that appears gets a path within one poll; when it goes, its path closes with AddressRemoved', async () => {
    // 127.0.0.2 listed as a non-internal cellular interface stands for a modem that comes and goes.
    const base: InterfaceTable = { lo: [v4('127.0.0.1', true)] };
    let table: InterfaceTable = base;
    setInterfaceTableSource(() => table);
    const intervalMs = 1000;
    const monitor = new InterfaceMonitor({ intervalMs, platform: 'linux' }).start();
    monitors.push(monitor);

    const server = await listen();
    let sawMs = 0;
    monitor.on('change', () => (sawMs = performance.now()));
    const client = dial({ port: server.port, interfaceMonitor: monitor });
    const local: MptLocalAddressEvent[] = [];
    client.on('localAddress', (e) => local.push(e));
    const [peer] = await Promise.all([accepted(server), once(client, 'connect')]);
    expect(client.addresses().map((a) => a.address)).toEqual(['127.0.0.1']);
    const data = randomBytes(6_000_000);
    const got = hashAll(peer);
    client.write(data.subarray(0, 2_000_000));

    // Appears.
    const up = pathEvent(client, monitor, (e) => e.id === 1 && e.change === 'up');
    const pollsBefore = monitor.polls;
    const appearedMs = performance.now();
    table = { ...base, wwan0: [v4('127.0.0.2', false)] };
    const opened = await up;
    console.log(`interface monitor: 127.0.0.2 appeared; path 1 up ${(opened.atMs - appearedMs).toFixed(0)} ms later, ${(opened.atMs - sawMs).toFixed(1)} ms after the poll that saw it (poll interval ${intervalMs} ms)`);
    // The poll that saw the address is the only one since the change: the path was up before the next.
    expect(opened.polls - pollsBefore).toBe(1);
    expect(opened.event.path?.local.host).toBe('127.0.0.2');
    expect(client.addresses().map((a) => a.address)).toEqual(['127.0.0.1', '127.0.0.2']);
    expect(local).toEqual([{ change: 'added', address: { host: '127.0.0.2', port: opened.event.path?.local.port }, interface: { name: 'wwan0', type: 'cellular', metered: true } }]);
    client.write(data.subarray(2_000_000, 4_000_000));

    // Goes away.
    const closed = pathEvent(client, monitor, (e) => e.id === 1 && e.change === 'closed');
    const pollsBeforeRemoval = monitor.polls;
    const removedMs = performance.now();
    table = base;
    const gone = await closed;
    console.log(`interface monitor: 127.0.0.2 went away; path 1 closed ${(gone.atMs - removedMs).toFixed(0)} ms later, ${(gone.atMs - sawMs).toFixed(1)} ms after the poll that saw it`);
    expect(gone.polls - pollsBeforeRemoval).toBe(1);
    expect(gone.event.reasonCode).toBe(ReasonCode.AddressRemoved);
    expect(local[1]).toMatchObject({ change: 'removed', address: { host: '127.0.0.2' } });
    await new Promise((resolve) => setImmediate(resolve));
    expect(client.addresses().map((a) => a.address)).toEqual(['127.0.0.1']);

    client.end(data.subarray(4_000_000));
    expect(await got).toEqual({ bytes: data.length, sha256: sha256(data) });
  });

  test('by default (no localAddresses, a path manager) the socket runs its own monitor, and stops it when closed', async () => {
    setInterfaceTableSource(() => ({ lo: [v4('127.0.0.1', true)], wlan0: [v4('127.0.0.2', false)] }));
    const server = await listen();
    const client = dial({ port: server.port, interfaceMonitor: { intervalMs: 500, platform: 'linux' } });
    await Promise.all([accepted(server), once(client, 'connect')]);
    expect(client.addresses().map((a) => a.address)).toEqual(['127.0.0.1', '127.0.0.2']);
    client.destroy();
    await once(client, 'close');
  });
});
