// How MptSocket reports the engine's path events (the mapping of each change, without a network), and
// the helpers behind the default local addresses.
import { describe, expect, test } from 'vitest';
import type { PathChange } from '../../src/core/connection-events.js';
import { ReasonCode } from '../../src/core/wire/reason-codes.js';
import { MptSocket, type MptPathEvent, type MptPathManagerErrorEvent, type MptRemoteAddressEvent } from '../../src/node/index.js';
import { defaultLocalAddresses, routedSourceAddress, setInterfaceTableSource } from '../../src/node/interfaces.js';
import type { NetworkInterfaceInfo } from 'node:os';

describe("MptSocket 'path' events", () => {
  test.each<[PathChange, MptPathEvent['change']]>([
    ['up', 'up'],
    ['recovered', 'up'],
    ['failed', 'down'],
    ['status', 'status'],
    ['closed', 'closed'],
  ])("the engine's %s is reported as %s, with its id and reason code", (change, expected) => {
    const socket = new MptSocket();
    const seen: MptPathEvent[] = [];
    socket.on('path', (e) => seen.push(e));
    socket.handleConnectionEvent({ type: 'path', pathId: 3, change, reasonCode: ReasonCode.UnacceptablePerformance });
    // No connection behind this socket: the path itself is not listed.
    expect(seen).toEqual([{ id: 3, change: expected, reasonCode: ReasonCode.UnacceptablePerformance, path: undefined }]);
  });

  test("off() removes a 'path' listener", () => {
    const socket = new MptSocket();
    let count = 0;
    const listener = (): void => void count++;
    socket.on('path', listener);
    socket.handleConnectionEvent({ type: 'path', pathId: 1, change: 'up', reasonCode: 0 });
    socket.off('path', listener);
    socket.handleConnectionEvent({ type: 'path', pathId: 1, change: 'failed', reasonCode: 0 });
    expect(count).toBe(1);
  });
});

describe("MptSocket 'remoteAddress' and 'pathManagerError' events", () => {
  test('the engine events are surfaced as typed socket events, addresses copied', () => {
    const socket = new MptSocket();
    const addresses: MptRemoteAddressEvent[] = [];
    const errors: MptPathManagerErrorEvent[] = [];
    socket.on('remoteAddress', (e) => addresses.push(e));
    socket.on('pathManagerError', (e) => errors.push(e));
    const address = { host: '192.0.2.9', port: 4433 };
    socket.handleConnectionEvent({ type: 'remoteAddress', change: 'added', address });
    socket.handleConnectionEvent({ type: 'remoteAddress', change: 'removed', address });
    const error = new Error('boom');
    socket.handleConnectionEvent({ type: 'pathManagerError', pathManager: 'mine', hook: 'onTimer', error });
    // A plugin's log line is not an event of the socket.
    socket.handleConnectionEvent({ type: 'pathManagerLog', pathManager: 'mine', message: 'hello' });
    expect(addresses).toEqual([
      { change: 'added', address },
      { change: 'removed', address },
    ]);
    expect(addresses[0]?.address).not.toBe(address);
    expect(errors).toEqual([{ pathManager: 'mine', hook: 'onTimer', error }]);
  });

  test("without listeners, a 'pathManagerError' throws nothing", () => {
    const socket = new MptSocket();
    expect(() => socket.handleConnectionEvent({ type: 'pathManagerError', pathManager: 'mine', hook: 'onEstablished', error: new Error('x') })).not.toThrow();
  });
});

describe('defaultLocalAddresses', () => {
  const info = (address: string, family: 'IPv4' | 'IPv6', internal = false): NetworkInterfaceInfo =>
    ({ address, family, internal, netmask: '', mac: '00:00:00:00:00:00', cidr: null, ...(family === 'IPv6' ? { scopeid: 0 } : {}) }) as NetworkInterfaceInfo;

  test('a server elsewhere gets the non-loopback addresses, a loopback server only loopback ones the table calls non-internal', () => {
    setInterfaceTableSource(() => ({
      lo: [info('127.0.0.1', 'IPv4', true), info('::1', 'IPv6', true)],
      eth0: [info('192.168.1.20', 'IPv4'), info('2001:db8::20', 'IPv6')],
      wlan0: [info('10.0.0.7', 'IPv4')],
      odd0: [info('127.0.0.9', 'IPv4')],
    }));
    try {
      expect(defaultLocalAddresses(4, '203.0.113.5')).toEqual(['192.168.1.20', '10.0.0.7']);
      expect(defaultLocalAddresses(6, '2001:db8::1')).toEqual(['2001:db8::20']);
      expect(defaultLocalAddresses(4, '127.0.0.1')).toEqual(['127.0.0.9']);
      expect(defaultLocalAddresses(6, '::1')).toEqual([]);
    } finally {
      setInterfaceTableSource(undefined);
    }
  });

  test('a host with only loopback interfaces has no defaults: the client keeps its one wildcard socket', () => {
    setInterfaceTableSource(() => ({ lo: [info('127.0.0.1', 'IPv4', true)] }));
    try {
      expect(defaultLocalAddresses(4, '203.0.113.5')).toEqual([]);
      expect(defaultLocalAddresses(4, '127.0.0.1')).toEqual([]);
    } finally {
      setInterfaceTableSource(undefined);
    }
  });
});

describe('routedSourceAddress', () => {
  test('is the source address the kernel picks for a loopback peer (a connected UDP socket; nothing is sent)', async () => {
    expect(await routedSourceAddress({ host: '127.0.0.1', port: 9 }, 4)).toBe('127.0.0.1');
  });
});
