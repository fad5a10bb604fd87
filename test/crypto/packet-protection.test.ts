import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deriveSessionKeys, directionKeys, nextGeneration } from '../../src/crypto/key-schedule.js';
import { createHandshake } from '../../src/crypto/noise/handshake-state.js';
import { MPT_NOISE_PROTOCOLS } from '../../src/crypto/mpt-suite.js';
import { nodeProvider } from '../../src/crypto/node-provider.js';
import { createPacketProtection, MAX_PACKET_NUMBER, type PacketProtection } from '../../src/crypto/packet-protection.js';
import { AeadId, type AeadId as AeadIdT, type CryptoProvider } from '../../src/crypto/provider.js';
import { sodiumProvider } from '../../src/crypto/sodium-provider.js';
import { generateKeyPair } from '../../src/crypto/x25519.js';
import { MptErrorCode } from '../../src/errors.js';
import { WIRE_VERSION } from '../../src/core/wire/version.js';
import { noisePrologue } from '../../src/crypto/mpt-suite.js';

const PROLOGUE = noisePrologue(WIRE_VERSION);

const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const node = nodeProvider();
const sodium = sodiumProvider();

function sessionPair(): { client: ReturnType<typeof deriveSessionKeys>; server: ReturnType<typeof deriveSessionKeys> } {
  const server = generateKeyPair();
  const init = createHandshake({ protocolName: MPT_NOISE_PROTOCOLS.ik, initiator: true, prologue: PROLOGUE, staticKeyPair: generateKeyPair(), remoteStaticKey: server.publicKey, provider: node })._unsafeUnwrap();
  const resp = createHandshake({ protocolName: MPT_NOISE_PROTOCOLS.ik, initiator: false, prologue: PROLOGUE, staticKeyPair: server, provider: node })._unsafeUnwrap();
  resp.readMessage(init.writeMessage()._unsafeUnwrap())._unsafeUnwrap();
  init.readMessage(resp.writeMessage()._unsafeUnwrap())._unsafeUnwrap();
  const a = init.split()._unsafeUnwrap();
  const b = resp.split()._unsafeUnwrap();
  return {
    client: deriveSessionKeys(a.keys, a.handshakeHash, true),
    server: deriveSessionKeys(b.keys, b.handshakeHash, false),
  };
}

describe('key schedule', () => {
  it('both ends derive matching, distinct per-direction keys', () => {
    const { client, server } = sessionPair();
    expect(toHex(client.send.key)).toBe(toHex(server.receive.key));
    expect(toHex(client.send.iv)).toBe(toHex(server.receive.iv));
    expect(toHex(client.receive.key)).toBe(toHex(server.send.key));
    expect(toHex(client.connectionSecret)).toBe(toHex(server.connectionSecret));
    expect(toHex(client.send.key)).not.toBe(toHex(client.receive.key));
    expect(client.send.key.length).toBe(32);
    expect(client.send.iv.length).toBe(12);
  });
  it('key update changes the key, keeps the IV, and both ends follow', () => {
    const { client, server } = sessionPair();
    const c1 = nextGeneration(client.send);
    const s1 = nextGeneration(server.receive);
    expect(c1.generation).toBe(1);
    expect(toHex(c1.key)).toBe(toHex(s1.key));
    expect(toHex(c1.key)).not.toBe(toHex(client.send.key));
    expect(toHex(c1.iv)).toBe(toHex(client.send.iv));
  });
  it('is pinned by a regression vector (docs/crypto.md)', () => {
    const k1 = new Uint8Array(32).fill(1);
    const k2 = new Uint8Array(32).fill(2);
    const h = new Uint8Array(32).fill(3);
    const s = deriveSessionKeys({ initiatorToResponder: k1, responderToInitiator: k2 }, h, true);
    expect({
      c2sKey: toHex(s.send.key),
      c2sIv: toHex(s.send.iv),
      s2cKey: toHex(s.receive.key),
      s2cIv: toHex(s.receive.iv),
      c2sKey1: toHex(nextGeneration(s.send).key),
      conn: toHex(s.connectionSecret),
    }).toMatchInlineSnapshot(`
      {
        "c2sIv": "e5ff1948304c6f9bad713b01",
        "c2sKey": "2d88b90e9039cfcefe6f3ef3bd288c2fe3925604d24d6f0187782794913e2c1d",
        "c2sKey1": "1cd30627e20099b708aff14d464f6cbbfeaa5558ecd12287d02f33c767e0cdec",
        "conn": "fcbe3de8a3cc754a47dc4a31c243b979f7e6d5dc0be0672835d7e2d60af2d96a",
        "s2cIv": "6bb53d4cafd2ecd59d7f0b05",
        "s2cKey": "1ecfdad5534cba6f1dc6d78833f90bee3b370b18e3ec66fd45c1081949c70aaf",
      }
    `);
    expect(toHex(directionKeys(s.send.secret, 0).key)).toBe(toHex(s.send.key));
  });
});

const pairs: [string, CryptoProvider, AeadIdT][] = [['node AES-256-GCM', node, AeadId.Aes256Gcm]];
if (node.aeads.includes(AeadId.ChaCha20Poly1305)) pairs.push(['node ChaCha20-Poly1305', node, AeadId.ChaCha20Poly1305]);
if (sodium !== undefined) pairs.push(['sodium ChaCha20-Poly1305', sodium, AeadId.ChaCha20Poly1305]);

describe.each(pairs)('packet protection, %s', (_name, provider, id) => {
  const { client, server } = sessionPair();
  // seal refuses a (path, packet number) it has already used, so tests that
  // seal arbitrary numbers take a fresh sender (same key) each time.
  const freshTx = (): PacketProtection => createPacketProtection(provider, id, client.send.key, client.send.iv)._unsafeUnwrap();
  const tx = freshTx();
  const rx = createPacketProtection(provider, id, server.receive.key, server.receive.iv)._unsafeUnwrap();
  const wrongDirection = createPacketProtection(provider, id, server.send.key, server.send.iv)._unsafeUnwrap();
  const header = Uint8Array.from({ length: 14 }, (_, i) => 0x40 + i);
  const payload = Uint8Array.from({ length: 70 }, (_, i) => i);

  it('round-trips any packet (fast-check)', () => {
    fc.assert(
      fc.property(fc.nat({ max: 0xffffffff }), fc.maxSafeNat(), fc.uint8Array({ maxLength: 30 }), fc.uint8Array({ maxLength: 1400 }), (path, pn, h, p) => {
        const ct = freshTx().seal(path, pn, h, p);
        expect(toHex(rx.open(path, pn, h, ct) ?? new Uint8Array([1]))).toBe(toHex(p));
      }),
      { numRuns: 300 },
    );
  });

  it('any single bit flip in header, ciphertext or tag fails to open', () => {
    const ct = freshTx().seal(3, 1000, header, payload);
    const packet = new Uint8Array(header.length + ct.length);
    packet.set(header);
    packet.set(ct, header.length);
    expect(packet.length).toBe(100);
    expect(rx.open(3, 1000, packet.subarray(0, header.length), packet.subarray(header.length))).not.toBeNull();
    let failures = 0;
    for (let bit = 0; bit < packet.length * 8; bit++) {
      const p = Uint8Array.from(packet);
      p[bit >> 3]! ^= 1 << (bit & 7);
      if (rx.open(3, 1000, p.subarray(0, header.length), p.subarray(header.length)) === null) failures++;
    }
    expect(failures).toBe(800);
  });

  it('a packet opens only for its own path, packet number and direction key', () => {
    const ct = freshTx().seal(1, 42, header, payload);
    expect(rx.open(2, 42, header, ct)).toBeNull();
    expect(rx.open(1, 43, header, ct)).toBeNull();
    expect(rx.open(1, 42 + 2 ** 32, header, ct)).toBeNull();
    expect(wrongDirection.open(1, 42, header, ct)).toBeNull();
    expect(rx.open(1, 42, header, ct)).not.toBeNull();
  });

  it('the same packet number on two paths gives different ciphertexts (no nonce reuse)', () => {
    const s = freshTx();
    expect(toHex(s.seal(0, 7, header, payload))).not.toBe(toHex(s.seal(1, 7, header, payload)));
  });

  it('refuses to seal a packet number not above the last one sealed on that path (nonce reuse)', () => {
    const s = freshTx();
    const reuse = expect.objectContaining({ code: MptErrorCode.NonceReuse });
    s.seal(0, 5, header, payload);
    expect(() => s.seal(0, 5, header, payload)).toThrow(reuse);
    expect(() => s.seal(0, 4, header, payload)).toThrow(reuse);
    expect(() => s.seal(0, 0, header, payload)).toThrow(reuse);
    // Paths have their own packet number spaces and nonces.
    expect(() => s.seal(1, 5, header, payload)).not.toThrow();
    expect(() => s.seal(1, 4, header, payload)).toThrow(reuse);
    expect(() => s.seal(2, 0, header, payload)).not.toThrow();
    // Refusals seal and count nothing; numbers may skip.
    expect(s.sealCount).toBe(3);
    expect(() => s.seal(0, 6, header, payload)).not.toThrow();
    expect(() => s.seal(0, 1000, header, payload)).not.toThrow();
    expect(() => s.seal(0, 999, header, payload)).toThrow(reuse);
    expect(s.sealCount).toBe(5);
    // A new instance is a new key (key update) and starts afresh.
    expect(() => freshTx().seal(0, 5, header, payload)).not.toThrow();
  });

  it('a seal that fails (output buffer too small) does not use up its packet number', () => {
    const s = freshTx();
    expect(() => s.seal(0, 5, header, payload, new Uint8Array(3))).toThrow(expect.objectContaining({ code: MptErrorCode.InvalidState }));
    expect(s.sealCount).toBe(0);
    const ct = s.seal(0, 5, header, payload);
    expect(toHex(rx.open(0, 5, header, ct) ?? new Uint8Array([1]))).toBe(toHex(payload));
  });

  it('the largest packet number can be sealed once', () => {
    const s = freshTx();
    s.seal(0, MAX_PACKET_NUMBER, header, payload);
    expect(() => s.seal(0, MAX_PACKET_NUMBER, header, payload)).toThrow(expect.objectContaining({ code: MptErrorCode.NonceReuse }));
  });

  it('rejects out-of-range numbers: seal throws, open returns null', () => {
    const exhausted = expect.objectContaining({ code: MptErrorCode.KeyExhausted });
    expect(() => tx.seal(-1, 0, header, payload)).toThrow(exhausted);
    expect(() => tx.seal(2 ** 32, 0, header, payload)).toThrow(exhausted);
    expect(() => tx.seal(0, 2 ** 53, header, payload)).toThrow(exhausted);
    expect(() => tx.seal(0, 1.5, header, payload)).toThrow(exhausted);
    expect(rx.open(0, -1, header, new Uint8Array(40))).toBeNull();
    expect(rx.open(0.5, 0, header, new Uint8Array(40))).toBeNull();
    expect(rx.open(0, 0, header, new Uint8Array(3))).toBeNull();
  });

  it('seals and opens into caller buffers', () => {
    const out = new Uint8Array(2000);
    const ct = freshTx().seal(9, 9, header, payload, out);
    expect(ct.buffer).toBe(out.buffer);
    const back = new Uint8Array(2000);
    expect(toHex(rx.open(9, 9, header, ct, back) ?? new Uint8Array())).toBe(toHex(payload));
  });

  it('counts seals and failed opens for the AEAD limits', () => {
    const p = createPacketProtection(provider, id, client.send.key, client.send.iv)._unsafeUnwrap();
    const ct = p.seal(0, 0, header, payload);
    p.open(0, 1, header, ct);
    expect(p.sealCount).toBe(1);
    expect(p.openFailureCount).toBe(1);
  });
});

describe('packet protection nonce rule', () => {
  it('is IV xor (path id BE32 || packet number BE64)', () => {
    const key = new Uint8Array(32).fill(5);
    const iv = Uint8Array.from({ length: 12 }, (_, i) => 0xa0 + i);
    const fresh = (): PacketProtection => createPacketProtection(node, AeadId.Aes256Gcm, key, iv)._unsafeUnwrap();
    const aead = node.createAead(AeadId.Aes256Gcm, key)._unsafeUnwrap();
    fc.assert(
      fc.property(fc.nat({ max: 0xffffffff }), fc.maxSafeNat(), (path, pn) => {
        const nonce = new Uint8Array(12);
        const v = new DataView(nonce.buffer);
        v.setUint32(0, path);
        v.setBigUint64(4, BigInt(pn));
        for (let i = 0; i < 12; i++) nonce[i]! ^= iv[i]!;
        const hdr = new Uint8Array([1, 2, 3]);
        const body = new Uint8Array([4, 5, 6, 7]);
        expect(toHex(fresh().seal(path, pn, hdr, body))).toBe(toHex(aead.seal(nonce, hdr, body)));
      }),
      { numRuns: 200 },
    );
  });
  it('createPacketProtection validates its inputs', () => {
    expect(createPacketProtection(node, AeadId.Aes256Gcm, new Uint8Array(32), new Uint8Array(11))._unsafeUnwrapErr().code).toBe(MptErrorCode.InvalidKey);
    expect(createPacketProtection(node, AeadId.Aes256Gcm, new Uint8Array(16), new Uint8Array(12))._unsafeUnwrapErr().code).toBe(MptErrorCode.InvalidKey);
  });
});

describe('node vs sodium ChaCha20-Poly1305 packet protection', () => {
  const both = sodium !== undefined && node.aeads.includes(AeadId.ChaCha20Poly1305);
  it.skipIf(!both)('seal on one, open on the other, identical bytes', () => {
    if (sodium === undefined) return;
    const { client, server } = sessionPair();
    const make = (p: CryptoProvider, k: typeof client.send): PacketProtection =>
      createPacketProtection(p, AeadId.ChaCha20Poly1305, k.key, k.iv)._unsafeUnwrap();
    const nodeRx = make(node, server.receive);
    const sodiumRx = make(sodium, server.receive);
    fc.assert(
      fc.property(fc.nat({ max: 0xffffffff }), fc.maxSafeNat(), fc.uint8Array({ maxLength: 30 }), fc.uint8Array({ maxLength: 1400 }), (path, pn, h, p) => {
        // A fresh sender per run: the runs reuse numbers, which one sender refuses.
        const a = make(node, client.send).seal(path, pn, h, p);
        const b = make(sodium, client.send).seal(path, pn, h, p);
        expect(toHex(a)).toBe(toHex(b));
        expect(toHex(sodiumRx.open(path, pn, h, a) ?? new Uint8Array([1]))).toBe(toHex(p));
        expect(toHex(nodeRx.open(path, pn, h, b) ?? new Uint8Array([1]))).toBe(toHex(p));
      }),
      { numRuns: 200 },
    );
  });
});
