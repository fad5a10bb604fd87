import { MptError, MptErrorCode } from '../errors.js';
import { tunnelReplyName } from './converter-protocol.js';

/**
 * {@link TunnelError}: a converter's refusal of a tunnel request, as `openTunnel()` rejects with it.
 * @module
 */

/**
 * The converter refused the tunnel: `code` is ERR_MPT_TUNNEL_REFUSED, `replyCode` the converter's reply
 * code (SOCKS5's REP values, see {@link TunnelReplyCode}: 2 refused by policy, 5 connection refused,
 * 6 connect timeout...), `reason` the converter's words for it.
 */
export class TunnelError extends MptError {
  /** The converter's reply code (never 0, which is success). */
  readonly replyCode: number;
  /** The converter's reason (may be empty). */
  readonly reason: string;

  constructor(replyCode: number, reason: string) {
    super(MptErrorCode.TunnelRefused, `the converter refused the tunnel: ${tunnelReplyName(replyCode)} (${replyCode})${reason === '' ? '' : `: ${reason}`}`);
    this.name = 'TunnelError';
    this.replyCode = replyCode;
    this.reason = reason;
  }
}
