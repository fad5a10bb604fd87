// The interface monitor without a network: how interface names are classified per platform, how the
// application overrides that, how a table is described and diffed, and how polling reports changes.
import type { NetworkInterfaceInfo } from 'node:os';
import { afterEach, describe, expect, test } from 'vitest';
import {
  classifyInterfaceName,
  describeInterfaces,
  diffInterfaces,
  InterfaceMonitor,
  setInterfaceTableSource,
  type InterfaceChange,
  type InterfaceTable,
} from '../../src/node/index.js';

const v4 = (address: string, internal = false): NetworkInterfaceInfo =>
  ({ address, family: 'IPv4', internal, netmask: '255.255.255.0', mac: '00:00:00:00:00:00', cidr: null }) as NetworkInterfaceInfo;
const v6 = (address: string): NetworkInterfaceInfo =>
  ({ address, family: 'IPv6', internal: false, netmask: 'ffff::', mac: '00:00:00:00:00:00', cidr: null, scopeid: 0 }) as NetworkInterfaceInfo;

afterEach(() => setInterfaceTableSource(undefined));

describe('classifyInterfaceName', () => {
  test.each([
    ['lo', 'loopback'],
    ['eth0', 'ethernet'],
    ['eno1', 'ethernet'],
    ['enp3s0', 'ethernet'],
    ['enx00e04c680001', 'ethernet'],
    ['wlan0', 'wifi'],
    ['wlp2s0', 'wifi'],
    ['wwan0', 'cellular'],
    ['rmnet_data0', 'cellular'],
    ['ccmni1', 'cellular'],
    ['usb0', 'cellular'],
    ['tun0', 'vpn'],
    ['wg0', 'vpn'],
    ['ppp0', 'vpn'],
    ['tailscale0', 'vpn'],
    ['docker0', 'other'],
    ['veth1234', 'other'],
    ['br-5f2c', 'other'],
  ] as const)('linux: %s is %s', (name, type) => {
    expect(classifyInterfaceName(name, 'linux')).toBe(type);
    expect(classifyInterfaceName(name, 'android')).toBe(type);
  });

  test.each([
    ['lo0', 'loopback'],
    ['en0', 'wifi'],
    ['en1', 'ethernet'],
    ['en5', 'ethernet'],
    ['pdp_ip0', 'cellular'],
    ['utun3', 'vpn'],
    ['ipsec0', 'vpn'],
    ['awdl0', 'other'],
    ['bridge0', 'other'],
  ] as const)('macOS: %s is %s', (name, type) => {
    expect(classifyInterfaceName(name, 'darwin')).toBe(type);
  });

  test.each([
    ['Loopback Pseudo-Interface 1', 'loopback'],
    ['Ethernet', 'ethernet'],
    ['Ethernet 2', 'ethernet'],
    ['Wi-Fi', 'wifi'],
    ['WLAN', 'wifi'],
    ['Cellular', 'cellular'],
    ['Mobile Broadband Connection', 'cellular'],
    ['ProtonVPN TUN', 'vpn'],
    ['WireGuard Tunnel', 'vpn'],
    ['vEthernet (WSL)', 'other'],
  ] as const)('windows: %s is %s', (name, type) => {
    expect(classifyInterfaceName(name, 'win32')).toBe(type);
  });
});

describe('describeInterfaces', () => {
  const table: InterfaceTable = {
    lo: [v4('127.0.0.1', true)],
    eth0: [v4('192.168.1.20'), v6('fe80::1'), v6('2001:db8::20'), v6('::ffff:192.168.1.20')],
    wwan0: [v4('100.64.3.4')],
    wlan0: [v4('192.168.1.20'), v4('10.0.0.7')],
    gone: undefined,
  };

  test('one entry per address with its interface; internal is loopback; cellular is metered; link-local and mapped IPv6 skipped', () => {
    expect(describeInterfaces(table, { platform: 'linux' })).toEqual([
      { address: '127.0.0.1', family: 4, internal: true, name: 'lo', type: 'loopback', metered: false },
      { address: '192.168.1.20', family: 4, internal: false, name: 'eth0', type: 'ethernet', metered: false },
      { address: '2001:db8::20', family: 6, internal: false, name: 'eth0', type: 'ethernet', metered: false },
      { address: '100.64.3.4', family: 4, internal: false, name: 'wwan0', type: 'cellular', metered: true },
      { address: '10.0.0.7', family: 4, internal: false, name: 'wlan0', type: 'wifi', metered: false },
    ]);
  });

  test('the application overrides the guess (classifyInterface), then says what is metered (names with *, or a function)', () => {
    const seen: string[] = [];
    const described = describeInterfaces(table, {
      platform: 'linux',
      classifyInterface: (name, guess, addresses) => {
        seen.push(`${name}:${guess.type}:${addresses.length}`);
        return name === 'wlan0' ? { type: 'cellular' } : undefined; // a phone's hotspot
      },
      metered: ['wl*'],
    });
    expect(described.map((a) => `${a.name} ${a.type} ${a.metered}`)).toEqual([
      'lo loopback false',
      'eth0 ethernet false',
      'eth0 ethernet false',
      'wwan0 cellular false',
      'wlan0 cellular true',
    ]);
    expect(seen).toContain('wlan0:wifi:2');
    const byFunction = describeInterfaces(table, { platform: 'linux', metered: (i) => i.type === 'ethernet' });
    expect(byFunction.filter((a) => a.metered).map((a) => a.name)).toEqual(['eth0', 'eth0']);
  });
});

describe('diffInterfaces', () => {
  const a = { address: '10.0.0.7', family: 4, internal: false, name: 'wlan0', type: 'wifi', metered: false } as const;
  const b = { address: '100.64.3.4', family: 4, internal: false, name: 'wwan0', type: 'cellular', metered: true } as const;

  test('added, removed, and changed (same address, another description)', () => {
    expect(diffInterfaces([], [a, b])).toEqual({ added: [a, b], removed: [], changed: [] });
    expect(diffInterfaces([a, b], [b])).toEqual({ added: [], removed: [a], changed: [] });
    const moved = { ...a, name: 'wlan1' };
    expect(diffInterfaces([a, b], [moved, b])).toEqual({ added: [], removed: [], changed: [moved] });
    expect(diffInterfaces([a, b], [b, a])).toEqual({ added: [], removed: [], changed: [] });
  });
});

describe('InterfaceMonitor', () => {
  test("polls the table source, emits 'change' only when something changed, counts polls, stops", () => {
    let table: InterfaceTable = { lo: [v4('127.0.0.1', true)] };
    setInterfaceTableSource(() => table);
    const monitor = new InterfaceMonitor({ intervalMs: 60_000, platform: 'linux' });
    const changes: InterfaceChange[] = [];
    monitor.on('change', (c) => changes.push(c));
    monitor.start();
    expect(monitor.running).toBe(true);
    expect(monitor.polls).toBe(1);
    expect(changes).toHaveLength(1); // the first table read: everything is new
    expect(monitor.poll()).toBeUndefined();
    table = { lo: [v4('127.0.0.1', true)], wwan0: [v4('100.64.3.4')] };
    const change = monitor.poll();
    expect(change?.added.map((x) => [x.address, x.type, x.metered])).toEqual([['100.64.3.4', 'cellular', true]]);
    expect(monitor.describe('100.64.3.4')?.name).toBe('wwan0');
    table = { lo: [v4('127.0.0.1', true)] };
    expect(monitor.poll()?.removed.map((x) => x.address)).toEqual(['100.64.3.4']);
    expect(changes).toHaveLength(3);
    expect(monitor.polls).toBe(4);
    monitor.stop();
    expect(monitor.running).toBe(false);
  });

  test('a table that cannot be read counts as an error and changes nothing', () => {
    setInterfaceTableSource(() => ({ eth0: [v4('192.168.1.20')] }));
    const monitor = new InterfaceMonitor({ platform: 'linux' });
    monitor.poll();
    setInterfaceTableSource(() => {
      throw new Error('uv_interface_addresses returned Unknown system error 1');
    });
    expect(monitor.poll()).toBeUndefined();
    expect(monitor.errors).toBe(1);
    expect(monitor.addresses().map((a) => a.address)).toEqual(['192.168.1.20']);
  });

  test('the interval must be positive', () => {
    expect(() => new InterfaceMonitor({ intervalMs: 0 })).toThrow(RangeError);
  });
});
