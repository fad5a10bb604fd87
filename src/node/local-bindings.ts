import { isIP } from 'node:net';
import type { SocketAddress } from '../core/socket-address.js';
import { MptError, MptErrorCode } from '../errors.js';
import type { BindOptions } from './driver.js';
import { routedSourceAddress } from './interfaces.js';
import type { MptConnectOptions } from './options.js';

/**
 * Which UDP sockets a client binds for its connection.
 * @module
 */

/**
 * The sockets a client binds: the first (connected to the server, so the kernel reports ICMP errors and
 * picks the source) carries the connection, and with `maxPaths` > 1 gets an unconnected twin so paths
 * from its address can reach the server's other addresses; with `localAddresses`, or by default the
 * other interface addresses of the server's family (`candidates`; see
 * `MptConnectOptions.localAddresses`), one more unconnected socket per other address, so a later path
 * can reach any server address from it. `racing`: other happy-eyeballs attempts of the family leave
 * from the first socket's twin. Rejects with ERR_MPT_INVALID_CONFIG for a bad `localPort`,
 * `extraRemotes` or `localAddresses`.
 */
export async function localBindings(
  options: MptConnectOptions,
  family: 4 | 6,
  remote: SocketAddress,
  maxPaths: number,
  candidates: readonly string[],
  racing: boolean,
): Promise<BindOptions[]> {
  const port = options.localPort ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new MptError(MptErrorCode.InvalidConfig, `localPort must be an integer from 0 to 65535, got ${String(port)}`);
  }
  for (const r of options.extraRemotes ?? []) {
    if (isIP(r.host) === 0) throw new MptError(MptErrorCode.InvalidConfig, `extraRemotes hosts must be IP addresses, got ${JSON.stringify(r.host)}`);
    if (!Number.isInteger(r.port) || r.port <= 0 || r.port > 65_535) {
      throw new MptError(MptErrorCode.InvalidConfig, `extraRemotes ports must be integers from 1 to 65535, got ${String(r.port)}`);
    }
  }
  const list = options.localAddresses;
  if (list === undefined) {
    const type = family === 6 ? 'udp6' : 'udp4';
    const host = options.localAddress ?? (family === 6 ? '::' : '0.0.0.0');
    // Other paths, and other happy-eyeballs attempts, need the unconnected twin.
    const primary: BindOptions = { type, host, port, connectTo: remote, sendAnywhere: maxPaths > 1 || racing };
    if (options.localAddress !== undefined || maxPaths <= 1) return [primary];
    // The default: the path the routing table picks, then one more socket per other interface address.
    if (candidates.length === 0) return [primary];
    const source = await routedSourceAddress(remote, family);
    return [primary, ...candidates.filter((a) => a !== source).map((host): BindOptions => ({ type, host, port }))];
  }
  if (options.localAddress !== undefined) {
    throw new MptError(MptErrorCode.InvalidConfig, 'give localAddress or localAddresses, not both');
  }
  const addresses = [...new Set(list)];
  for (const a of addresses) {
    if (isIP(a) === 0) throw new MptError(MptErrorCode.InvalidConfig, `localAddresses must be IP addresses, got ${JSON.stringify(a)}`);
  }
  const first = addresses.findIndex((a) => isIP(a) === family);
  if (first < 0) {
    throw new MptError(MptErrorCode.InvalidConfig, `none of localAddresses is an IPv${family} address, and the server ${remote.host} is IPv${family}`);
  }
  const primary = addresses[first] as string;
  const bindings: BindOptions[] = [{ type: family === 6 ? 'udp6' : 'udp4', host: primary, port, connectTo: remote, sendAnywhere: maxPaths > 1 }];
  for (const a of addresses) if (a !== primary) bindings.push({ type: isIP(a) === 6 ? 'udp6' : 'udp4', host: a, port });
  return bindings;
}
