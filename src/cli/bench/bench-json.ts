/**
 * The `--json` document of `mpt bench` (schema version {@link BENCH_JSON_VERSION}; docs/cli.md has
 * it field by field). Figures are rounded: seconds, ms and Mbit/s to 3 decimals, shares to 4; bytes are
 * whole.
 * @module
 */
import type { PathSpec } from '../path-spec.js';
import type { BenchRunResult } from './bench-run.js';
import type { TcpRunResult } from './tcp-run.js';

/** The schema version; it changes only when a field changes meaning or goes away. */
export const BENCH_JSON_VERSION = 1;

/** What a bench report is made of, text or JSON. */
export interface BenchReport {
  /** `local` (in-process sink and emulators) or `remote`. */
  readonly mode: 'local' | 'remote';
  /** The server as the client reached it first, `host:port` (local mode: path 0's emulator). */
  readonly server: string;
  /** Local mode: each path's SPEC, in `--path` order. */
  readonly specs: readonly PathSpec[];
  /** The run. */
  readonly run: BenchRunResult;
  /** The TCP comparison, with `--tcp`. */
  readonly tcp?: TcpRunResult | undefined;
  /** The server's key as text (hex). */
  readonly serverKey: string | null;
}

function round(value: number, decimals: number): number {
  const scale = 10 ** decimals;
  return Math.round(value * scale) / scale;
}

function roundOrNull(value: number | null, decimals: number): number | null {
  return value === null ? null : round(value, decimals);
}

/** The SPEC a path was opened for: the one whose address is the path's local address. */
export function specOf(specs: readonly PathSpec[], localHost: string): PathSpec | undefined {
  return specs.find((s) => s.address === localHost);
}

/** mpt's goodput over TCP's, or null when either is unknown or TCP moved nothing. */
export function tcpRatio(report: BenchReport): number | null {
  const goodput = report.run.goodputMbps;
  if (report.tcp === undefined || goodput === null || !(report.tcp.mbps > 0)) return null;
  return goodput / report.tcp.mbps;
}

/** The JSON document as a plain object. */
export function benchJson(report: BenchReport): Record<string, unknown> {
  const run = report.run;
  const ratio = tcpRatio(report);
  return {
    version: BENCH_JSON_VERSION,
    mode: report.mode,
    server: report.server,
    serverKey: report.serverKey,
    durationS: round(run.durationS, 3),
    sendS: round(run.sendS, 3),
    handshakeMs: round(run.handshakeMs, 3),
    paths: run.paths.map((p) => {
      const spec = specOf(report.specs, p.localHost);
      return {
        id: p.id,
        local: p.local,
        remote: p.remote,
        ...(spec === undefined ? {} : { spec: spec.text }),
        bytes: p.bytes,
        mbps: round(p.mbps, 3),
        share: round(p.share, 4),
        retransmittedBytes: p.retransmittedBytes,
        lost: p.lost,
        minRttMs: roundOrNull(p.minRttMs, 3),
        meanRttMs: roundOrNull(p.meanRttMs, 3),
      };
    }),
    intervals: run.intervals.map((i) => ({
      startS: round(i.startS, 3),
      endS: round(i.endS, 3),
      paths: i.paths.map((p) => ({
        id: p.id,
        bytes: p.bytes,
        mbps: round(p.mbps, 3),
        rttMs: round(p.rttMs, 3),
        cwndBytes: p.cwndBytes,
        share: round(p.share, 4),
        lost: p.lost,
        status: p.status,
      })),
      bytes: i.bytes,
      totalMbps: round(i.totalMbps, 3),
    })),
    totalBytes: run.totalBytes,
    deliveredBytes: run.deliveredBytes,
    goodputMbps: roundOrNull(run.goodputMbps, 3),
    outcome: run.outcome,
    interrupted: run.interrupted,
    ...(report.tcp === undefined
      ? {}
      : { tcp: { bytes: report.tcp.bytes, mbps: round(report.tcp.mbps, 3), durationS: round(report.tcp.durationS, 3), ratio: roundOrNull(ratio, 4) } }),
  };
}
