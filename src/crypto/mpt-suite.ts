/**
 * The Noise prologue for a protocol version: the 4-byte wire version,
 * big-endian, exactly as it appears in the long header. Both sides mix it
 * into h first (Noise rev 34 §6), so peers that disagree on the version, or
 * an attacker who rewrote the unauthenticated version field, fail the
 * handshake at the first authenticated message.
 */
export function noisePrologue(version: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, version >>> 0, false);
  return out;
}

/** How an mpt client authenticates the server; see docs/crypto.md. */
export type MptHandshakeMode = 'ik' | 'xx' | 'psk';

/**
 * The Noise protocol of each mpt handshake mode. The suite is always
 * 25519 / AESGCM / SHA256, which node:crypto has under both OpenSSL and
 * BoringSSL (docs/crypto.md §1):
 * - `ik`: the client knows the server's static key (pinned); 1 round trip.
 * - `xx`: it does not; the server's key is learned and passed to a
 *   verification callback; both statics are sent encrypted.
 * - `psk`: both hold a 32-byte key shared out of band (mosh style);
 *   NNpsk0 needs no static keys and keeps forward secrecy via ephemerals.
 */
export const MPT_NOISE_PROTOCOLS: Readonly<Record<MptHandshakeMode, string>> = Object.freeze({
  ik: 'Noise_IK_25519_AESGCM_SHA256',
  xx: 'Noise_XX_25519_AESGCM_SHA256',
  psk: 'Noise_NNpsk0_25519_AESGCM_SHA256',
});
