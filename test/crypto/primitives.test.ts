import { randomBytes } from 'node:crypto';
import { hkdfSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hkdf, hkdfExpand, hkdfExtract, noiseHkdf } from '../../src/crypto/hkdf.js';
import { hmacSha256, sha256 } from '../../src/crypto/hash.js';
import { generateKeyPair, keyPairFromPrivate, nodeX25519, sodiumX25519, x25519, x25519Backend, type X25519Backend } from '../../src/crypto/x25519.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('HKDF-SHA256 (RFC 5869)', () => {
  it('matches RFC 5869 A.1', () => {
    const ikm = new Uint8Array(22).fill(0x0b);
    const salt = hex('000102030405060708090a0b0c');
    const info = hex('f0f1f2f3f4f5f6f7f8f9');
    const prk = hkdfExtract(salt, ikm);
    expect(toHex(prk)).toBe('077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5');
    expect(toHex(hkdfExpand(prk, info, 42))).toBe(
      '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865',
    );
  });
  it('matches RFC 5869 A.3 (empty salt and info)', () => {
    const okm = hkdf(new Uint8Array(0), new Uint8Array(22).fill(0x0b), new Uint8Array(0), 42);
    expect(toHex(okm)).toBe('8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8');
  });
  it('agrees with node:crypto hkdfSync for any input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.uint8Array({ maxLength: 80 }), fc.uint8Array({ maxLength: 40 }), fc.integer({ min: 1, max: 300 }), (salt, ikm, info, len) => {
        const ours = hkdf(salt, ikm, info, len);
        const theirs = new Uint8Array(hkdfSync('sha256', ikm, salt, info, len));
        expect(toHex(ours)).toBe(toHex(theirs));
      }),
      { numRuns: 200 },
    );
  });
  it('the Noise HKDF is the spec construction (§4.3)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 64 }), (ck, ikm) => {
        const temp = hmacSha256(ck, ikm);
        const o1 = hmacSha256(temp, new Uint8Array([1]));
        const o2 = hmacSha256(temp, o1, new Uint8Array([2]));
        const o3 = hmacSha256(temp, o2, new Uint8Array([3]));
        expect(noiseHkdf(ck, ikm, 3).map(toHex)).toEqual([o1, o2, o3].map(toHex));
      }),
      { numRuns: 50 },
    );
  });
  it('refuses an impossible length', () => {
    expect(() => hkdfExpand(new Uint8Array(32), new Uint8Array(0), 255 * 32 + 1)).toThrow();
  });
  it('sha256 of parts equals sha256 of the concatenation', () => {
    expect(toHex(sha256(hex('6162'), hex('63')))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });
});

describe('X25519 (RFC 7748)', () => {
  const alice = '77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a';
  const alicePub = '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a';
  const bob = '5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb';
  const bobPub = 'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f';
  const shared = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';
  it('matches RFC 7748 §6.1', () => {
    expect(toHex(keyPairFromPrivate(hex(alice))?.publicKey ?? new Uint8Array())).toBe(alicePub);
    expect(toHex(keyPairFromPrivate(hex(bob))?.publicKey ?? new Uint8Array())).toBe(bobPub);
    expect(toHex(x25519(hex(alice), hex(bobPub)) ?? new Uint8Array())).toBe(shared);
    expect(toHex(x25519(hex(bob), hex(alicePub)) ?? new Uint8Array())).toBe(shared);
  });
  it('generateKeyPair gives raw 32-byte keys that agree', () => {
    const a = generateKeyPair();
    const b = generateKeyPair();
    expect(a.publicKey.length).toBe(32);
    expect(a.privateKey.length).toBe(32);
    expect(toHex(keyPairFromPrivate(a.privateKey)?.publicKey ?? new Uint8Array())).toBe(toHex(a.publicKey));
    expect(toHex(x25519(a.privateKey, b.publicKey) ?? new Uint8Array())).toBe(
      toHex(x25519(b.privateKey, a.publicKey) ?? new Uint8Array([1])),
    );
  });
  it('rejects low-order points and wrong lengths without throwing', () => {
    const a = generateKeyPair();
    expect(x25519(a.privateKey, new Uint8Array(32))).toBeUndefined();
    const one = new Uint8Array(32);
    one[0] = 1;
    expect(x25519(a.privateKey, one)).toBeUndefined();
    expect(x25519(a.privateKey, new Uint8Array(31))).toBeUndefined();
    expect(x25519(new Uint8Array(33), a.publicKey)).toBeUndefined();
    expect(keyPairFromPrivate(new Uint8Array(5))).toBeUndefined();
  });

  // sodium-native is installed here (an optional dependency): both backends are checked, and the one in use.
  const sodium = sodiumX25519();
  const backends: [string, X25519Backend | undefined][] = [
    ['node:crypto', nodeX25519],
    ['sodium-native', sodium],
  ];
  it.each(backends)('%s matches RFC 7748 §6.1 and refuses low-order points', (_name, backend) => {
    expect(backend).toBeDefined();
    const b = backend as X25519Backend;
    expect(toHex(b.publicKey(hex(alice)) ?? new Uint8Array())).toBe(alicePub);
    expect(toHex(b.publicKey(hex(bob)) ?? new Uint8Array())).toBe(bobPub);
    expect(toHex(b.sharedSecret(hex(alice), hex(bobPub)) ?? new Uint8Array())).toBe(shared);
    expect(b.sharedSecret(hex(alice), new Uint8Array(32))).toBeUndefined();
    const one = new Uint8Array(32);
    one[0] = 1;
    expect(b.sharedSecret(hex(alice), one)).toBeUndefined();
  });
  it('the two backends agree on random keys, unclamped private keys and top-bit public keys included', () => {
    const s = sodium as X25519Backend;
    for (let i = 0; i < 64; i++) {
      const a = randomBytes(32);
      const p = randomBytes(32);
      expect(toHex(s.publicKey(a) ?? new Uint8Array())).toBe(toHex(nodeX25519.publicKey(a) ?? new Uint8Array([1])));
      expect(toHex(s.sharedSecret(a, p) ?? new Uint8Array())).toBe(toHex(nodeX25519.sharedSecret(a, p) ?? new Uint8Array([1])));
    }
  });
  it('libsodium computes when sodium-native loads', () => {
    expect(x25519Backend().name).toBe('sodium-native');
  });
});
