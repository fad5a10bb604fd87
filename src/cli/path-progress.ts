import { formatAddress } from '../core/socket-address.js';
import type { MptPathInfo, MptPathStatus } from '../node/path-info.js';
import { paint, type Color } from './output.js';
import { formatRate, formatShare } from './units.js';

/**
 * The per-path lines of a transfer's live progress, from `socket.paths`: for each path its addresses,
 * status, smoothed RTT, rate since the last look, and share of the bytes. The sender counts the stream
 * bytes each path carried first (`streamBytesSent`); the receiver, which cannot tell stream bytes per
 * path, the UDP payload bytes each path brought (`bytesReceived`, packet overhead included).
 * @module
 */

const STATUS_COLOR: Record<MptPathStatus, Color | undefined> = { active: 'green', backup: 'yellow', validating: 'yellow', failed: 'red', closed: 'dim' };

/** Turns successive `socket.paths` snapshots into progress lines. */
export class PathProgress {
  readonly #direction: 'send' | 'receive';
  readonly #color: boolean;
  /** Per path id: its byte count and the time at the previous look. */
  readonly #previous = new Map<number, { bytes: number; atMs: number }>();

  /** Lines for the `direction` side of a transfer, with colour if `color`. */
  constructor(direction: 'send' | 'receive', color = false) {
    this.#direction = direction;
    this.#color = color;
  }

  /** The bytes this side counts for `path`. */
  bytesOf(path: MptPathInfo): number {
    return this.#direction === 'send' ? path.streamBytesSent : path.bytesReceived;
  }

  /** One line per path of `paths`, as seen at `nowMs`. */
  lines(paths: readonly MptPathInfo[], nowMs: number): string[] {
    const total = paths.reduce((sum, p) => sum + this.bytesOf(p), 0);
    return paths.map((p) => {
      const bytes = this.bytesOf(p);
      const before = this.#previous.get(p.id);
      this.#previous.set(p.id, { bytes, atMs: nowMs });
      const rate = before === undefined || nowMs <= before.atMs ? 0 : ((bytes - before.bytes) * 1000) / (nowMs - before.atMs);
      const status = paint(p.status.padEnd(10), STATUS_COLOR[p.status] ?? 'dim', this.#color && STATUS_COLOR[p.status] !== undefined);
      return [
        `path ${p.id} ${formatAddress(p.local)} -> ${formatAddress(p.remote)}`,
        status,
        `rtt ${p.srttMs.toFixed(1)} ms`,
        formatRate(rate),
        `${formatShare(bytes, total)} of bytes`,
      ].join('  ');
    });
  }
}
