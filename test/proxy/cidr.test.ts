// CIDR ranges in one 128-bit space, IPv4 as IPv4-mapped IPv6.
import { describe, expect, test } from 'vitest';
import { addressBytes, cidrContains, parseCidr, type Cidr } from '../../src/proxy/cidr.js';

const range = (text: string): Cidr => parseCidr(text) as Cidr;
const has = (text: string, address: string): boolean => cidrContains(range(text), addressBytes(address) as Uint8Array);

describe('cidr', () => {
  test('IPv4 ranges sit at 96 + their prefix, and hold the mapped forms of their addresses', () => {
    expect(range('10.0.0.0/8').prefix).toBe(104);
    expect(has('10.0.0.0/8', '10.255.1.2')).toBe(true);
    expect(has('10.0.0.0/8', '::ffff:10.255.1.2')).toBe(true);
    expect(has('10.0.0.0/8', '11.0.0.0')).toBe(false);
    expect(has('172.16.0.0/12', '172.31.255.255')).toBe(true);
    expect(has('172.16.0.0/12', '172.32.0.0')).toBe(false);
    expect(has('0.0.0.0/0', '203.0.113.9')).toBe(true);
    expect(has('0.0.0.0/0', '2001:db8::1')).toBe(false);
  });

  test('IPv6 ranges, odd prefixes included', () => {
    expect(has('fe80::/10', 'febf:ffff::1')).toBe(true);
    expect(has('fe80::/10', 'fec0::1')).toBe(false);
    expect(has('fc00::/7', 'fdff::1')).toBe(true);
    expect(has('::/0', '::ffff:1.2.3.4')).toBe(true);
    expect(has('::1/128', '::1')).toBe(true);
    expect(has('::1/128', '::2')).toBe(false);
  });

  test('a lone address is a one-address range', () => {
    expect(range('192.0.2.1').prefix).toBe(128);
    expect(range('2001:db8::1').prefix).toBe(128);
    expect(has('192.0.2.1', '::ffff:192.0.2.1')).toBe(true);
  });

  test('refused: bits past the prefix, prefixes out of range, zones, non-addresses', () => {
    for (const bad of ['10.0.0.1/8', '10.0.0.0/33', '::/129', '10.0.0.0/08', '10.0.0.0/-1', 'fe80::1%eth0', 'example.com/8', '10.0.0.0/', '300.0.0.0/8']) {
      expect(parseCidr(bad), bad).toBeUndefined();
    }
  });

  test('addressBytes: 16 bytes for both families, undefined for a name', () => {
    expect([...(addressBytes('127.0.0.1') as Uint8Array)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 127, 0, 0, 1]);
    expect(addressBytes('::ffff:127.0.0.1')).toEqual(addressBytes('127.0.0.1'));
    expect(addressBytes('localhost')).toBeUndefined();
  });
});
