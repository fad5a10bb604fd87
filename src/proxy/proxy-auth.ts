import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * The credentials a local proxy may ask its clients for (SOCKS5 username/password, HTTP Basic), and
 * the comparison both protocols make.
 * @module
 */

/** A user name and password the proxy's clients must give (RFC 1929 for SOCKS5, Basic for HTTP CONNECT). */
export interface ProxyAuth {
  /** The user name: 1 to 255 bytes of UTF-8, without ':' (HTTP Basic separates the two with it). */
  readonly username: string;
  /** The password: 1 to 255 bytes of UTF-8. */
  readonly password: string;
}

/** The digest compared: equal lengths, so timingSafeEqual applies, and no early exit on the first differing byte. */
function digest(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(bytes).digest();
}

/**
 * Whether the given user name and password (raw bytes as the client sent them) are those of `auth`.
 * Both are always compared, in time independent of where they differ.
 */
export function credentialsMatch(auth: ProxyAuth, username: Uint8Array, password: Uint8Array): boolean {
  const userOk = timingSafeEqual(digest(username), digest(Buffer.from(auth.username, 'utf8')));
  const passwordOk = timingSafeEqual(digest(password), digest(Buffer.from(auth.password, 'utf8')));
  return userOk && passwordOk;
}
