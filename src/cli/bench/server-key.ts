/**
 * `--server-key KEY`: a server's 32-byte static public key, written as the other commands print it
 * (`mpt-pub:` and base64url, see key-files.ts), as 64 hex digits or in base64 / base64url (43 or 44
 * characters), and the form the bench prints keys in (hex).
 * @module
 */
import { err, ok, type Result } from 'neverthrow';
import { parsePublicKey, PUBLIC_KEY_PREFIX } from '../key-files.js';

/** Bytes of an X25519 public key. */
const KEY_BYTES = 32;

/** Parses a server key; the error says what was expected. */
export function parseServerKey(text: string): Result<Uint8Array, string> {
  const key = text.trim();
  if (key.startsWith(PUBLIC_KEY_PREFIX)) return parsePublicKey(key).mapErr((why) => `--server-key: ${why}`);
  if (/^[0-9a-f]{64}$/i.test(key)) return ok(new Uint8Array(Buffer.from(key, 'hex')));
  if (/^[A-Za-z0-9+/_-]{43}={0,1}$/.test(key)) {
    const bytes = Buffer.from(key.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (bytes.length === KEY_BYTES) return ok(new Uint8Array(bytes));
  }
  return err(`--server-key must be ${KEY_BYTES} bytes as mpt-pub:..., 64 hex digits or base64 (43-44 characters)`);
}

/** A key as lower-case hex. */
export function formatKey(key: Uint8Array): string {
  return Buffer.from(key).toString('hex');
}
