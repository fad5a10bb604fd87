/**
 * A static public key as text, `mpt-pub:` and the base64url (RFC 4648 §5, no padding) of its 32
 * bytes: how the `mpt` command prints keys and how error messages name them.
 * @module
 */

/** What a public key as text starts with. */
export const PUBLIC_KEY_PREFIX = 'mpt-pub:';

/** A public key as text: `mpt-pub:` + base64url of its 32 bytes. */
export function formatPublicKey(key: Uint8Array): string {
  return PUBLIC_KEY_PREFIX + Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('base64url');
}
