/**
 * A UDP socket address as the engine sees it: the host string exactly as the
 * Node layer or the simulator gives it, and a port. The engine never resolves
 * or parses hosts; it only compares them.
 * @module
 */

/** A UDP endpoint: host (IPv4 or IPv6 literal) and port. */
export interface SocketAddress {
  /** IP address literal, e.g. `127.0.0.1` or `::1`. */
  readonly host: string;
  /** UDP port, 0..65535. */
  readonly port: number;
}

/** A string that is equal for equal addresses, for Map keys. */
export function addressKey(address: SocketAddress): string {
  return `${address.host}|${address.port}`;
}

/** Whether two addresses are the same host and port. */
export function sameAddress(a: SocketAddress, b: SocketAddress): boolean {
  return a.port === b.port && a.host === b.host;
}

/** `host:port`, with IPv6 hosts in brackets, for logs and errors. */
export function formatAddress(address: SocketAddress): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
