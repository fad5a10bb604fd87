/**
 * The address a server or socket is bound to, as node:net's AddressInfo.
 * @module
 */

/** What `server.address()` and `socket.address()` return, as net's. */
export interface MptAddressInfo {
  /** Bound IP address. */
  readonly address: string;
  /** 'IPv4' or 'IPv6'. */
  readonly family: string;
  /** Bound UDP port. */
  readonly port: number;
}

/**
 * The server that accepted a socket, as `MptSocket.server` types it: an `MptServer`, whose module adds
 * its members to this interface (so the socket module needs nothing of the server's, and the two do
 * not import each other).
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface MptSocketServer {}
