/**
 * {@link BenchSampler}: turns snapshots of a connection's paths, taken once a second, into the bench's
 * intervals and per-path totals.
 *
 * A path's bytes are its stream bytes sent for the first time (`streamBytesSent`): each byte of the
 * stream counts once, on the path that first carried it, so the paths' bytes add up to the stream's,
 * and retransmissions are counted apart. A path that leaves `socket.paths` keeps the counts it had.
 * @module
 */
import type { MptPathInfo, MptPathStatus } from '../../index.js';
import { formatAddress } from '../../core/socket-address.js';

/** One path in one interval. */
export interface IntervalPath {
  /** Path id. */
  readonly id: number;
  /** Our address, `host:port`. */
  readonly local: string;
  /** The peer's address as we send to it, `host:port`. */
  readonly remote: string;
  /** Stream bytes first sent on the path in the interval. */
  readonly bytes: number;
  /** `bytes` over the interval, Mbit/s (10^6 bit/s). */
  readonly mbps: number;
  /** Smoothed RTT at the interval's end, ms. */
  readonly rttMs: number;
  /** Congestion window at the interval's end, bytes. */
  readonly cwndBytes: number;
  /** The path's part of the interval's bytes, 0..1 (0 when the interval carried nothing). */
  readonly share: number;
  /** Packets declared lost on the path in the interval. */
  readonly lost: number;
  /** Where the path stood at the interval's end; `closed` once it left the connection's list. */
  readonly status: MptPathStatus;
}

/** One interval (a second, the last one shorter). */
export interface BenchInterval {
  /** Start, seconds since the first write. */
  readonly startS: number;
  /** End, seconds since the first write. */
  readonly endS: number;
  /** Every path known by the interval's end, in id order. */
  readonly paths: readonly IntervalPath[];
  /** Stream bytes first sent in the interval, all paths. */
  readonly bytes: number;
  /** `bytes` over the interval, Mbit/s. */
  readonly totalMbps: number;
}

/** One path over the whole run. */
export interface PathTotals {
  /** Path id. */
  readonly id: number;
  /** Our address, `host:port`. */
  readonly local: string;
  /** Our IP address alone. */
  readonly localHost: string;
  /** The peer's address as we send to it, `host:port` (in local mode, the path's link emulator). */
  readonly remote: string;
  /** Stream bytes first sent on the path. */
  readonly bytes: number;
  /** `bytes` over the run's duration, Mbit/s. */
  readonly mbps: number;
  /** The path's part of all paths' bytes, 0..1. */
  readonly share: number;
  /** Stream bytes sent again on the path after a loss. */
  readonly retransmittedBytes: number;
  /** Packets declared lost on the path. */
  readonly lost: number;
  /** The smallest RTT sample, ms; null without one. */
  readonly minRttMs: number | null;
  /** The mean of the smoothed RTT read at the end of each interval in which the path was active or backup, ms; null without one. */
  readonly meanRttMs: number | null;
}

/** Mbit/s from bytes and ms. */
export function mbps(bytes: number, ms: number): number {
  return ms > 0 ? (bytes * 8) / (ms * 1000) : 0;
}

/** What the sampler keeps of one path. */
interface Tracked {
  readonly id: number;
  local: string;
  localHost: string;
  remote: string;
  bytes: number;
  lost: number;
  retransmittedBytes: number;
  minRttMs: number;
  srttMs: number;
  cwndBytes: number;
  status: MptPathStatus;
  rttSumMs: number;
  rttSamples: number;
  /** `bytes` and `lost` at the last interval's end. */
  bytesAtLast: number;
  lostAtLast: number;
}

/** Collects intervals from path snapshots; see the module comment. */
export class BenchSampler {
  readonly #startMs: number;
  #lastMs: number;
  readonly #paths = new Map<number, Tracked>();

  /** A sampler whose run (and first interval) starts at `startMs` (performance.now(), ms). */
  constructor(startMs: number) {
    this.#startMs = startMs;
    this.#lastMs = startMs;
  }

  /** The end of the last interval, ms. */
  get lastSampleMs(): number {
    return this.#lastMs;
  }

  /** Records `paths`: the latest counts of each path. */
  #observe(paths: readonly MptPathInfo[]): void {
    const listed = new Set<number>();
    for (const p of paths) {
      listed.add(p.id);
      let t = this.#paths.get(p.id);
      if (t === undefined) {
        t = {
          id: p.id,
          local: '',
          localHost: '',
          remote: '',
          bytes: 0,
          lost: 0,
          retransmittedBytes: 0,
          minRttMs: Infinity,
          srttMs: 0,
          cwndBytes: 0,
          status: p.status,
          rttSumMs: 0,
          rttSamples: 0,
          bytesAtLast: 0,
          lostAtLast: 0,
        };
        this.#paths.set(p.id, t);
      }
      t.local = formatAddress(p.local);
      t.localHost = p.local.host;
      t.remote = formatAddress(p.remote);
      t.bytes = p.streamBytesSent;
      t.lost = p.packetsLost;
      t.retransmittedBytes = p.bytesRetransmitted;
      t.minRttMs = p.minRttMs;
      t.srttMs = p.srttMs;
      t.cwndBytes = p.cwndBytes;
      t.status = p.status;
    }
    for (const t of this.#paths.values()) if (!listed.has(t.id)) t.status = 'closed';
  }

  /** Records `paths` read at `nowMs` and closes the interval since the last one there. */
  sample(paths: readonly MptPathInfo[], nowMs: number): BenchInterval {
    this.#observe(paths);
    const tracked = [...this.#paths.values()].sort((a, b) => a.id - b.id);
    const durationMs = nowMs - this.#lastMs;
    const total = tracked.reduce((sum, t) => sum + (t.bytes - t.bytesAtLast), 0);
    const out: IntervalPath[] = tracked.map((t) => {
      const bytes = t.bytes - t.bytesAtLast;
      const lost = t.lost - t.lostAtLast;
      t.bytesAtLast = t.bytes;
      t.lostAtLast = t.lost;
      if ((t.status === 'active' || t.status === 'backup') && Number.isFinite(t.srttMs)) {
        t.rttSumMs += t.srttMs;
        t.rttSamples++;
      }
      return {
        id: t.id,
        local: t.local,
        remote: t.remote,
        bytes,
        mbps: mbps(bytes, durationMs),
        rttMs: t.srttMs,
        cwndBytes: t.cwndBytes,
        share: total > 0 ? bytes / total : 0,
        lost,
        status: t.status,
      };
    });
    const interval: BenchInterval = {
      startS: (this.#lastMs - this.#startMs) / 1000,
      endS: (nowMs - this.#startMs) / 1000,
      paths: out,
      bytes: total,
      totalMbps: mbps(total, durationMs),
    };
    this.#lastMs = nowMs;
    return interval;
  }

  /** Every path's totals from the start to the last interval's end, in id order. */
  totals(): PathTotals[] {
    const tracked = [...this.#paths.values()].sort((a, b) => a.id - b.id);
    const durationMs = this.#lastMs - this.#startMs;
    const all = tracked.reduce((sum, t) => sum + t.bytesAtLast, 0);
    return tracked.map((t) => ({
      id: t.id,
      local: t.local,
      localHost: t.localHost,
      remote: t.remote,
      bytes: t.bytesAtLast,
      mbps: mbps(t.bytesAtLast, durationMs),
      share: all > 0 ? t.bytesAtLast / all : 0,
      retransmittedBytes: t.retransmittedBytes,
      lost: t.lostAtLast,
      minRttMs: Number.isFinite(t.minRttMs) && t.minRttMs > 0 ? t.minRttMs : null,
      meanRttMs: t.rttSamples > 0 ? t.rttSumMs / t.rttSamples : null,
    }));
  }
}
