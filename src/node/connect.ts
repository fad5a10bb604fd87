import type { MptConnectOptions } from './options.js';
import { MptSocket } from './socket.js';

/**
 * The client entry point.
 * @module
 */

/**
 * Opens an mpt connection, as net.connect: returns the socket at once;
 * 'connect' (and `onConnect`) follow when the handshake is done, or 'error'
 * with an MptError: ERR_MPT_CONNECT_TIMEOUT (nothing answered),
 * ECONNREFUSED (nothing listens on the port),
 * ERR_MPT_SERVER_KEY_MISMATCH (a server answers but not to the pinned key),
 * ERR_MPT_DNS_LOOKUP_FAILED, ERR_MPT_ABORTED. Bad options (an unknown key, a
 * wrong type, a value out of range) throw ERR_MPT_INVALID_CONFIG at once.
 */
export function connect(options: MptConnectOptions, onConnect?: () => void): MptSocket {
  return new MptSocket({ allowHalfOpen: options.allowHalfOpen }).connect(options, onConnect);
}
