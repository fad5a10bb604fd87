// Where serve and recv listen (src/cli/listen-plan.ts).
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/args.js';
import { DEFAULT_PORT, describePlan, listenPlan, localInterfaceAddresses } from '../../src/cli/listen-plan.js';
import type { InterfaceTable } from '../../src/node/interfaces.js';

const TABLE: InterfaceTable = {
  lo: [
    { address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal: true, cidr: '127.0.0.1/8' },
    { address: '::1', netmask: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', family: 'IPv6', mac: '00:00:00:00:00:00', internal: true, cidr: '::1/128', scopeid: 0 },
  ],
  eth0: [
    { address: '192.0.2.2', netmask: '255.255.255.0', family: 'IPv4', mac: '02:00:00:00:00:01', internal: false, cidr: '192.0.2.2/24' },
    { address: 'fe80::1', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '02:00:00:00:00:01', internal: false, cidr: 'fe80::1/64', scopeid: 2 },
    { address: '::ffff:192.0.2.2', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '02:00:00:00:00:01', internal: false, cidr: '::ffff:192.0.2.2/64', scopeid: 0 },
  ],
  wlan0: [{ address: '192.0.2.2', netmask: '255.255.255.0', family: 'IPv4', mac: '02:00:00:00:00:02', internal: false, cidr: '192.0.2.2/24' }],
};

function usage(f: () => unknown): string {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error('no usage error');
}

describe('listenPlan', () => {
  it('without --listen: every interface address, loopback included, but no link-local or mapped IPv6, once each', () => {
    expect(localInterfaceAddresses(TABLE)).toEqual(['127.0.0.1', '::1', '192.0.2.2']);
    expect(listenPlan(undefined, undefined, TABLE)).toEqual({ hosts: ['127.0.0.1', '::1', '192.0.2.2'], port: DEFAULT_PORT });
    expect(listenPlan(undefined, '0', {})).toEqual({ hosts: undefined, port: 0 });
  });

  it('puts every --listen address on one port, from an address or --port', () => {
    expect(listenPlan(['127.0.0.1:5000', '127.0.0.2', '::1'], undefined)).toEqual({ hosts: ['127.0.0.1', '127.0.0.2', '::1'], port: 5000 });
    expect(listenPlan(['[::1]:0', '127.0.0.1'], '0')).toEqual({ hosts: ['::1', '127.0.0.1'], port: 0 });
    expect(listenPlan(['127.0.0.1'], '7')).toEqual({ hosts: ['127.0.0.1'], port: 7 });
    expect(describePlan({ hosts: ['127.0.0.1', '::1'], port: 7 })).toBe('127.0.0.1:7, [::1]:7');
  });

  it('refuses two ports and bad addresses', () => {
    expect(usage(() => listenPlan(['127.0.0.1:5000', '127.0.0.2:5001'], undefined))).toBe('every address listens on one port: got 5000 and 5001');
    expect(usage(() => listenPlan(['127.0.0.1:5000'], '5001'))).toBe('every address listens on one port: got 5001 and 5000');
    expect(usage(() => listenPlan(['[::1'], undefined))).toMatch(/^--listen: /);
    expect(usage(() => listenPlan(undefined, 'http'))).toMatch(/^--port: /);
  });
});
