/**
 * Soak (issue #16): connections opened, used with random sizes, paths added and killed, closed in every
 * way, continuously, in one process, for MPT_SOAK_SECONDS (default 3600); every byte checked; at every
 * pause (MPT_SOAK_SAMPLE_SECONDS, default 60) the heap after GC, memory outside it, file descriptors,
 * handles and timers, the server's per-connection tables and the sockets not yet collected are sampled.
 * Fails (exit 1) on a byte that differs or is missing, an unexpected error, anything per connection left
 * at a pause, descriptors, handles or timers not back to where they were, or a heap that grows over the
 * second half of the run. The workload is test/support/soak/workload.ts; test/e2e/soak.test.ts runs a
 * short form of it in `npm test`.
 *
 * Run: npm run soak  (MPT_SOAK_SECONDS=300 for five minutes; MPT_SOAK_SEED, MPT_SOAK_BYTES_PER_SECOND,
 * MPT_SOAK_CONCURRENCY, MPT_SOAK_SAMPLE_SECONDS to change the rest). Writes bench/results/soak.json
 * (MPT_SOAK_JSON for another file).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HEAP_NOISE_BYTES, HEAP_SLOPE_LIMIT_PER_HOUR, runSoak, type SoakOptions } from '../test/support/soak/workload.js';

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got ${raw}`);
  return value;
}

const seconds = envNumber('MPT_SOAK_SECONDS', 3600);
const options: SoakOptions = {
  durationMs: seconds * 1000,
  sampleEveryMs: envNumber('MPT_SOAK_SAMPLE_SECONDS', seconds >= 600 ? 60 : 20) * 1000,
  concurrency: envNumber('MPT_SOAK_CONCURRENCY', 20),
  // About a third of a core on the 2-core machines this runs on (encryption, both ends in one process).
  bytesPerSecond: envNumber('MPT_SOAK_BYTES_PER_SECOND', 3_000_000),
  opensPerSecond: 10,
  maxBytes: 4 * 1024 * 1024,
  seed: envNumber('MPT_SOAK_SEED', 1),
  replaceServerEvery: 3,
  drainLimitMs: 30_000,
  log: (line) => console.log(line),
};

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(2)} MB`;
console.log(
  `soak: ${seconds} s, a pause and sample every ${options.sampleEveryMs / 1000} s, at most ${options.concurrency} connections, ` +
    `${(options.bytesPerSecond / 1e6).toFixed(1)} MB/s offered, up to ${mb(options.maxBytes)} each way, seed ${options.seed}`,
);
const report = await runSoak(options);

const trend = (name: string, t: (typeof report.trends)['heapUsed'], unit: (n: number) => string): string =>
  `  ${name.padEnd(16)} ${unit(t.overWindow).padStart(10)} over the last ${t.windowS.toFixed(0)} s (${t.points} samples), ${unit(t.perHour)}/h`;
const first = report.samples[0];
const last = report.samples[report.samples.length - 1];
console.log(
  [
    '',
    `soak ${report.failures.length === 0 ? 'PASSED' : 'FAILED'}: ${report.connections} connections in ${report.elapsedS.toFixed(0)} s, ` +
      `${(report.bytesUp / 1e6).toFixed(1)} MB up and ${(report.bytesDown / 1e6).toFixed(1)} MB down received, every byte checked; CPU ${report.cpuPercent.toFixed(0)}% of one core`,
    `  by close: ${JSON.stringify(report.byClose)}`,
    `  by paths: ${JSON.stringify(report.byPaths)}; paths beyond the first: ${report.pathsUp} up, ${report.pathsDown} down, ${report.pathsClosed} closed; servers closed ${report.serversClosed}; headless server sockets ${report.headless}`,
    `  errors (expected ones): ${JSON.stringify(report.errors)}`,
    `  before: heap ${mb(report.initial.heapUsed)}, fds ${report.initial.fds}, ${JSON.stringify(report.initial.resources)}`,
    first === undefined ? '' : `  first pause (baseline): heap ${mb(first.heapUsed)}, ext ${mb(first.external)}, fds ${first.fds}, ${JSON.stringify(first.resources)}`,
    last === undefined ? '' : `  last pause: heap ${mb(last.heapUsed)}, ext ${mb(last.external)}, fds ${last.fds}, ${JSON.stringify(last.resources)}, tables ${JSON.stringify(last.tables)}`,
    `  after: heap ${mb(report.final.heapUsed)}, fds ${report.final.fds}, ${JSON.stringify(report.final.resources)}, alive ${JSON.stringify(report.final.alive)}`,
    `  trends (least squares over the second half; heap limit ${mb(HEAP_NOISE_BYTES)} + ${mb(HEAP_SLOPE_LIMIT_PER_HOUR)}/h):`,
    trend('heap after GC', report.trends.heapUsed, mb),
    trend('external', report.trends.external, mb),
    trend('rss (reported)', report.trends.rss, mb),
    trend('fds', report.trends.fds, (n) => n.toFixed(2)),
    ...report.failures.slice(0, 50).map((f) => `  FAIL ${f}`),
  ].join('\n'),
);

const out = process.env.MPT_SOAK_JSON ?? fileURLToPath(new URL('../bench/results/soak.json', import.meta.url));
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify({ date: new Date().toISOString(), node: process.version, ...report }, null, 2)}\n`);
console.log(`wrote ${out}`);
process.exit(report.failures.length === 0 ? 0 : 1);
