// Several paths between one client and one server in the simulator: one
// client address and one two-way link per path, every path opened by the
// client right after the handshake and run until all are validated both ways.
import type { Connection } from '../../src/core/connection.js';
import type { SocketAddress } from '../../src/core/socket-address.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import type { LinkOptions } from '../../src/sim/link-options.js';
import type { Link } from '../../src/sim/link.js';
import { CLIENT, SERVER, enginePair } from './engine-pair.js';
import { nullProvider } from './null-provider.js';

/** One path's bottleneck: rate, round-trip time, and a drop-tail queue of one BDP in each direction. */
export interface PathSpec {
  readonly rateBps: number;
  readonly rttMs: number;
}

/** Rate-limited link with a one-BDP drop-tail queue and no random loss (the same both ways). */
export function specLink(spec: PathSpec): LinkOptions {
  return { delayMs: spec.rttMs / 2, rateBps: spec.rateBps, queueBytes: Math.round((spec.rateBps / 8) * (spec.rttMs / 1000)) };
}

/** The client address of path i (path 0 is the handshake's). */
export function clientAddress(i: number): SocketAddress {
  return i === 0 ? CLIENT : { host: `10.0.${i}.1`, port: 40_000 + i };
}

export interface MultipathOptions {
  readonly seed?: number;
  /** Default: the null protection; `'real'`: the endpoint's default AEAD. */
  readonly provider?: CryptoProvider | 'real' | undefined;
}

/**
 * A connection over `specs.length` paths, path i on its own link. Returns
 * once every path is validated on both sides. `links[i]` holds path i's two
 * directions (forward: client -> server).
 */
export function multipath(specs: readonly PathSpec[], options: MultipathOptions = {}) {
  const provider = options.provider === 'real' ? {} : { provider: options.provider ?? nullProvider };
  const transport = { maxPaths: Math.max(2, specs.length) };
  const pair = enginePair({
    seed: options.seed ?? 1,
    link: specLink(specs[0]!),
    extraClientAddresses: specs.slice(1).map((s, i) => ({ address: clientAddress(i + 1), link: specLink(s) })),
    client: { ...provider, transport },
    server: { ...provider, transport },
  });
  pair.runUntil(() => pair.serverSink !== undefined && pair.clientSink.connected, 10_000);
  for (let i = 1; i < specs.length; i++) {
    let id: number | undefined;
    pair.runUntil(() => (id = pair.connection.openPath(pair.sim.nowMs, clientAddress(i), SERVER)) !== undefined, 10_000);
    if (id !== i) throw new Error(`path ${i} opened as ${id}`);
  }
  pair.clientNode.wake();
  const server = (): Connection => pair.serverSink!.connection;
  pair.runUntil(
    () => specs.every((_, i) => pair.connection.pathById(i)?.validated === true && server().pathById(i)?.validated === true),
    10_000,
  );
  const links: { forward: Link; reverse: Link }[] = [pair.link, ...pair.extraLinks];
  return { pair, links, server };
}

/** Stream bytes a path sent, first transmissions and retransmissions. */
export function streamBytesOnPath(c: Connection, id: number): number {
  const p = c.pathById(id);
  return p === undefined ? 0 : p.stats.streamBytesSent + p.stats.streamBytesRetransmitted;
}
