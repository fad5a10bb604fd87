/**
 * bench/scale.ts's results and their tables: handshakes, idle cost, bulk goodput under idle load, the top
 * profile functions, and the must-show targets of issue #17 with met / not met.
 */
import type { ProfileSummary } from './cpu-profile.js';

/** One handshake phase: N connections opened in one mode. */
export interface HandshakeResult {
  /** `xx`, `ik` (mpt) or `tcp`. */
  readonly mode: string;
  readonly requested: number;
  /** Connections the clients held at the end of the phase. */
  readonly opened: number;
  /** Connections that opened and closed again during the phase. */
  readonly lost: number;
  /** Connections the server accepted over the phase. */
  readonly serverAccepted: number;
  readonly failedAttempts: number;
  /** Median of the server's accepts per whole second, first accept to last. */
  readonly medianPerS: number;
  /** (accepts - 1) over the time from the first to the last. */
  readonly meanPerS: number;
  readonly perSecond: readonly number[];
  /** Server CPU time over the phase, per accepted connection. */
  readonly serverCpuMsPerHandshake: number;
  /** All client processes' CPU time from their first connect to their last, per connection. */
  readonly clientCpuMsPerHandshake: number;
  /** The server's profile over the phase. */
  readonly profile?: ProfileSummary;
}

/** The idle window with the N connections held. */
export interface IdleResult {
  readonly connections: number;
  /** Server CPU time per wall time, % of one core. */
  readonly serverCpuPct: number;
  readonly serverEventLoopUtilization: number;
  /** (heap + external + arrayBuffers) after gc, minus the same before any connection, per connection. */
  readonly bytesPerConnection: number;
  readonly rssBytesPerConnection: number;
  /** All client processes together, % of one core. */
  readonly clientsCpuPct: number;
  readonly stillOpen: number;
  readonly profile?: ProfileSummary;
}

/** Bulk goodput (Mbit/s at the server) before, with and after the idle connections. */
export interface BulkResult {
  readonly beforeMbitPerS: readonly number[];
  readonly idleMbitPerS: readonly number[];
  readonly afterMbitPerS: readonly number[];
  /** Alternating with {@link idleMbitPerS}: to a second server process without idle connections. */
  readonly emptyServerMbitPerS: readonly number[];
  /** Median of before and after together. */
  readonly noIdleMedianMbitPerS: number;
  readonly idleMedianMbitPerS: number;
  readonly emptyServerMedianMbitPerS: number;
  /** idle / no idle (before and after). */
  readonly ratio: number;
  /** idle / empty server, interleaved. */
  readonly interleavedRatio: number;
  /** The server's profile over one more transfer with the N idle. */
  readonly profile?: ProfileSummary;
}

/** One kind (mpt, tcp), variant (src, build) and N. */
export interface ScaleRow {
  readonly variant: string;
  readonly kind: string;
  readonly requested: number;
  readonly handshakes: readonly HandshakeResult[];
  readonly idle: IdleResult;
  readonly bulk: BulkResult;
}

/** What bench/scale.ts writes. */
export interface ScaleReport {
  readonly clientProcesses: number;
  readonly concurrencyPerClient: number;
  readonly windowS: number;
  readonly bulkMiB: number;
  readonly runs: number;
  readonly keepAlive: string;
  readonly rows: readonly ScaleRow[];
}

/** The must-show targets (issue #17), checked at this N and above. */
const TARGET_N = 10_000;
const TARGET_KIB = 16;
const TARGET_CPU_PCT = 1;
const TARGET_RATIO = 0.8;

function fmt(x: number, digits = 1): string {
  return Number.isFinite(x) ? x.toFixed(digits) : '-';
}

function pct(x: number | undefined): string {
  return x === undefined ? '-' : `${(x * 100).toFixed(0)}%`;
}

function table(head: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(' | ')} |`;
  console.log(line(head));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
}

function name(r: ScaleRow): string {
  return `${r.kind}${r.kind === 'mpt' ? ` (${r.variant})` : ''}`;
}

/** Prints the tables of `report`. */
export function printReport(report: ScaleReport): void {
  console.log(`\nOne server process; ${report.clientProcesses} client processes, ${report.concurrencyPerClient} handshakes in flight each; ${report.windowS} s idle window; bulk ${report.bulkMiB} MiB x ${report.runs} per condition`);
  console.log(`keep-alive: ${report.keepAlive}\n`);
  console.log('Handshakes (server accepts per second: median of whole seconds, mean; CPU per handshake; server profile shares)');
  table(
    ['server', 'N', 'mode', 'opened', 'median /s (*)', 'mean /s', 'server CPU ms/hs', 'client CPU ms/hs', 'key exchange', 'Noise'],
    report.rows.flatMap((r) =>
      r.handshakes.map((h) => [name(r), String(r.requested), h.mode, String(h.opened), fmt(Number.isFinite(h.medianPerS) ? h.medianPerS : h.meanPerS, 0), fmt(h.meanPerS, 0), fmt(h.serverCpuMsPerHandshake, 2), fmt(h.clientCpuMsPerHandshake, 2), pct(h.profile?.keyExchangeShare), pct(h.profile?.noiseShare)]),
    ),
  );
  console.log('(*) the mean where the phase lasted under a whole second');
  console.log('\nIdle (N held) and bulk goodput (Mbit/s at the server) to the same server process');
  table(
    ['server', 'N', 'held', 'server CPU %', 'KiB/conn', 'RSS KiB/conn', 'clients CPU %', 'bulk before+after', 'bulk with N idle', 'ratio', 'empty server, interleaved', 'ratio'],
    report.rows.map((r) => [
      name(r),
      String(r.requested),
      String(r.idle.connections),
      fmt(r.idle.serverCpuPct, 2),
      fmt(r.idle.bytesPerConnection / 1024),
      fmt(r.idle.rssBytesPerConnection / 1024),
      fmt(r.idle.clientsCpuPct, 2),
      fmt(r.bulk.noIdleMedianMbitPerS, 0),
      fmt(r.bulk.idleMedianMbitPerS, 0),
      fmt(r.bulk.ratio, 2),
      fmt(r.bulk.emptyServerMedianMbitPerS, 0),
      fmt(r.bulk.interleavedRatio, 2),
    ]),
  );
  for (const r of report.rows.filter((x) => x.kind === 'mpt')) {
    const last = r.handshakes[r.handshakes.length - 1];
    console.log(`\nTop self time (share of busy samples), ${name(r)} x ${r.requested}: idle window | bulk with N idle | ${last?.mode.toUpperCase() ?? ''} handshakes`);
    const columns = [r.idle.profile?.top ?? [], r.bulk.profile?.top ?? [], last?.profile?.top ?? []];
    const cell = (t: { name: string; share: number } | undefined): string => (t === undefined ? '' : `${pct(t.share).padStart(4)} ${t.name}`.slice(0, 50));
    for (let i = 0; i < Math.max(...columns.map((c) => c.length)); i++) console.log(`  ${columns.map((c) => cell(c[i]).padEnd(50)).join(' | ')}`);
  }
  console.log(`\nMust-show targets (issue #17), at N >= ${TARGET_N}`);
  const rows: string[][] = [];
  const mpt = report.rows.filter((x) => x.kind === 'mpt');
  // The targets at the largest N measured (10,000 when it was).
  const largest = Math.max(...mpt.map((x) => x.requested));
  for (const r of mpt.filter((x) => x.requested === largest)) {
    const atScale = r.idle.connections >= TARGET_N;
    const verdict = (ok: boolean): string => (atScale ? (ok ? 'met' : 'NOT met') : `not measured (${r.idle.connections} held)`);
    const kib = r.idle.bytesPerConnection / 1024;
    rows.push([name(r), `memory per idle connection <= ${TARGET_KIB} KiB`, `${fmt(kib)} KiB`, verdict(kib <= TARGET_KIB)]);
    rows.push([name(r), `idle CPU < ${TARGET_CPU_PCT}% of a core`, `${fmt(r.idle.serverCpuPct, 2)}%`, verdict(r.idle.serverCpuPct < TARGET_CPU_PCT)]);
    rows.push([name(r), `bulk goodput with N idle >= ${TARGET_RATIO}x without (before+after)`, `${fmt(r.bulk.ratio, 2)}x`, verdict(r.bulk.ratio >= TARGET_RATIO)]);
    rows.push([name(r), `the same, interleaved with an empty server`, `${fmt(r.bulk.interleavedRatio, 2)}x`, verdict(r.bulk.interleavedRatio >= TARGET_RATIO)]);
    for (const h of r.handshakes) rows.push([name(r), `handshakes/s reported (${h.mode.toUpperCase()})`, `${fmt(Number.isFinite(h.medianPerS) ? h.medianPerS : h.meanPerS, 0)}/s, key exchange ${pct(h.profile?.keyExchangeShare)}`, 'reported']);
  }
  table(['server', 'target', 'measured', 'verdict'], rows);
  console.log('\nwrote bench/results/scale.json');
}
