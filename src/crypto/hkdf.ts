import { MptError, MptErrorCode } from '../errors.js';
import { SHA256_LENGTH, hmacSha256 } from './hash.js';

/** Longest output HKDF-Expand can produce with SHA-256: 255 blocks (RFC 5869 §2.3), in bytes. */
export const HKDF_SHA256_MAX_LENGTH = 255 * SHA256_LENGTH;

/**
 * HKDF-Extract with SHA-256 (RFC 5869 §2.2): PRK = HMAC(salt, IKM), 32
 * bytes. An empty salt means HashLen zero bytes, which HMAC's key padding
 * already makes identical.
 */
export function hkdfExtract(salt: Uint8Array, ikm: Uint8Array): Uint8Array {
  return hmacSha256(salt, ikm);
}

/**
 * HKDF-Expand with SHA-256 (RFC 5869 §2.3): `length` bytes of output keying
 * material from a 32-byte PRK and an `info` label. `length` above
 * {@link HKDF_SHA256_MAX_LENGTH} is a programming error and throws.
 */
export function hkdfExpand(prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 0 || length > HKDF_SHA256_MAX_LENGTH) {
    throw new MptError(MptErrorCode.InvalidConfig, `HKDF-Expand length out of range: ${length}`);
  }
  const out = new Uint8Array(length);
  const counter = new Uint8Array(1);
  let previous = new Uint8Array(0);
  for (let offset = 0, i = 1; offset < length; i++, offset += SHA256_LENGTH) {
    counter[0] = i;
    // T(i) = HMAC(PRK, T(i-1) || info || i)
    previous = Uint8Array.from(hmacSha256(prk, previous, info, counter));
    out.set(previous.subarray(0, Math.min(SHA256_LENGTH, length - offset)), offset);
  }
  return out;
}

/** HKDF with SHA-256 (RFC 5869 §2): Expand(Extract(salt, ikm), info, length). */
export function hkdf(salt: Uint8Array, ikm: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  return hkdfExpand(hkdfExtract(salt, ikm), info, length);
}

/**
 * The Noise HKDF (Noise rev 34 §4.3) with SHA-256: `count` (2 or 3) outputs
 * of 32 bytes each. It is exactly RFC 5869 with salt = chaining key and an
 * empty info, cut into 32-byte blocks.
 */
export function noiseHkdf(chainingKey: Uint8Array, ikm: Uint8Array, count: 2 | 3): Uint8Array[] {
  const okm = hkdf(chainingKey, ikm, new Uint8Array(0), count * SHA256_LENGTH);
  const outs: Uint8Array[] = [];
  for (let i = 0; i < count; i++) outs.push(okm.slice(i * SHA256_LENGTH, (i + 1) * SHA256_LENGTH));
  return outs;
}
