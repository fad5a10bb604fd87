// A wifi + cellular client in the simulator for the path-manager tests: the
// client's first address is wifi (en0), its second cellular (pdp_ip0,
// metered), each with its own two-way link to the server; the client runs the
// given path manager. Also: an application-limited writer (a write every
// `everyMs`) and a record of when the server's application read each byte.
import type { Connection } from '../../src/core/connection.js';
import type { SocketAddress } from '../../src/core/socket-address.js';
import type { LinkOptions } from '../../src/sim/link-options.js';
import type { LocalInterface, PathManagerFactory } from '../../src/core/path-manager.js';
import { CLIENT, enginePair, payload, type Sink } from '../support/engine-pair.js';
import { nullProvider } from '../support/null-provider.js';
import { CLIENT_B } from '../support/two-paths.js';

export const WIFI: SocketAddress = CLIENT;
export const CELL: SocketAddress = CLIENT_B;
export const WIFI_IF: LocalInterface = { address: WIFI, name: 'en0', type: 'wifi', metered: false };
export const CELL_IF: LocalInterface = { address: CELL, name: 'pdp_ip0', type: 'cellular', metered: true };

export interface WifiCellOptions {
  readonly pathManager: PathManagerFactory;
  readonly wifi: LinkOptions;
  readonly cell: LinkOptions;
  readonly seed?: number;
  /** The client's addresses at the start; default both. */
  readonly interfaces?: readonly LocalInterface[];
}

/** The pair, established; `wifi` and `cell` are the two links (forward: client -> server). */
export function wifiCell(options: WifiCellOptions) {
  const interfaces = options.interfaces ?? [WIFI_IF, CELL_IF];
  const transport = { maxPaths: 8 };
  const pair = enginePair({
    seed: options.seed ?? 1,
    link: options.wifi,
    extraClientAddresses: [{ address: CELL, link: options.cell }],
    client: { provider: nullProvider, transport },
    server: { provider: nullProvider, transport },
    connect: { pathManager: options.pathManager, localAddresses: interfaces.map((i) => i.address), localInterfaces: interfaces },
  });
  pair.runUntil(() => pair.serverSink !== undefined && pair.clientSink.connected, 10_000);
  sinks.set(pair.connection, pair.clientSink);
  const [cell] = pair.extraLinks;
  return { pair, wifi: pair.link, cell: cell! };
}

export type Pair = ReturnType<typeof wifiCell>['pair'];

/** Open paths of the client from `local`. */
export function pathsFrom(connection: Connection, local: SocketAddress) {
  return connection.paths.filter((p) => !p.closed && p.local.host === local.host);
}

/** The client Sink of each connection {@link wifiCell} made: it keeps every path ever seen. */
const sinks = new WeakMap<Connection, Sink>();

/**
 * Stream bytes the client sent from `local` so far, over every path, closed ones too (the engine drops
 * a closed path a few PTOs after it closes; the Sink keeps its Path object with final counters).
 */
export function bytesFrom(connection: Connection, local: SocketAddress): number {
  const all = new Map(sinks.get(connection)?.seenPaths ?? []);
  for (const p of connection.paths) all.set(p.id, p);
  return [...all.values()].filter((p) => p.local.host === local.host).reduce((n, p) => n + p.stats.streamBytesSent + p.stats.streamBytesRetransmitted, 0);
}

/**
 * Writes `chunkBytes` every `everyMs` from `startMs` to `endMs` and runs the simulation to `endMs` plus
 * `drainMs`, recording when the server's application read each write's last byte.
 * @returns per write: when it was written and when it was read in full (undefined if never), ms.
 */
export function paced(pair: Pair, startMs: number, endMs: number, everyMs: number, chunkBytes: number, drainMs = 3_000) {
  const writes: { atMs: number; end: number; readMs: number | undefined }[] = [];
  let written = 0;
  for (let t = startMs; t < endMs; t += everyMs) {
    pair.sim.at(t, () => {
      pair.connection.write(payload(chunkBytes, writes.length + 1));
      written += chunkBytes;
      writes.push({ atMs: pair.sim.nowMs, end: written, readMs: undefined });
    });
  }
  pair.sim.at(endMs + drainMs, () => {}); // an event to stop at, should the connection be idle by then
  let next = 0;
  pair.runUntil(() => {
    const sink = pair.serverSink!;
    while (next < writes.length && sink.bytes >= writes[next]!.end) writes[next++]!.readMs = pair.sim.nowMs;
    return pair.sim.nowMs >= endMs + drainMs;
  }, endMs + drainMs - pair.sim.nowMs + 1_000);
  return writes;
}

/** The longest time between two reads that delivered bytes, over reads of writes made in [fromMs, toMs), ms. */
export function longestGapMs(writes: ReturnType<typeof paced>, fromMs: number, toMs: number): number {
  let gap = 0;
  let last: number | undefined;
  for (const w of writes) {
    if (w.readMs === undefined || w.atMs < fromMs || w.atMs >= toMs) continue;
    if (last !== undefined) gap = Math.max(gap, w.readMs - last);
    last = w.readMs;
  }
  return gap;
}

/** The p-th percentile (0..100) of the values. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

/**
 * Wifi's RTT creeps from 20 ms to 300 ms over 3.5 s from `changeMs` (bufferbloat), too slowly for a
 * probe timeout, so only an RTT rule can see it. Returns when the RTT crossed 150 ms, ms after
 * `changeMs` (-1 until it has).
 */
export function creepWifiRtt(pair: Pair, wifi: { forward: { configure(o: LinkOptions): void }; reverse: { configure(o: LinkOptions): void } }, changeMs: number): () => number {
  let crossedMs = -1;
  for (let step = 1; step <= 14; step++) {
    pair.sim.at(changeMs + step * 250, () => {
      wifi.forward.configure({ delayMs: 10 + 10 * step });
      wifi.reverse.configure({ delayMs: 10 + 10 * step });
      if (crossedMs < 0 && 2 * (10 + 10 * step) > 150) crossedMs = pair.sim.nowMs - changeMs;
    });
  }
  return () => crossedMs;
}
