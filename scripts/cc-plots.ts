// Regenerates the congestion-control figures of docs/cc.md: per-path cwnd
// and throughput over time for every controller in the four scenarios of
// issue #5 (SVG written by hand to docs/img/), and the table of figures over
// several seeds (printed as markdown). The table's runs are independent, so
// they run in child processes, one per core.
//
//   npm run plots            # seed 1 plots; table over seeds 1-10 (balance 1-20), ~15 min on 2 cores
//   CC_SEEDS=3 npm run plots # a quicker table
//   CC_PLOTS=0 npm run plots # the table only
//   CC_SEEDS=0 npm run plots # the plots only
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CongestionControlName } from '../src/cc/congestion-controller.js';
import { CONGESTION_CONTROL_NAMES, isCongestionControlName } from '../src/cc/congestion-group.js';
import { BALANCE_SETTLE_MS, balance, noWorseThanBest, sharedBottleneck, twoCoupled, type Sample } from '../test/support/cc-scenarios.js';

const SCRIPT = fileURLToPath(import.meta.url);
const OUT = join(dirname(SCRIPT), '..', 'docs', 'img');
const SEEDS = Number(process.env.CC_SEEDS ?? 10);
if (!(Number.isInteger(SEEDS) && SEEDS >= 0)) throw new Error(`CC_SEEDS must be a whole number, not ${process.env.CC_SEEDS}`);
/** The balance runs are short (45 s with the settled split), so the table takes twice as many seeds of them. */
const BALANCE_SEEDS = 2 * SEEDS;
/** Length of the plotted shared-bottleneck and two-connection runs, ms (the table's are LONG_RUN_MS). */
const PLOT_MS = 60_000;
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd'];

interface Series {
  readonly label: string;
  readonly points: readonly (readonly [number, number])[];
}

/** One panel: lines over [0, xMax] x [0, yMax], with axes, ticks and a legend. */
function panel(x0: number, y0: number, w: number, h: number, title: string, yUnit: string, series: readonly Series[], xMax: number): string {
  const yMaxRaw = Math.max(1e-9, ...series.flatMap((s) => s.points.map((p) => p[1])));
  const yStep = niceStep(yMaxRaw / 4);
  const yMax = Math.ceil(yMaxRaw / yStep) * yStep;
  const sx = (x: number): number => x0 + (x / xMax) * w;
  const sy = (y: number): number => y0 + h - (y / yMax) * h;
  const out: string[] = [];
  out.push(`<rect x="${x0}" y="${y0}" width="${w}" height="${h}" fill="none" stroke="#999"/>`);
  out.push(`<text x="${x0}" y="${y0 - 6}" font-size="12">${esc(title)}</text>`);
  for (let y = 0; y <= yMax + 1e-9; y += yStep) {
    out.push(`<line x1="${x0}" x2="${x0 + w}" y1="${sy(y).toFixed(1)}" y2="${sy(y).toFixed(1)}" stroke="#eee"/>`);
    out.push(`<text x="${x0 - 4}" y="${(sy(y) + 4).toFixed(1)}" font-size="10" text-anchor="end">${fmt(y)}</text>`);
  }
  const xStep = niceStep(xMax / 5);
  for (let x = 0; x <= xMax + 1e-9; x += xStep) {
    out.push(`<text x="${sx(x).toFixed(1)}" y="${y0 + h + 12}" font-size="10" text-anchor="middle">${fmt(x)}</text>`);
  }
  out.push(`<text x="${x0 + w}" y="${y0 + h + 24}" font-size="10" text-anchor="end">s</text>`);
  out.push(`<text x="${x0 - 4}" y="${y0 - 6}" font-size="10" text-anchor="end">${esc(yUnit)}</text>`);
  series.forEach((s, i) => {
    const d = s.points.map((p) => `${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join(' ');
    const colour = COLOURS[i % COLOURS.length]!;
    out.push(`<polyline fill="none" stroke="${colour}" stroke-width="1.2" points="${d}"/>`);
    out.push(`<text x="${x0 + w - 4}" y="${y0 + 14 + 12 * i}" font-size="10" text-anchor="end" fill="${colour}">${esc(s.label)}</text>`);
  });
  return out.join('\n');
}

function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
}

/** cwnd (KB) per flow and path, and throughput (Mbit/s over 500 ms) per flow, from 100 ms samples. */
function toSeries(samples: readonly Sample[], flows: readonly string[]): { cwnd: Series[]; rate: Series[]; xMax: number } {
  const t0 = samples[0]!.tMs;
  const cwnd: Series[] = [];
  flows.forEach((name, f) => {
    const paths = Math.max(...samples.map((s) => s.cwnd[f]?.length ?? 0));
    for (let p = 0; p < paths; p++) {
      cwnd.push({
        label: paths > 1 ? `${name} path ${p + 1}` : name,
        points: samples.filter((s) => s.cwnd[f]?.[p] !== undefined).map((s) => [(s.tMs - t0) / 1000, s.cwnd[f]![p]! / 1000] as const),
      });
    }
  });
  const rate: Series[] = flows.map((name, f) => {
    const points: [number, number][] = [];
    for (let i = 5; i < samples.length; i += 5) {
      const a = samples[i - 5]!;
      const b = samples[i]!;
      const bytes = (b.delivered[f] ?? 0) - (a.delivered[f] ?? 0);
      if (b.delivered[f] === undefined) continue;
      points.push([(b.tMs - t0) / 1000, (bytes * 8) / ((b.tMs - a.tMs) / 1000) / 1e6]);
    }
    return { label: name, points };
  });
  return { cwnd, rate, xMax: (samples[samples.length - 1]!.tMs - t0) / 1000 };
}

/** One SVG per scenario: a row per controller, cwnd on the left, throughput on the right. */
function figure(file: string, title: string, flows: readonly string[], runs: readonly { cc: string; samples: readonly Sample[] }[]): void {
  const rowH = 150;
  const width = 900;
  const height = 40 + runs.length * (rowH + 40);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`);
  parts.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  parts.push(`<text x="10" y="20" font-size="14" font-weight="bold">${esc(title)}</text>`);
  runs.forEach((run, r) => {
    const y = 60 + r * (rowH + 40);
    const s = toSeries(run.samples, flows);
    parts.push(panel(60, y, 370, rowH, `${run.cc}: cwnd per path`, 'KB', s.cwnd, s.xMax));
    parts.push(panel(510, y, 370, rowH, `${run.cc}: throughput (500 ms)`, 'Mbit/s', s.rate, s.xMax));
  });
  parts.push('</svg>');
  writeFileSync(join(OUT, file), parts.join('\n') + '\n');
  console.log(`wrote docs/img/${file}`);
}

const NAMES: readonly CongestionControlName[] = CONGESTION_CONTROL_NAMES;

/** The four scenarios, each reduced to its figures (balance: the share in the 10 s, then in the 30 s after). */
const SCENARIOS = {
  shared: (cc: CongestionControlName, seed: number) => [sharedBottleneck(cc, seed).ratio],
  best: (cc: CongestionControlName, seed: number) => [noWorseThanBest(cc, seed).ratio],
  balance: (cc: CongestionControlName, seed: number) => {
    const r = balance(cc, seed, undefined, undefined, BALANCE_SETTLE_MS);
    return [r.shareOnPath2, r.settledShareOnPath2!];
  },
  pair: (cc: CongestionControlName, seed: number) => [twoCoupled(cc, seed).ratio],
} as const;
type Scenario = keyof typeof SCENARIOS;

/** Runs one scenario in a child process (this script with `--run`, under the same loader) and returns its figures. */
function runInChild(scenario: Scenario, cc: CongestionControlName, seed: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [...process.execArgv, SCRIPT, '--run', scenario, cc, String(seed)], (error, stdout) => {
      if (error !== null) return reject(error);
      // The figures are the child's last line, as JSON; anything else it printed is not a figure.
      let figures: unknown;
      try {
        figures = JSON.parse(stdout.trim().split('\n').pop() ?? '');
      } catch {
        figures = undefined;
      }
      if (Array.isArray(figures) && figures.length > 0 && figures.every((v) => Number.isFinite(v))) resolve(figures as number[]);
      else reject(new Error(`${scenario} ${cc} seed ${seed}: no figures in ${JSON.stringify(stdout)}`));
    });
  });
}

/** Runs `jobs` on at most `width` at once; results in the order of `jobs`. */
async function pool<T>(jobs: readonly (() => Promise<T>)[], width: number): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const i = next++;
      out[i] = await jobs[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, jobs.length) }, worker));
  return out;
}

function plots(): void {
  mkdirSync(OUT, { recursive: true });
  figure('cc-shared.svg', 'Shared 20 Mbit/s bottleneck: 2-path connection vs single-path (seed 1)', ['2-path', '1-path'], NAMES.map((cc) => ({ cc, samples: sharedBottleneck(cc, 1, PLOT_MS).samples })));
  figure('cc-best-path.svg', 'Disjoint 10 and 2 Mbit/s paths (seed 1)', ['2-path'], NAMES.map((cc) => ({ cc, samples: noWorseThanBest(cc, 1).samples })));
  figure('cc-balance.svg', 'Two 10 Mbit/s paths; a single-path flow joins path 1 at ~5 s (seed 1)', ['2-path', '1-path'], NAMES.map((cc) => ({ cc, samples: balance(cc, 1).samples })));
  figure('cc-two-coupled.svg', 'Two 2-path connections over the same two 10 Mbit/s paths (seed 1)', ['first', 'second'], NAMES.map((cc) => ({ cc, samples: twoCoupled(cc, 1, PLOT_MS).samples })));
}

/** The table: mean and range over seeds 1..SEEDS (balance: 1..BALANCE_SEEDS), then every seed. */
async function table(): Promise<void> {
  const seedsUpTo = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);
  const seedsOf = (scenario: Scenario): number[] => seedsUpTo(scenario === 'balance' ? BALANCE_SEEDS : SEEDS);
  const keys = NAMES.flatMap((cc) => (Object.keys(SCENARIOS) as Scenario[]).flatMap((scenario) => seedsOf(scenario).map((seed) => ({ cc, scenario, seed }))));
  const figures = await pool(
    keys.map((k) => () => runInChild(k.scenario, k.cc, k.seed)),
    availableParallelism(),
  );
  /** Figure `column` of `scenario` for `cc`, one per seed. */
  const of = (cc: CongestionControlName, scenario: Scenario, column = 0): number[] =>
    figures.flatMap((f, i) => (keys[i]!.cc === cc && keys[i]!.scenario === scenario ? [f[column]!] : []));
  const stat = (vals: number[], pct = false): string => {
    const f = (v: number): string => (pct ? `${(v * 100).toFixed(0)}%` : v.toFixed(2));
    const mean = vals.reduce((a, b) => a + b, 0) / vals.length;
    return `${f(mean)} (${f(Math.min(...vals))}-${f(Math.max(...vals))})`;
  };
  console.log(`\n| controller | shared bottleneck: 2-path / 1-path | best path: goodput / 10 Mbit/s alone | balance: share on path 2 in 10 s | balance: in the next 30 s | two coupled: first / second |`);
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const cc of NAMES) {
    console.log(`| ${cc} | ${stat(of(cc, 'shared'))} | ${stat(of(cc, 'best'), true)} | ${stat(of(cc, 'balance'), true)} | ${stat(of(cc, 'balance', 1), true)} | ${stat(of(cc, 'pair'))} |`);
  }
  console.log(`\n| controller | shared bottleneck, seeds 1-${SEEDS} | two connections, seeds 1-${SEEDS} | balance (share on path 2) in 10 s, seeds 1-${BALANCE_SEEDS} | balance in the next 30 s, seeds 1-${BALANCE_SEEDS} |`);
  console.log('| --- | --- | --- | --- | --- |');
  const percent = (v: number): string => `${(v * 100).toFixed(1)}%`;
  for (const cc of NAMES) {
    const cells = [of(cc, 'shared').map((v) => v.toFixed(3)), of(cc, 'pair').map((v) => v.toFixed(3)), of(cc, 'balance').map(percent), of(cc, 'balance', 1).map(percent)];
    console.log(`| ${cc} | ${cells.map((c) => c.join(' ')).join(' | ')} |`);
  }
}

const args = process.argv.slice(2);
if (args[0] === '--run') {
  const [, scenario = '', cc = '', seed = ''] = args;
  if (!(scenario in SCENARIOS) || !isCongestionControlName(cc) || !(Number(seed) >= 1)) {
    throw new Error(`usage: cc-plots.ts --run ${Object.keys(SCENARIOS).join('|')} ${NAMES.join('|')} SEED`);
  }
  console.log(JSON.stringify(SCENARIOS[scenario as Scenario](cc, Number(seed))));
} else {
  if (process.env.CC_PLOTS !== '0') plots();
  if (SEEDS > 0) await table();
}
