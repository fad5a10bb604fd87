import { normalizeArgs } from './net-args.js';
import type { MptConnectOptions } from './options.js';
import { MptSocket } from './socket.js';

/**
 * The client entry point.
 * @module
 */

/**
 * Opens an mpt connection, as net.connect, in its forms: `connect(options[, connectListener])` or
 * `connect(port[, host][, connectListener])`. Returns the socket at once; 'connect' (and
 * `connectListener`) follow when the handshake is done, or 'error' with an MptError:
 * ERR_MPT_CONNECT_TIMEOUT (nothing answered within `connectTimeout`), ECONNREFUSED
 * (nothing listens on the port), ERR_MPT_SERVER_KEY_MISMATCH (a server answers but not to the pinned
 * key), ERR_MPT_DNS_LOOKUP_FAILED, ABORT_ERR (the `signal` aborted). As net's, `options.timeout` sets
 * the socket's inactivity timeout (`socket.setTimeout(timeout)`), and wrong arguments throw Node's
 * errors (see {@link MptSocket.connect}); bad options (an unknown key, a wrong type, a value out of
  * range) throw ERR_MPT_INVALID_CONFIG at once.
 */
export function connect(options: MptConnectOptions, connectListener?: () => void): MptSocket;
export function connect(port: number | string, host?: string, connectListener?: () => void): MptSocket;
export function connect(port: number | string, connectListener?: () => void): MptSocket;
export function connect(...args: unknown[]): MptSocket {
  const [options, connectListener] = normalizeArgs(args);
  // The socket's own options (connect()'s signal stays connect()'s: it also cancels the attempts).
  const o = options as MptSocketConstructorOptions & object;
  const socket = new MptSocket({ allowHalfOpen: o.allowHalfOpen, noDelay: o.noDelay, keepAlive: o.keepAlive, keepAliveInitialDelay: o.keepAliveInitialDelay, highWaterMark: o.highWaterMark });
  // As net: a truthy timeout becomes the socket's inactivity timeout (and is checked as setTimeout checks it).
  if (options.timeout) socket.setTimeout(options.timeout as number);
  return connectListener === undefined ? socket.connect(options as unknown as MptConnectOptions) : socket.connect(options as unknown as MptConnectOptions, connectListener as () => void);
}

/** The same function as {@link connect}, under net's other name for it. */
export const createConnection: typeof connect = connect;

type MptSocketConstructorOptions = ConstructorParameters<typeof MptSocket>[0];
