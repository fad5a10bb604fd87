import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeClientAddress } from '../../src/crypto/client-address.js';
import { createRetryTokens, RETRY_TOKEN_DEFAULT_LIFETIME_MS } from '../../src/crypto/retry-token.js';
import { MptErrorCode } from '../../src/errors.js';

const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const client = { address: '192.0.2.7', port: 4433 };
const dcid = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
const now = 1_700_000_000_000;

describe('client address encoding', () => {
  it('gives IP bytes then the port, big-endian', () => {
    expect(toHex(encodeClientAddress(client) ?? new Uint8Array())).toBe('c0000207' + '1151');
    expect(toHex(encodeClientAddress({ address: '2001:db8::1', port: 1 }) ?? new Uint8Array())).toBe(
      '20010db8000000000000000000000001' + '0001',
    );
    expect(toHex(encodeClientAddress({ address: '::', port: 0 }) ?? new Uint8Array())).toBe('00'.repeat(18));
    expect(toHex(encodeClientAddress({ address: 'fe80::1%eth0', port: 2 }) ?? new Uint8Array())).toBe(
      'fe800000000000000000000000000001' + '0002',
    );
  });
  it('treats equivalent spellings alike, IPv4-mapped IPv6 as IPv4', () => {
    const a = encodeClientAddress({ address: '2001:DB8:0:0:0:0:0:1', port: 9 });
    const b = encodeClientAddress({ address: '2001:db8::1', port: 9 });
    expect(toHex(a ?? new Uint8Array())).toBe(toHex(b ?? new Uint8Array([1])));
    expect(toHex(encodeClientAddress({ address: '::ffff:192.0.2.7', port: 4433 }) ?? new Uint8Array())).toBe(
      toHex(encodeClientAddress(client) ?? new Uint8Array([1])),
    );
    expect(toHex(encodeClientAddress({ address: '::1.2.3.4', port: 0 }) ?? new Uint8Array())).toBe(
      '00000000000000000000000001020304' + '0000',
    );
  });
  it('agrees with the WHATWG URL parser on random IPv6 addresses', () => {
    fc.assert(
      fc.property(fc.ipV6(), fc.nat({ max: 65535 }), (ip, port) => {
        const ours = encodeClientAddress({ address: ip, port });
        const canonical = new URL(`http://[${ip}]/`).hostname.slice(1, -1);
        const theirs = encodeClientAddress({ address: canonical, port });
        expect(ours).toBeDefined();
        expect(toHex(ours ?? new Uint8Array())).toBe(toHex(theirs ?? new Uint8Array([1])));
      }),
      { numRuns: 300 },
    );
  });
  it('refuses non-addresses', () => {
    for (const address of ['', 'example.com', '1.2.3', '1.2.3.256', ':::', '1::2::3']) {
      expect(encodeClientAddress({ address, port: 1 }), address).toBeUndefined();
    }
    expect(encodeClientAddress({ address: '1.2.3.4', port: 65536 })).toBeUndefined();
    expect(encodeClientAddress({ address: '1.2.3.4', port: -1 })).toBeUndefined();
  });
});

describe('retry tokens', () => {
  const tokens = createRetryTokens({ key: new Uint8Array(32).fill(7) })._unsafeUnwrap();

  it('accepts a valid token and returns the original DCID', () => {
    const t = tokens.mint(client, dcid, now)._unsafeUnwrap();
    const v = tokens.validate(t, client, now + 100)._unsafeUnwrap();
    expect(toHex(v.originalDcid)).toBe(toHex(dcid));
    expect(v.expiresAtMs).toBe(now + RETRY_TOKEN_DEFAULT_LIFETIME_MS);
    expect(t.length).toBe(1 + 8 + 1 + 6 + 1 + 8 + 16);
  });

  it('refuses a token replayed after its expiry', () => {
    const t = tokens.mint(client, dcid, now)._unsafeUnwrap();
    expect(tokens.validate(t, client, now + RETRY_TOKEN_DEFAULT_LIFETIME_MS - 1).isOk()).toBe(true);
    expect(tokens.validate(t, client, now + RETRY_TOKEN_DEFAULT_LIFETIME_MS)._unsafeUnwrapErr()).toBe('expired');
    expect(tokens.validate(t, client, Number.NaN)._unsafeUnwrapErr()).toBe('expired');
  });

  it('refuses a token presented from another address or port', () => {
    const t = tokens.mint(client, dcid, now)._unsafeUnwrap();
    expect(tokens.validate(t, { address: '192.0.2.8', port: 4433 }, now)._unsafeUnwrapErr()).toBe('address-mismatch');
    expect(tokens.validate(t, { address: '192.0.2.7', port: 4434 }, now)._unsafeUnwrapErr()).toBe('address-mismatch');
    expect(tokens.validate(t, { address: '::1', port: 4433 }, now)._unsafeUnwrapErr()).toBe('address-mismatch');
    expect(tokens.validate(t, { address: 'nonsense', port: 4433 }, now)._unsafeUnwrapErr()).toBe('address-mismatch');
  });

  it('refuses every single bit flip', () => {
    const t = tokens.mint({ address: '2001:db8::5', port: 80 }, new Uint8Array(20).fill(0xcc), now)._unsafeUnwrap();
    for (let bit = 0; bit < t.length * 8; bit++) {
      const f = Uint8Array.from(t);
      f[bit >> 3]! ^= 1 << (bit & 7);
      const r = tokens.validate(f, { address: '2001:db8::5', port: 80 }, now);
      expect(r.isErr(), `bit ${bit}`).toBe(true);
      expect(['malformed', 'bad-mac']).toContain(r._unsafeUnwrapErr());
    }
  });

  it('accepts tokens of the current and the previous key only', () => {
    const t = createRetryTokens()._unsafeUnwrap();
    const old = t.mint(client, dcid, now)._unsafeUnwrap();
    t.rotate()._unsafeUnwrap();
    expect(t.validate(old, client, now).isOk()).toBe(true);
    const mid = t.mint(client, dcid, now)._unsafeUnwrap();
    t.rotate(new Uint8Array(32).fill(1))._unsafeUnwrap();
    expect(t.validate(old, client, now)._unsafeUnwrapErr()).toBe('bad-mac');
    expect(t.validate(mid, client, now).isOk()).toBe(true);
    expect(t.rotate(new Uint8Array(3))._unsafeUnwrapErr().code).toBe(MptErrorCode.InvalidKey);
    const other = createRetryTokens()._unsafeUnwrap();
    expect(other.validate(mid, client, now)._unsafeUnwrapErr()).toBe('bad-mac');
  });

  it('never throws on garbage', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), fc.string(), fc.integer(), fc.double(), (bytes, address, port, t) => {
        const r = tokens.validate(bytes, { address, port }, t);
        expect(r.isErr()).toBe(true);
      }),
      { numRuns: 2000 },
    );
    // Well-formed shapes with a wrong MAC are 'bad-mac', not 'malformed'.
    const t = tokens.mint(client, dcid, now)._unsafeUnwrap();
    t[t.length - 1]! ^= 1;
    expect(tokens.validate(t, client, now)._unsafeUnwrapErr()).toBe('bad-mac');
    expect(tokens.validate(t.subarray(0, 5), client, now)._unsafeUnwrapErr()).toBe('malformed');
  });

  it('mint and create validate their inputs', () => {
    expect(tokens.mint({ address: 'x', port: 1 }, dcid, now)._unsafeUnwrapErr().code).toBe(MptErrorCode.InvalidConfig);
    expect(tokens.mint(client, new Uint8Array(21), now)._unsafeUnwrapErr().code).toBe(MptErrorCode.InvalidConfig);
    expect(createRetryTokens({ key: new Uint8Array(16) })._unsafeUnwrapErr().code).toBe(MptErrorCode.InvalidKey);
    expect(createRetryTokens({ lifetimeMs: 0 })._unsafeUnwrapErr().code).toBe(MptErrorCode.InvalidConfig);
  });
});
