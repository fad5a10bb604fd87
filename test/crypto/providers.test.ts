import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compositeProvider, defaultProvider } from '../../src/crypto/default-provider.js';
import { loadOptional } from '../../src/crypto/load-optional.js';
import { negotiateAead } from '../../src/crypto/negotiate.js';
import { nodeHasChaCha20Poly1305, nodeProvider } from '../../src/crypto/node-provider.js';
import { AeadId, checkOpenArgs, checkSealArgs, isAeadId, type AeadId as AeadIdT, type CryptoProvider } from '../../src/crypto/provider.js';
import { sodiumProvider } from '../../src/crypto/sodium-provider.js';
import { MptErrorCode } from '../../src/errors.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s/g, ''), 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

const node = nodeProvider();
const sodium = sodiumProvider();
const pairs: [string, CryptoProvider, AeadIdT][] = [[`node AES-256-GCM`, node, AeadId.Aes256Gcm]];
if (node.aeads.includes(AeadId.ChaCha20Poly1305)) pairs.push(['node ChaCha20-Poly1305', node, AeadId.ChaCha20Poly1305]);
if (sodium !== undefined) pairs.push(['sodium ChaCha20-Poly1305', sodium, AeadId.ChaCha20Poly1305]);
const chachaProviders = [node, sodium].filter(
  (p): p is CryptoProvider => p !== undefined && p.aeads.includes(AeadId.ChaCha20Poly1305),
);

describe('AEAD ids', () => {
  it('are the fixed wire numbers', () => {
    expect(AeadId.Aes256Gcm).toBe(1);
    expect(AeadId.ChaCha20Poly1305).toBe(2);
    expect(isAeadId(1) && isAeadId(2)).toBe(true);
    expect(isAeadId(0) || isAeadId(3)).toBe(false);
  });
});

describe('provider lists', () => {
  it('node always has AES-256-GCM first, and ChaCha20-Poly1305 when OpenSSL has it', () => {
    expect(node.aeads[0]).toBe(AeadId.Aes256Gcm);
    expect(node.aeads.includes(AeadId.ChaCha20Poly1305)).toBe(nodeHasChaCha20Poly1305());
  });
  it('sodium, when installed, has only ChaCha20-Poly1305', () => {
    if (sodium === undefined) return;
    expect(sodium.aeads).toEqual([AeadId.ChaCha20Poly1305]);
    expect(sodium.createAead(AeadId.Aes256Gcm, new Uint8Array(32)).isErr()).toBe(true);
  });
  it('the default provider always has AES-256-GCM and prefers sodium ChaCha when present', () => {
    const d = defaultProvider();
    expect(d.aeads).toContain(AeadId.Aes256Gcm);
    if (sodium !== undefined) {
      expect(d.aeads[0]).toBe(AeadId.ChaCha20Poly1305);
      expect(d.name).toBe('sodium-native+node:crypto');
    } else {
      expect(d).toBe(node);
    }
  });
  it('composite takes each cipher from the first provider that has it', () => {
    const fakeCalls: number[] = [];
    const fake: CryptoProvider = {
      name: 'fake',
      aeads: [AeadId.ChaCha20Poly1305],
      createAead: (id, key) => {
        fakeCalls.push(id);
        return node.createAead(AeadId.Aes256Gcm, key);
      },
    };
    const c = compositeProvider([fake, node]);
    expect(c.aeads).toEqual([AeadId.ChaCha20Poly1305, AeadId.Aes256Gcm]);
    c.createAead(AeadId.ChaCha20Poly1305, new Uint8Array(32));
    c.createAead(AeadId.Aes256Gcm, new Uint8Array(32));
    expect(fakeCalls).toEqual([AeadId.ChaCha20Poly1305]);
    const empty = compositeProvider([]);
    expect(empty.createAead(AeadId.Aes256Gcm, new Uint8Array(32))._unsafeUnwrapErr().code).toBe(
      MptErrorCode.UnsupportedCipher,
    );
  });
  it('createAead refuses bad keys and unknown ids', () => {
    expect(node.createAead(AeadId.Aes256Gcm, new Uint8Array(31))._unsafeUnwrapErr().code).toBe(MptErrorCode.InvalidKey);
    expect(node.createAead(7 as AeadIdT, new Uint8Array(32))._unsafeUnwrapErr().code).toBe(MptErrorCode.UnsupportedCipher);
  });
  it('a missing optional module loads as undefined instead of throwing', () => {
    expect(loadOptional('mpt-no-such-module-for-sure')).toBeUndefined();
  });
});

describe('negotiateAead', () => {
  it('picks the first locally preferred id the peer supports', () => {
    expect(negotiateAead([2, 1], [1, 2])._unsafeUnwrap()).toBe(2);
    expect(negotiateAead([1, 2], [2, 1])._unsafeUnwrap()).toBe(1);
    expect(negotiateAead([2, 1], [1])._unsafeUnwrap()).toBe(1);
    expect(negotiateAead([2, 1], [99, 1])._unsafeUnwrap()).toBe(1);
    expect(negotiateAead([99, 2, 1], [99, 2])._unsafeUnwrap()).toBe(2);
    expect(negotiateAead([2], [1])._unsafeUnwrapErr().code).toBe(MptErrorCode.UnsupportedCipher);
  });
  it('always succeeds between lists that both hold AES-256-GCM', () => {
    const list = fc.uniqueArray(fc.constantFrom<AeadIdT>(1, 2)).map((l) => (l.includes(1) ? l : [...l, 1 as const]));
    fc.assert(fc.property(list, list, (a, b) => negotiateAead(a, b).isOk()));
  });
});

// RFC 8439 §2.8.2 AEAD_CHACHA20_POLY1305 test vector.
const RFC8439 = {
  key: hex('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f'),
  nonce: hex('070000004041424344454647'),
  aad: hex('50515253c0c1c2c3c4c5c6c7'),
  plaintext: new TextEncoder().encode(
    "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
  ),
  tag: '1ae10b594f09e26a7e902ecbd0600691',
  ciphertextStart: 'd31a8d34648e60db7b86afbc53ef7ec2',
};

describe.each(chachaProviders.map((p) => [p.name, p] as const))('%s ChaCha20-Poly1305', (_n, p) => {
  it('matches RFC 8439 §2.8.2', () => {
    const aead = p.createAead(AeadId.ChaCha20Poly1305, RFC8439.key)._unsafeUnwrap();
    const sealed = aead.seal(RFC8439.nonce, RFC8439.aad, RFC8439.plaintext);
    expect(toHex(sealed.subarray(0, 16))).toBe(RFC8439.ciphertextStart);
    expect(toHex(sealed.subarray(sealed.length - 16))).toBe(RFC8439.tag);
  });
});

describe.each(pairs)('%s', (_name, provider, id) => {
  const key = Uint8Array.from({ length: 32 }, (_, i) => i * 7);
  const aead = provider.createAead(id, key)._unsafeUnwrap();
  it('round-trips any plaintext and aad, with or without output buffers', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 12, maxLength: 12 }), fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 1500 }), (nonce, aad, pt) => {
        const ct = aead.seal(nonce, aad, pt);
        expect(ct.length).toBe(pt.length + 16);
        expect(toHex(aead.open(nonce, aad, ct) ?? new Uint8Array([1]))).toBe(toHex(pt));
        const out = new Uint8Array(pt.length + 40);
        const ct2 = aead.seal(nonce, aad, pt, out);
        expect(ct2.buffer).toBe(out.buffer);
        expect(toHex(ct2)).toBe(toHex(ct));
        const back = new Uint8Array(pt.length + 3);
        const pt2 = aead.open(nonce, aad, ct2, back);
        expect(pt2?.buffer).toBe(back.buffer);
        expect(toHex(pt2 ?? new Uint8Array([1]))).toBe(toHex(pt));
      }),
      { numRuns: 200 },
    );
  });
  it('open never throws on garbage and returns null', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 20 }), fc.uint8Array({ maxLength: 20 }), fc.uint8Array({ maxLength: 80 }), (nonce, aad, ct) => {
        expect(aead.open(nonce, aad, ct)).toBeNull();
      }),
      { numRuns: 300 },
    );
    expect(aead.open(new Uint8Array(12), new Uint8Array(0), new Uint8Array(40), new Uint8Array(3))).toBeNull();
  });
  it('seal refuses a nonce of the wrong length or a short output buffer', () => {
    expect(() => aead.seal(new Uint8Array(8), new Uint8Array(0), new Uint8Array(1))).toThrow(
      expect.objectContaining({ code: MptErrorCode.InvalidKey, message: expect.stringMatching(/nonce/) }),
    );
    expect(() => aead.seal(new Uint8Array(12), new Uint8Array(0), new Uint8Array(10), new Uint8Array(25))).toThrow(
      expect.objectContaining({ code: MptErrorCode.InvalidState }),
    );
    expect(aead.seal(new Uint8Array(12), new Uint8Array(0), new Uint8Array(10), new Uint8Array(26)).length).toBe(26);
  });
});

describe('shared AEAD argument checks', () => {
  it('checkSealArgs returns the output length or throws', () => {
    expect(checkSealArgs(new Uint8Array(12), 10, undefined)).toBe(26);
    expect(checkSealArgs(new Uint8Array(12), 10, new Uint8Array(26))).toBe(26);
    expect(() => checkSealArgs(new Uint8Array(11), 10, undefined)).toThrow(expect.objectContaining({ code: MptErrorCode.InvalidKey }));
    expect(() => checkSealArgs(new Uint8Array(12), 10, new Uint8Array(25))).toThrow(expect.objectContaining({ code: MptErrorCode.InvalidState }));
  });
  it('checkOpenArgs returns the plaintext length, or -1 without throwing', () => {
    expect(checkOpenArgs(new Uint8Array(12), 16, undefined)).toBe(0);
    expect(checkOpenArgs(new Uint8Array(12), 26, new Uint8Array(10))).toBe(10);
    expect(checkOpenArgs(new Uint8Array(12), 15, undefined)).toBe(-1);
    expect(checkOpenArgs(new Uint8Array(13), 26, undefined)).toBe(-1);
    expect(checkOpenArgs(new Uint8Array(12), 26, new Uint8Array(9))).toBe(-1);
  });
});

describe('cross-provider interop', () => {
  const [a, b] = chachaProviders;
  it.skipIf(a === undefined || b === undefined)('node and sodium ChaCha20-Poly1305 agree bit for bit', () => {
    if (a === undefined || b === undefined) return;
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        fc.uint8Array({ maxLength: 40 }),
        fc.uint8Array({ maxLength: 1400 }),
        (key, nonce, aad, pt) => {
          const x = a.createAead(AeadId.ChaCha20Poly1305, key)._unsafeUnwrap();
          const y = b.createAead(AeadId.ChaCha20Poly1305, key)._unsafeUnwrap();
          const cx = x.seal(nonce, aad, pt);
          expect(toHex(y.seal(nonce, aad, pt))).toBe(toHex(cx));
          expect(toHex(y.open(nonce, aad, cx) ?? new Uint8Array([1]))).toBe(toHex(pt));
        },
      ),
      { numRuns: 200 },
    );
  });
});
