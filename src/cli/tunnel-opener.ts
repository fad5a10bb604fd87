import type { MptSocket } from '../node/socket.js';
import type { TunnelDestination } from '../proxy/converter-protocol.js';
import { openTunnel } from '../proxy/tunnel.js';
import type { Opener } from './known-host-connect.js';

/**
 * How `mpt connect --via` opens its connection: a tunnel through a converter to a TCP destination,
 * as an {@link Opener} for connectTrusted (so the converter's key is pinned, remembered or refused as
 * `mpt connect` does it for a server).
 * @module
 */

/**
 * An opener of tunnels to `destination`: the connect options name the converter. Resolves with the
 * socket once the converter replied success (its bytes are the destination's from then on); rejects
 * with openTunnel's error (a TunnelError, ERR_MPT_TUNNEL_REFUSED, when the converter refuses).
 */
export function tunnelOpener(destination: TunnelDestination): Opener {
  return async (options): Promise<MptSocket> => openTunnel({ ...options, destination });
}
