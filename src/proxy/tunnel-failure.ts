import { MptErrorCode } from '../errors.js';
import { httpStatusForReply } from './http-connect.js';
import { TunnelReplyCode } from './converter-protocol.js';
import { ClientKeyRefusedError } from './converter-key-errors.js';

/**
 * What a local proxy answers its client when a tunnel fails to open: the SOCKS5 REP value and the
 * HTTP status, from the error openTunnel rejected with.
 *
 * - The converter refused the destination (ERR_MPT_TUNNEL_REFUSED): its own REP value (2 not allowed
 *   by its allow list, 3 network unreachable, 4 host unreachable, 5 connection refused, 6 timeout,
 *   8 address type not supported, 1 anything else); in HTTP 403 for 2, 504 for 6, 502 otherwise.
 * - The mpt connection to the converter did not come up in time (ERR_MPT_CONNECT_TIMEOUT, ETIMEDOUT,
 *   or ERR_MPT_CONNECT_FAILED with no attempt answered): REP 4, host unreachable (the converter
 *   cannot be reached); HTTP 504 Gateway Timeout.
 * - The converter does not accept the proxy's client key (ClientKeyRefusedError): REP 2, not allowed
 *   by ruleset; HTTP 403 Forbidden: the converter's rules keep us out, whatever the destination.
 * - Any other failure of the mpt connection (the converter presents another key than the pinned
 *   one, the handshake failed otherwise, ICMP port unreachable, the converter's name did not
 *   resolve, an abort): REP 1, general failure; HTTP 502 Bad Gateway.
 * @module
 */

/** How to answer a client whose tunnel failed. */
export interface TunnelFailure {
  /** The SOCKS5 REP value to send. */
  readonly replyCode: number;
  /** The HTTP status to send. */
  readonly httpStatus: number;
  /** Whether the converter itself refused (ERR_MPT_TUNNEL_REFUSED), as opposed to the mpt connection failing. */
  readonly refusedByConverter: boolean;
}

/** The SOCKS5 REP values a converter may send back, taken as they are. */
const CONVERTER_REPLIES: ReadonlySet<number> = new Set([
  TunnelReplyCode.GeneralFailure,
  TunnelReplyCode.NotAllowed,
  TunnelReplyCode.NetworkUnreachable,
  TunnelReplyCode.HostUnreachable,
  TunnelReplyCode.ConnectionRefused,
  TunnelReplyCode.TtlExpired,
  TunnelReplyCode.AddressTypeNotSupported,
]);

/** Whether an mpt connect error means the converter never answered in time. */
function isTimeout(error: { code?: unknown; attempts?: unknown }): boolean {
  if (error.code === MptErrorCode.ConnectTimeout || error.code === MptErrorCode.IdleTimeout) return true;
  if (error.code !== MptErrorCode.ConnectFailed || !Array.isArray(error.attempts)) return false;
  return error.attempts.length > 0 && error.attempts.every((a: { reason?: unknown }) => a.reason === 'no answer' || a.reason === 'not started');
}

/** The answer to a client whose tunnel failed with `error` (whatever openTunnel rejected with). */
export function tunnelFailure(error: unknown): TunnelFailure {
  const e = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; replyCode?: unknown; attempts?: unknown };
  if (e.code === MptErrorCode.TunnelRefused) {
    const replyCode = typeof e.replyCode === 'number' && CONVERTER_REPLIES.has(e.replyCode as never) ? e.replyCode : TunnelReplyCode.GeneralFailure;
    return { replyCode, httpStatus: httpStatusForReply(replyCode), refusedByConverter: true };
  }
  if (error instanceof ClientKeyRefusedError) return { replyCode: TunnelReplyCode.NotAllowed, httpStatus: 403, refusedByConverter: false };
  if (isTimeout(e)) return { replyCode: TunnelReplyCode.HostUnreachable, httpStatus: 504, refusedByConverter: false };
  return { replyCode: TunnelReplyCode.GeneralFailure, httpStatus: 502, refusedByConverter: false };
}
