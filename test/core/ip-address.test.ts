import { isIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bytesToIp, ipToBytes, ipToMappedBytes } from '../../src/core/ip-address.js';

describe('ip-address', () => {
  it('parses and formats IPv4', () => {
    expect(Array.from(ipToBytes('127.0.0.2')!)).toEqual([127, 0, 0, 2]);
    expect(bytesToIp(new Uint8Array([10, 1, 255, 0]))).toBe('10.1.255.0');
  });

  it('refuses what is not an address', () => {
    for (const bad of ['', '1.2.3', '1.2.3.256', '01.2.3.4', 'a.b.c.d', '::1::', '1:2:3:4:5:6:7:8:9', 'g::1', 'localhost', '1:2:3:4:5:6:7::8:9']) {
      expect(ipToBytes(bad), bad).toBeUndefined();
    }
  });

  it('formats IPv6 as RFC 5952 (as Node reports addresses)', () => {
    expect(bytesToIp(ipToBytes('::1')!)).toBe('::1');
    expect(bytesToIp(ipToBytes('::')!)).toBe('::');
    expect(bytesToIp(ipToBytes('2001:DB8:0:0:1:0:0:1')!)).toBe('2001:db8::1:0:0:1');
    expect(bytesToIp(ipToBytes('fe80::1%eth0')!)).toBe('fe80::1');
    expect(bytesToIp(ipToBytes('2001:db8:0:1:1:1:1:1')!)).toBe('2001:db8:0:1:1:1:1:1');
  });

  it('sends IPv4-mapped IPv6 as IPv4', () => {
    expect(Array.from(ipToBytes('::ffff:192.0.2.1')!)).toEqual([192, 0, 2, 1]);
  });

  it('round-trips any 16 bytes through the text form, which node:net accepts', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
        const text = bytesToIp(bytes);
        expect(isIP(text)).toBe(6);
        const back = ipToBytes(text)!;
        if (back.length === 16) expect(Array.from(back)).toEqual(Array.from(bytes));
        else expect(Array.from(back)).toEqual(Array.from(bytes.subarray(12))); // IPv4-mapped
      }),
    );
  });

  it('gives IPv4 and IPv4-mapped IPv6 the same 16 bytes (::ffff:a.b.c.d), IPv6 its own', () => {
    const mapped = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1];
    expect(Array.from(ipToMappedBytes('127.0.0.1')!)).toEqual(mapped);
    expect(Array.from(ipToMappedBytes('::ffff:127.0.0.1')!)).toEqual(mapped);
    expect(Array.from(ipToMappedBytes('::1')!)).toEqual([...new Array(15).fill(0), 1]);
    expect(ipToMappedBytes('example.com')).toBeUndefined();
  });
});
