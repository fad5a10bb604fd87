import type { Result } from 'neverthrow';
import { MptError, MptErrorCode } from '../errors.js';

/**
 * Numeric AEAD identifiers. These numbers go on the wire (transport
 * parameters in the handshake) and are shared with the wire codec, so they
 * never change meaning.
 */
export const AeadId = {
  /** AES-256-GCM (RFC 5116 AEAD_AES_256_GCM). Mandatory to implement. */
  Aes256Gcm: 1,
  /** ChaCha20-Poly1305 IETF variant (RFC 8439), 96-bit nonce. Optional. */
  ChaCha20Poly1305: 2,
} as const;

/** One of the {@link AeadId} values. */
export type AeadId = (typeof AeadId)[keyof typeof AeadId];

/** AEAD key length in bytes, for both ciphers. */
export const AEAD_KEY_LENGTH = 32;
/** AEAD nonce length in bytes, for both ciphers. */
export const AEAD_NONCE_LENGTH = 12;
/** AEAD authentication tag length in bytes, for both ciphers. */
export const AEAD_TAG_LENGTH = 16;

/**
 * 2^32, for splitting a nonce counter of up to 2^53-1 into two uint32
 * halves: JavaScript's bitwise operators only see the low 32 bits.
 */
export const TWO_POW_32 = 0x1_0000_0000;

/**
 * The argument checks every {@link Aead.seal} implementation owes its
 * callers, kept in one place so the providers cannot drift apart. Returns
 * the output length (`plaintextLength` + tag); throws an MptError
 * (ERR_MPT_INVALID_KEY for a nonce that is not 12 bytes,
 * ERR_MPT_INVALID_STATE for an `out` too small), since seal's callers are
 * local code and a wrong call is a bug there.
 */
export function checkSealArgs(nonce: Uint8Array, plaintextLength: number, out: Uint8Array | undefined): number {
  if (nonce.length !== AEAD_NONCE_LENGTH) {
    throw new MptError(MptErrorCode.InvalidKey, `AEAD nonce must be ${AEAD_NONCE_LENGTH} bytes`);
  }
  const total = plaintextLength + AEAD_TAG_LENGTH;
  if (out !== undefined && out.length < total) {
    throw new MptError(MptErrorCode.InvalidState, `AEAD output buffer too small: ${out.length} < ${total}`);
  }
  return total;
}

/**
 * The argument checks of {@link Aead.open}: returns the plaintext length, or
 * -1 when the input is shorter than a tag, the nonce is not 12 bytes or
 * `out` is too small. It does not throw, because open's input comes off the
 * network and a malformed packet must simply be dropped.
 */
export function checkOpenArgs(nonce: Uint8Array, ciphertextLength: number, out: Uint8Array | undefined): number {
  const bodyLength = ciphertextLength - AEAD_TAG_LENGTH;
  if (bodyLength < 0 || nonce.length !== AEAD_NONCE_LENGTH) return -1;
  if (out !== undefined && out.length < bodyLength) return -1;
  return bodyLength;
}

/** True when `id` is a known {@link AeadId}; use it to check a number read off the wire. */
export function isAeadId(id: number): id is AeadId {
  return id === AeadId.Aes256Gcm || id === AeadId.ChaCha20Poly1305;
}

/** Human-readable name of an AEAD, e.g. `AES-256-GCM`, for logs and bench tables. */
export function aeadName(id: AeadId): string {
  return id === AeadId.Aes256Gcm ? 'AES-256-GCM' : 'ChaCha20-Poly1305';
}

/**
 * A keyed AEAD. Both methods are on the packet hot path: they do not
 * allocate a Result, and `open` never throws on any input.
 */
export interface Aead {
  /** Which cipher this is. */
  readonly id: AeadId;
  /**
   * Encrypts `plaintext` and returns `ciphertext || tag` (plaintext length +
   * 16 bytes). With `out` (at least that long) the result is written there and
   * a view of `out` is returned. `nonce` must be 12 bytes; a wrong length is a
   * programming error and throws an MptError (ERR_MPT_INVALID_KEY).
   */
  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, out?: Uint8Array): Uint8Array;
  /**
   * Decrypts and verifies `ciphertextWithTag`. Returns the plaintext, or null
   * when authentication fails or any argument is malformed (short input, bad
   * nonce length, `out` too small). With `out` the plaintext is written there.
   */
  open(
    nonce: Uint8Array,
    aad: Uint8Array,
    ciphertextWithTag: Uint8Array,
    out?: Uint8Array,
  ): Uint8Array | null;
}

/**
 * The pluggable part of mpt's cryptography: the AEAD used for packet
 * protection and for the Noise handshake. Hashing, HMAC and X25519 are not
 * pluggable: node:crypto has them under both OpenSSL (Node) and BoringSSL
 * (Electron), and they are off the per-packet path.
 */
export interface CryptoProvider {
  /** Short name for logs and benchmarks, e.g. `node:crypto`. */
  readonly name: string;
  /** The AEADs this provider implements, fastest / most preferred first. */
  readonly aeads: readonly AeadId[];
  /**
   * Creates a keyed AEAD. Fails with ERR_MPT_UNSUPPORTED_CIPHER when `id` is
   * not in {@link CryptoProvider.aeads}, ERR_MPT_INVALID_KEY when `key` is not
   * 32 bytes. The key bytes are copied.
   */
  createAead(id: AeadId, key: Uint8Array): Result<Aead, MptError>;
}
