import { createHash, createHmac } from 'node:crypto';

/** SHA-256 output length in bytes (HASHLEN in the Noise spec, §4.3). */
export const SHA256_LENGTH = 32;

/**
 * SHA-256 of the concatenation of `parts` (FIPS 180-4), 32 bytes. Taking
 * parts avoids a concatenation copy for Noise's MixHash(h || data).
 */
export function sha256(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
}

/** HMAC-SHA256 (RFC 2104) of the concatenation of `parts` under `key`, 32 bytes. */
export function hmacSha256(key: Uint8Array, ...parts: Uint8Array[]): Uint8Array {
  const h = createHmac('sha256', key);
  for (const p of parts) h.update(p);
  return h.digest();
}
