import { isIP } from 'node:net';

/**
 * Where a proxy client asks to go: the host and port a SOCKS5 request or an HTTP CONNECT names, and
 * the check both protocols make of them before a tunnel is opened.
 * @module
 */

/** A destination a proxy client asked for: an IP literal (IPv6 without brackets) or a host name, and a TCP port. */
export interface ProxyDestination {
  /** An IPv4 or IPv6 literal, or a host name (resolved by the converter, not here). */
  readonly host: string;
  /** The TCP port, 1 to 65535. */
  readonly port: number;
}

/** The longest host name DNS allows in text form (RFC 1035: 255 bytes on the wire, 253 characters in text, 254 with a final dot). */
const MAX_HOST_NAME = 254;

/** A host name: letters, digits, '-', '_' and '.', starting with a letter, digit or '_'. */
const HOST_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

/**
 * Whether `host` can be a destination: an IP literal, or a host name of letters, digits, '-', '_' and
 * '.' (internationalised names travel in their ASCII, punycode, form) of at most 254 characters.
 * Anything else (spaces, control characters, '@', '/', an empty name) is refused as malformed.
 */
export function isDestinationHost(host: string): boolean {
  if (isIP(host) !== 0) return true;
  return host.length <= MAX_HOST_NAME && HOST_NAME.test(host);
}

/** `host:port`, with an IPv6 literal in brackets, as logs and HTTP show an address. */
export function formatDestination(destination: ProxyDestination): string {
  return isIP(destination.host) === 6 ? `[${destination.host}]:${destination.port}` : `${destination.host}:${destination.port}`;
}
