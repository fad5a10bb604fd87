// The --path SPEC grammar: every field, every unit, and an error naming the bad part for each way a
// SPEC can be wrong.
import { describe, expect, it } from 'vitest';
import { describeImpairments, hasImpairments, isIpv4Loopback, parsePathSpec, type PathSpec } from '../../src/cli/path-spec.js';

function parsed(text: string): PathSpec {
  const result = parsePathSpec(text);
  if (result.isErr()) throw new Error(`expected '${text}' to parse, got: ${result.error}`);
  return result.value;
}

function error(text: string): string {
  const result = parsePathSpec(text);
  if (result.isOk()) throw new Error(`expected '${text}' to be refused`);
  return result.error;
}

describe('parsePathSpec', () => {
  it('takes an address alone, IPv4 or IPv6, with no impairment', () => {
    expect(parsed('127.0.0.2')).toEqual({ text: '127.0.0.2', address: '127.0.0.2' });
    expect(parsed('::1').address).toBe('::1');
    expect(hasImpairments(parsed('127.0.0.2'))).toBe(false);
    expect(describeImpairments(parsed('127.0.0.2'))).toBe('no impairment');
  });

  it('reads every field into its own unit', () => {
    const spec = parsed('127.0.0.3,delay=20ms,jitter=2ms,rate=50mbit,loss=1%,queue=64kb,mtu=1500');
    expect(spec).toEqual({
      text: '127.0.0.3,delay=20ms,jitter=2ms,rate=50mbit,loss=1%,queue=64kb,mtu=1500',
      address: '127.0.0.3',
      delayMs: 20,
      jitterMs: 2,
      rateBps: 50e6,
      lossRate: 0.01,
      queueBytes: 64 * 1024,
      mtuBytes: 1500,
    });
    expect(hasImpairments(spec)).toBe(true);
    expect(describeImpairments(spec)).toBe('delay=20ms jitter=2ms rate=50mbit loss=1% queue=64kb mtu=1500');
  });

  it('converts time units us, ms and s, decimals included', () => {
    expect(parsed('127.0.0.1,delay=500us').delayMs).toBeCloseTo(0.5);
    expect(parsed('127.0.0.1,delay=1.5ms').delayMs).toBe(1.5);
    expect(parsed('127.0.0.1,delay=2s').delayMs).toBe(2000);
    expect(parsed('127.0.0.1,jitter=.25s').jitterMs).toBe(250);
    expect(parsed('127.0.0.1,delay=0ms').delayMs).toBe(0);
  });

  it('converts rates in decimal units: bit, kbit, mbit, gbit', () => {
    expect(parsed('127.0.0.1,rate=9600bit').rateBps).toBe(9600);
    expect(parsed('127.0.0.1,rate=512kbit').rateBps).toBe(512_000);
    expect(parsed('127.0.0.1,rate=2.5mbit').rateBps).toBe(2_500_000);
    expect(parsed('127.0.0.1,rate=1gbit').rateBps).toBe(1e9);
    expect(parsed('127.0.0.1,rate=10Mbit').rateBps).toBe(10e6);
  });

  it('converts sizes in binary units: b, kb (= kib), mb (= mib)', () => {
    expect(parsed('127.0.0.1,queue=1500b').queueBytes).toBe(1500);
    expect(parsed('127.0.0.1,queue=64kb').queueBytes).toBe(65_536);
    expect(parsed('127.0.0.1,queue=64kib').queueBytes).toBe(65_536);
    expect(parsed('127.0.0.1,queue=2mb').queueBytes).toBe(2 * 1024 * 1024);
    expect(parsed('127.0.0.1,queue=1mib').queueBytes).toBe(1024 * 1024);
    expect(parsed('127.0.0.1,queue=0b').queueBytes).toBe(0);
  });

  it('takes loss as a percentage and mtu as bytes, with or without b', () => {
    expect(parsed('127.0.0.1,loss=0.5%').lossRate).toBeCloseTo(0.005);
    expect(parsed('127.0.0.1,loss=0%').lossRate).toBe(0);
    expect(parsed('127.0.0.1,loss=100%').lossRate).toBe(1);
    expect(parsed('127.0.0.1,mtu=1200').mtuBytes).toBe(1200);
    expect(parsed('127.0.0.1,mtu=9000b').mtuBytes).toBe(9000);
  });

  it('accepts fields in any order, spaces around parts, and upper-case names', () => {
    expect(parsed(' 127.0.0.2 , RATE=1mbit , delay = 3ms')).toMatchObject({ address: '127.0.0.2', rateBps: 1e6, delayMs: 3 });
  });

  it('names what is wrong with the address', () => {
    expect(error('')).toMatch(/no address/);
    expect(error('delay=5ms')).toMatch(/must start with an address/);
    expect(error('127.0.0.300,delay=5ms')).toMatch(/'127\.0\.0\.300' is not an IP address/);
    expect(error('localhost')).toMatch(/not an IP address/);
  });

  it('names an unknown, repeated, empty or malformed field', () => {
    expect(error('127.0.0.1,latency=5ms')).toMatch(/unknown field 'latency'.*delay, jitter, rate, loss, queue, mtu/);
    expect(error('127.0.0.1,delay=5ms,delay=6ms')).toMatch(/delay given twice/);
    expect(error('127.0.0.1,,delay=5ms')).toMatch(/empty field/);
    expect(error('127.0.0.1,delay')).toMatch(/'delay' is not field=value/);
    expect(error('127.0.0.1,=5ms')).toMatch(/is not field=value/);
    expect(error('127.0.0.1,rate=')).toMatch(/^rate: no value/);
  });

  it('refuses a value without its unit, with an unknown unit, or not a number, naming the field', () => {
    expect(error('127.0.0.1,delay=20')).toMatch(/^delay: '20' needs a unit \(us, ms, s\)/);
    expect(error('127.0.0.1,rate=50')).toMatch(/^rate: '50' needs a unit \(bit, kbit, mbit, gbit\)/);
    expect(error('127.0.0.1,queue=64')).toMatch(/^queue: '64' needs a unit/);
    expect(error('127.0.0.1,rate=50mbps')).toMatch(/^rate: unknown unit 'mbps'/);
    expect(error('127.0.0.1,jitter=2m')).toMatch(/^jitter: unknown unit 'm'/);
    expect(error('127.0.0.1,delay=-5ms')).toMatch(/^delay: '-5ms' is not a number/);
    expect(error('127.0.0.1,delay=1e3ms')).toMatch(/^delay: '1e3ms' is not a number/);
    expect(error('127.0.0.1,loss=1')).toMatch(/^loss: '1' must be a percentage/);
    expect(error('127.0.0.1,loss=0.01')).toMatch(/^loss: .* must be a percentage/);
  });

  it('refuses values out of range', () => {
    expect(error('127.0.0.1,loss=101%')).toMatch(/^loss: 101% is more than 100%/);
    expect(error('127.0.0.1,delay=61s')).toMatch(/^delay: 61s is more than 60 s/);
    expect(error('127.0.0.1,rate=0mbit')).toMatch(/^rate: must be at least 1 bit\/s/);
    expect(error('127.0.0.1,queue=2048mb')).toMatch(/^queue: 2048mb is more than 1 GiB/);
    expect(error('127.0.0.1,mtu=1199')).toMatch(/^mtu: must be a whole number of bytes from 1200 to 65527, got 1199/);
    expect(error('127.0.0.1,mtu=70000')).toMatch(/^mtu: .*got 70000/);
    expect(error('127.0.0.1,mtu=1500.5')).toMatch(/^mtu: .*got 1500\.5/);
    expect(error('127.0.0.1,mtu=1kb')).toMatch(/^mtu: unknown unit 'kb'/);
  });
});

describe('isIpv4Loopback', () => {
  it('is true for 127.0.0.0/8 only', () => {
    expect(isIpv4Loopback('127.0.0.1')).toBe(true);
    expect(isIpv4Loopback('127.255.3.4')).toBe(true);
    expect(isIpv4Loopback('::1')).toBe(false);
    expect(isIpv4Loopback('10.0.0.1')).toBe(false);
    expect(isIpv4Loopback('127.0.0')).toBe(false);
  });
});
