// Test-only packet protection for wide simulator sweeps (docs/design.md §6): the
// same framing as AES-256-GCM (AEAD id 1, 16-byte tag), but the "ciphertext"
// is the plaintext and the tag is a keyed checksum of key, nonce, AAD and
// plaintext. It hides nothing, yet a flipped bit, a wrong key, a wrong nonce
// (replay under another packet number) or a truncation still fails to open,
// so the engine's drop paths are exercised as with the real cipher.
// NEVER use outside tests.
import { ok, type Result } from 'neverthrow';
import type { MptError } from '../../src/errors.js';
import { AEAD_TAG_LENGTH, AeadId, type Aead, type CryptoProvider } from '../../src/crypto/provider.js';
import { decodeFrames, type Frame } from '../../src/core/wire/index.js';

/** Two 32-bit multiply-xor lanes over `bytes`, a word at a time, continuing from `state`. */
function mix(state: Uint32Array, bytes: Uint8Array): void {
  let a = state[0]!;
  let b = state[1]!;
  const words = bytes.length >>> 2;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < words; i++) {
    const w = view.getUint32(i * 4);
    a = Math.imul(a ^ w, 0x01000193) ^ (a >>> 15);
    b = Math.imul(b + w, 0x5bd1e995) ^ (b >>> 13);
  }
  for (let i = words * 4; i < bytes.length; i++) {
    a = Math.imul(a ^ bytes[i]!, 0x01000193) ^ (a >>> 15);
    b = Math.imul(b + bytes[i]!, 0x5bd1e995) ^ (b >>> 13);
  }
  state[0] = a ^ bytes.length;
  state[1] = b + bytes.length;
}

const lanes = new Uint32Array(2);

/** A 16-byte tag keyed by `key` over nonce, AAD and body, written into `out` at `at`. */
function checksum(key: Uint32Array, nonce: Uint8Array, aad: Uint8Array, body: Uint8Array, out: Uint8Array, at: number): void {
  lanes[0] = key[0]! ^ 0x9e3779b9;
  lanes[1] = key[1]! ^ 0x85ebca6b;
  mix(lanes, nonce);
  mix(lanes, aad);
  mix(lanes, body);
  const a = lanes[0]!;
  const b = lanes[1]!;
  const view = new DataView(out.buffer, out.byteOffset + at, AEAD_TAG_LENGTH);
  view.setUint32(0, (a ^ key[4]!) >>> 0);
  view.setUint32(4, (b ^ key[5]!) >>> 0);
  view.setUint32(8, (Math.imul(a ^ key[6]!, 0x2c1b3c6d) ^ b) >>> 0);
  view.setUint32(12, (Math.imul(b ^ key[7]!, 0x297a2d39) ^ a) >>> 0);
}

class NullAead implements Aead {
  readonly id = AeadId.Aes256Gcm;
  private readonly key: Uint32Array;
  private readonly tag = new Uint8Array(AEAD_TAG_LENGTH);

  constructor(key: Uint8Array) {
    this.key = new Uint32Array(8);
    const view = new DataView(key.buffer, key.byteOffset, key.byteLength);
    for (let i = 0; i < 8; i++) this.key[i] = view.getUint32(i * 4);
  }

  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, out?: Uint8Array): Uint8Array {
    const total = plaintext.length + AEAD_TAG_LENGTH;
    const target = out ?? new Uint8Array(total);
    // `out` may alias `plaintext` (sealing in place): copyWithin-safe set.
    if (target.buffer !== plaintext.buffer || target.byteOffset !== plaintext.byteOffset) target.set(plaintext, 0);
    checksum(this.key, nonce, aad, target.subarray(0, plaintext.length), target, plaintext.length);
    return target.subarray(0, total);
  }

  open(nonce: Uint8Array, aad: Uint8Array, ciphertextWithTag: Uint8Array, out?: Uint8Array): Uint8Array | null {
    const bodyLength = ciphertextWithTag.length - AEAD_TAG_LENGTH;
    if (bodyLength < 0 || nonce.length !== 12) return null;
    const body = ciphertextWithTag.subarray(0, bodyLength);
    checksum(this.key, nonce, aad, body, this.tag, 0);
    for (let i = 0; i < AEAD_TAG_LENGTH; i++) if (this.tag[i] !== ciphertextWithTag[bodyLength + i]) return null;
    if (out === undefined) return body.slice();
    out.set(body, 0);
    return out.subarray(0, bodyLength);
  }
}

/** A CryptoProvider whose only AEAD (id 1) is the keyed-checksum stand-in above. Tests only. */
export const nullProvider: CryptoProvider = Object.freeze({
  name: 'null (tests only)',
  aeads: Object.freeze([AeadId.Aes256Gcm]) as readonly AeadId[],
  createAead(_id: AeadId, key: Uint8Array): Result<Aead, MptError> {
    return ok(new NullAead(key));
  },
});

/**
 * The frames of a short-header packet under the null protection (8-byte CIDs), readable because the
 * "ciphertext" is the plaintext: lets a test pick the packet to lose. Long headers give none.
 */
export function nullFrames(bytes: Uint8Array): Frame[] {
  if (((bytes[0] ?? 0) & 0x80) !== 0) return [];
  const headerLength = 1 + 8 + (((bytes[0] ?? 0) & 3) + 1);
  const decoded = decodeFrames(bytes.subarray(headerLength, bytes.length - AEAD_TAG_LENGTH));
  return decoded.isOk() ? decoded.value : [];
}

