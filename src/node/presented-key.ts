import { connect } from './connect.js';
import type { MptConnectOptions } from './options.js';

/**
 * {@link presentedKey}: asking a server for its static key without connecting.
 * @module
 */

/** What {@link presentedKey} learnt: the server's key, or, when none came, the connect's error. */
export interface PresentedKey {
  /** The static key the server presented. */
  readonly key?: Uint8Array;
  /** Why no key came (ECONNREFUSED, ERR_MPT_CONNECT_TIMEOUT...). */
  readonly error?: unknown;
}

/**
 * The key the server at `options` presents, learnt with a Noise XX handshake that rejects it the
 * moment it arrives (in the server's first answer), so no connection is made; or, when no key came,
 * the connect's error (ECONNREFUSED, ERR_MPT_CONNECT_TIMEOUT...). `serverKey`, `psk`, `earlyData`
 * and `verifyServerKey` of `options` are not used; it takes one path and follows no interfaces.
 * Costs one round trip to a server that answers.
 */
export function presentedKey(options: MptConnectOptions): Promise<PresentedKey> {
  return new Promise((resolve) => {
    let key: Uint8Array | undefined;
    let error: unknown;
    const socket = connect({
      ...options,
      serverKey: undefined,
      psk: undefined,
      earlyData: undefined,
      maxPaths: 1,
      interfaceMonitor: false,
      verifyServerKey: (presented) => {
        key ??= presented.slice();
        setImmediate(() => socket.destroy());
        return false;
      },
    });
    socket.on('error', (e) => {
      error ??= e;
    });
    socket.once('close', () => resolve(key !== undefined ? { key } : { error }));
  });
}
