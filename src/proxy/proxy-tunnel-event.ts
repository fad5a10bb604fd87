import type { ProxyDestination } from './destination.js';

/**
 * What a local proxy reports about each connection it accepted, once everything that connection
 * owned has closed: its 'tunnel' event.
 * @module
 */

/**
 * How a proxied connection ended:
 * - 'tunneled': the tunnel opened and carried bytes until both sides closed (`error` set if one failed);
 * - 'refused': the converter refused the destination (`replyCode` its SOCKS5 REP value);
 * - 'failed': the mpt connection to the converter failed (`error` says why);
 * - 'rejected': the proxy itself refused the client's request: malformed, unsupported, wrong
 *   credentials, or not finished within the request timeout;
 * - 'aborted': the client closed its connection before the tunnel opened.
 */
export type MptProxyOutcome = 'tunneled' | 'refused' | 'failed' | 'rejected' | 'aborted';

/** The protocol a client spoke: decided by its first byte (0x05 SOCKS5, 0x04 SOCKS4, which is refused, anything else HTTP). */
export type MptProxyProtocol = 'socks5' | 'socks4' | 'http';

/** The argument of an {@link MptProxy} 'tunnel' event: one accepted connection, once it is over. */
export interface MptProxyTunnelEvent {
  /** The protocol the client spoke; undefined if it closed before sending a byte. */
  readonly protocol: MptProxyProtocol | undefined;
  /** The client's address (as the proxy's TCP listener saw it). */
  readonly clientAddress: string;
  /** The client's port. */
  readonly clientPort: number;
  /** Where the client asked to go; undefined when its request never completed. */
  readonly destination: ProxyDestination | undefined;
  /** How it ended. */
  readonly outcome: MptProxyOutcome;
  /** For SOCKS5: the REP value of the reply sent (0 on success); undefined if no request reply was sent. */
  readonly replyCode: number | undefined;
  /** For HTTP CONNECT: the status sent (200 on success); undefined if none was sent. */
  readonly httpStatus: number | undefined;
  /** Why it was refused, rejected or failed, for people. */
  readonly reason: string | undefined;
  /** The error of a failed mpt connection, or of a tunnel that ended in one. */
  readonly error: Error | undefined;
  /** Bytes from the client toward the destination (request bytes excluded; bytes sent early, after the request, included). */
  readonly bytesToDestination: number;
  /** Bytes from the destination to the client (the proxy's replies excluded). */
  readonly bytesFromDestination: number;
}
