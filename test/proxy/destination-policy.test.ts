// The converter's destination policy: every default refusal (and its IPv4-mapped IPv6 form), the
// converter's own addresses, what `allow` lifts and narrows, and `deny` winning over `allow`.
import { describe, expect, test } from 'vitest';
import { DEFAULT_REFUSED_RANGES, DestinationPolicy, policyEntryProblem } from '../../src/proxy/destination-policy.js';

/** One address inside each default range, and its IPv4-mapped IPv6 form for the IPv4 ones. */
const REFUSED: [string, string][] = [
  ['0.0.0.0', 'unspecified'],
  ['0.1.2.3', 'unspecified'],
  ['127.0.0.1', 'loopback'],
  ['127.255.0.9', 'loopback'],
  ['10.0.0.1', 'private'],
  ['172.16.0.1', 'private'],
  ['172.31.255.254', 'private'],
  ['192.168.1.1', 'private'],
  ['100.64.0.1', 'shared address space'],
  ['100.127.255.255', 'shared address space'],
  ['169.254.169.254', 'link-local'],
  ['224.0.0.1', 'multicast'],
  ['239.255.255.250', 'multicast'],
  ['255.255.255.255', 'broadcast'],
  ['240.0.0.1', 'reserved'],
  ['::', 'unspecified'],
  ['::1', 'loopback'],
  ['::7f00:1', 'IPv4-compatible'],
  ['fc00::1', 'unique local'],
  ['fd12:3456::1', 'unique local'],
  ['fe80::1', 'link-local'],
  ['febf::1', 'link-local'],
  ['ff02::1', 'multicast'],
];

const PERMITTED = ['192.0.2.1', '8.8.8.8', '172.32.0.1', '100.128.0.1', '11.0.0.1', '2001:db8::1', '2606:4700::1111', 'fec0::1'];

function mapped(ipv4: string): string {
  return `::ffff:${ipv4}`;
}

describe('default refusals', () => {
  const policy = new DestinationPolicy();

  test.each(REFUSED)('%s is refused (%s)', (address, label) => {
    const verdict = policy.checkAddress(address);
    expect(verdict.allowed).toBe(false);
    expect(!verdict.allowed && verdict.reason).toContain(label);
    expect(!verdict.allowed && verdict.rule).toContain(label);
  });

  test.each(REFUSED.filter(([a]) => !a.includes(':')))('the IPv4-mapped IPv6 form of %s is refused too', (address, label) => {
    for (const form of [mapped(address), `::ffff:${hexGroups(address)}`, `0:0:0:0:0:FFFF:${address}`]) {
      const verdict = policy.checkAddress(form);
      expect(verdict.allowed, form).toBe(false);
      expect(!verdict.allowed && verdict.rule).toContain(label);
    }
  });

  test.each(PERMITTED)('%s is permitted', (address) => {
    expect(policy.checkAddress(address)).toEqual({ allowed: true });
  });

  test('the mapped form of a public IPv4 address is permitted', () => {
    expect(policy.checkAddress('::ffff:8.8.8.8')).toEqual({ allowed: true });
  });

  test('every documented default range refuses its own first address', () => {
    for (const range of DEFAULT_REFUSED_RANGES) expect(policy.checkAddress(range.split('/')[0] as string).allowed, range).toBe(false);
  });

  test('something that is no IP address is refused', () => {
    expect(policy.checkAddress('example.com').allowed).toBe(false);
  });
});

describe("the converter's own addresses", () => {
  test('are refused, whatever the range; allow of the address itself lifts it, a wider range does not', () => {
    let own: string[] = ['192.0.2.10', '2001:db8::10'];
    const policy = new DestinationPolicy({ ownAddresses: () => own });
    expect(policy.checkAddress('192.0.2.10')).toMatchObject({ allowed: false, rule: "the converter's own address" });
    expect(policy.checkAddress('::ffff:192.0.2.10')).toMatchObject({ allowed: false, rule: "the converter's own address" });
    expect(policy.checkAddress('2001:db8::10')).toMatchObject({ allowed: false, rule: "the converter's own address" });
    expect(policy.checkAddress('192.0.2.11')).toEqual({ allowed: true });
    // Read at each check: an address the converter gains later is refused from then on.
    own = ['192.0.2.11'];
    expect(policy.checkAddress('192.0.2.11').allowed).toBe(false);
    expect(policy.checkAddress('192.0.2.10')).toEqual({ allowed: true });
    expect(new DestinationPolicy({ ownAddresses: () => own, allow: ['192.0.2.0/24'] }).checkAddress('192.0.2.11').allowed).toBe(false);
    expect(new DestinationPolicy({ ownAddresses: () => own, allow: ['192.0.2.11/32'] }).checkAddress('192.0.2.11')).toEqual({ allowed: true });
    expect(new DestinationPolicy({ ownAddresses: () => own, allow: ['192.0.2.11'] }).checkAddress('192.0.2.11')).toEqual({ allowed: true });
  });
});

describe('allow', () => {
  test("'127.0.0.1/32' lifts the loopback refusal for 127.0.0.1 (and its mapped form) alone", () => {
    const policy = new DestinationPolicy({ allow: ['127.0.0.1/32'] });
    expect(policy.checkAddress('127.0.0.1')).toEqual({ allowed: true });
    expect(policy.checkAddress('::ffff:127.0.0.1')).toEqual({ allowed: true });
    expect(policy.checkAddress('127.0.0.2').allowed).toBe(false);
    expect(policy.checkAddress('::1').allowed).toBe(false);
  });

  test('a range lifts a default refusal only when it is no wider than the refused range', () => {
    expect(new DestinationPolicy({ allow: ['10.0.0.0/8'] }).checkAddress('10.1.2.3')).toEqual({ allowed: true });
    expect(new DestinationPolicy({ allow: ['10.20.0.0/16'] }).checkAddress('10.20.2.3')).toEqual({ allowed: true });
    expect(new DestinationPolicy({ allow: ['0.0.0.0/0'] }).checkAddress('10.1.2.3').allowed).toBe(false);
    expect(new DestinationPolicy({ allow: ['0.0.0.0/0'] }).checkAddress('8.8.8.8')).toEqual({ allowed: true });
    expect(new DestinationPolicy({ allow: ['::/0'] }).checkAddress('::1').allowed).toBe(false);
    expect(new DestinationPolicy({ allow: ['::1/128'] }).checkAddress('::1')).toEqual({ allowed: true });
    expect(new DestinationPolicy({ allow: ['fd00::/8'] }).checkAddress('fd00::5')).toEqual({ allowed: true });
    // An IPv4 range written in its mapped IPv6 form is the same range.
    expect(new DestinationPolicy({ allow: ['::ffff:127.0.0.1/128'] }).checkAddress('127.0.0.1')).toEqual({ allowed: true });
    // 255.255.255.255 is in two default ranges (broadcast, reserved): the narrower allow lifts both.
    expect(new DestinationPolicy({ allow: ['240.0.0.0/4'] }).checkAddress('255.255.255.255').allowed).toBe(false);
    expect(new DestinationPolicy({ allow: ['255.255.255.255/32'] }).checkAddress('255.255.255.255')).toEqual({ allowed: true });
  });

  test('with entries, only what they cover is reached', () => {
    const policy = new DestinationPolicy({ allow: ['192.0.2.0/24', '*.example.com', 'example.org'] });
    expect(policy.checkAddress('192.0.2.99')).toEqual({ allowed: true });
    expect(policy.checkAddress('198.51.100.1')).toMatchObject({ allowed: false, rule: 'not on the allow list' });
    // By name: any permitted address of an allowed name.
    expect(policy.checkAddress('198.51.100.1', 'www.example.com')).toEqual({ allowed: true });
    expect(policy.checkAddress('198.51.100.1', 'a.b.EXAMPLE.com.')).toEqual({ allowed: true });
    expect(policy.checkAddress('198.51.100.1', 'example.com').allowed).toBe(false);
    expect(policy.checkAddress('198.51.100.1', 'example.org')).toEqual({ allowed: true });
    expect(policy.checkAddress('198.51.100.1', 'www.example.org').allowed).toBe(false);
  });

  test('a host name never lifts a default refusal: an allowed name resolving to loopback is still refused', () => {
    const policy = new DestinationPolicy({ allow: ['*.example.com'] });
    expect(policy.checkAddress('127.0.0.1', 'evil.example.com')).toMatchObject({ allowed: false, rule: 'loopback' });
  });
});

describe('deny', () => {
  test('refuses ranges and names, and wins over allow', () => {
    const policy = new DestinationPolicy({ allow: ['192.0.2.0/24', '127.0.0.1/32', '*.example.com'], deny: ['192.0.2.128/25', '127.0.0.1', 'bad.example.com'] });
    expect(policy.checkAddress('192.0.2.1')).toEqual({ allowed: true });
    expect(policy.checkAddress('192.0.2.200')).toMatchObject({ allowed: false, rule: 'denied' });
    expect(policy.checkAddress('::ffff:192.0.2.200')).toMatchObject({ allowed: false, rule: 'denied' });
    expect(policy.checkAddress('127.0.0.1')).toMatchObject({ allowed: false, rule: 'denied' });
    expect(policy.checkName('bad.example.com')).toMatchObject({ allowed: false, rule: 'denied' });
    expect(policy.checkName('BAD.example.com.')).toMatchObject({ allowed: false, rule: 'denied' });
    expect(policy.checkAddress('192.0.2.1', 'bad.example.com')).toMatchObject({ allowed: false, rule: 'denied' });
    expect(policy.checkName('good.example.com')).toEqual({ allowed: true });
  });

  test('without allow, deny refuses public destinations too', () => {
    const policy = new DestinationPolicy({ deny: ['2001:db8::/32', '*.example.net'] });
    expect(policy.checkAddress('2001:db8::5').allowed).toBe(false);
    expect(policy.checkAddress('2001:db9::5')).toEqual({ allowed: true });
    expect(policy.checkName('x.example.net').allowed).toBe(false);
  });
});

describe('entries', () => {
  test.each(['10.0.0.0/8', '::1/128', '127.0.0.1', '2001:db8::/32', 'example.com', '*.example.com', 'xn--bcher-kva.example', '0.0.0.0/0'])('%s is valid', (entry) => {
    expect(policyEntryProblem(entry, 'allow[0]')).toBeUndefined();
  });

  test.each(['10.0.0.1/8', '10.0.0.0/33', '::1/129', '10.0.0.0/', '/8', '*', '*.', 'a..b', 'exa mple.com', '-a.com', 'ex*ample.com', 'fe80::1%eth0', ''])(
    '%j is refused, the message naming the entry',
    (entry) => {
      expect(policyEntryProblem(entry, 'allow[3]')).toMatch(/^allow\[3\]/);
    },
  );

  test('a non-string is refused', () => {
    expect(policyEntryProblem(42, 'deny[0]')).toMatch(/^deny\[0\] must be a string/);
  });
});

/** 127.0.0.1 -> '7f00:1'. */
function hexGroups(ipv4: string): string {
  const [a, b, c, d] = ipv4.split('.').map(Number) as [number, number, number, number];
  return `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
}
