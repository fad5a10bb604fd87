/**
 * Integrity at scale: the seeded simulator scenarios of test/core/integrity.test.ts and
 * test/core/path-failures-integrity.test.ts on many seeds, in parallel across the cores. Each seed runs
 * a 1 MB transfer at 0, 1, 5 and 10% random loss with 2% reordering and 1% duplication (both
 * directions of a 20 Mbit/s, 40 ms RTT link), which must arrive intact within three times the Mathis
 * bound (no stall), and 2 MB over two paths that go dark and come back at random, which must arrive
 * intact with the connection still established. Any failure is listed with its seed and the exit code
 * is 1. The null packet protection stands in for the AEAD (test/support/null-provider.ts).
 *
 * Run: npm run test:integrity  (INTEGRITY_SEEDS=N for another count, default 1000)
 */
import { fork } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { nullProvider } from '../test/support/null-provider.js';
import { runPathFailureSeed } from '../test/support/path-failure-run.js';
import { sweepBoundMs, sweepLink, transfer } from '../test/support/scenarios.js';

const MB = 1_000_000;
const LOSS_RATES = [0, 0.01, 0.05, 0.1] as const;

/** One scenario of one seed. */
interface Outcome {
  readonly seed: number;
  readonly scenario: string;
  readonly ok: boolean;
  readonly ms: number;
  readonly detail: string;
}

function runSeed(seed: number): Outcome[] {
  const out: Outcome[] = [];
  for (const lossRate of LOSS_RATES) {
    const bound = sweepBoundMs(MB, lossRate);
    const scenario = `1 MB at ${lossRate * 100}% loss`;
    try {
      const r = transfer({ seed, link: sweepLink(lossRate), bytes: MB, limitMs: bound, provider: nullProvider });
      out.push({ seed, scenario, ok: r.intact && r.ms <= bound, ms: r.ms, detail: r.intact ? `${r.ms.toFixed(0)} ms, bound ${bound.toFixed(0)} ms` : 'bytes differ' });
    } catch (error) {
      out.push({ seed, scenario, ok: false, ms: Number.NaN, detail: `did not finish: ${(error as Error).message}` });
    }
  }
  try {
    const r = runPathFailureSeed(seed);
    out.push({ seed, scenario: '2 MB under path outages', ok: r.intact && r.established, ms: r.ms, detail: r.intact ? (r.established ? `${r.ms.toFixed(0)} ms` : 'connection closed') : 'bytes differ' });
  } catch (error) {
    out.push({ seed, scenario: '2 MB under path outages', ok: false, ms: Number.NaN, detail: `did not finish: ${(error as Error).message}` });
  }
  return out;
}

if (process.argv[2] === '--worker') {
  // A worker: seeds from..to, one message per seed.
  const from = Number(process.argv[3]);
  const to = Number(process.argv[4]);
  for (let seed = from; seed <= to; seed++) process.send!(runSeed(seed));
  process.disconnect();
} else {
  const seeds = Number(process.env.INTEGRITY_SEEDS ?? 1000);
  if (!Number.isInteger(seeds) || seeds < 1) throw new Error(`INTEGRITY_SEEDS must be a positive integer, got ${process.env.INTEGRITY_SEEDS}`);
  const workers = Math.min(availableParallelism(), seeds);
  const started = performance.now();
  const outcomes: Outcome[] = [];
  let done = 0;
  const per = Math.ceil(seeds / workers);
  await Promise.all(
    Array.from({ length: workers }, (_, w) => {
      const from = 1 + w * per;
      const to = Math.min(seeds, from + per - 1);
      if (from > to) return Promise.resolve();
      const child = fork(fileURLToPath(import.meta.url), ['--worker', String(from), String(to)]);
      child.on('message', (batch: Outcome[]) => {
        outcomes.push(...batch);
        if (++done % 100 === 0) process.stdout.write(`${done} of ${seeds} seeds\n`);
      });
      return new Promise<void>((resolve, reject) =>
        child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`worker for seeds ${from}-${to} exited with ${code}`)))),
      );
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const failures = outcomes.filter((o) => !o.ok);
  const scenarios = [...new Set(outcomes.map((o) => o.scenario))];
  process.stdout.write(`\n${seeds} seeds in ${seconds.toFixed(0)} s on ${workers} processes\n`);
  for (const scenario of scenarios) {
    const runs = outcomes.filter((o) => o.scenario === scenario);
    const times = runs.map((o) => o.ms).filter((ms) => Number.isFinite(ms)).sort((a, b) => a - b);
    const intact = runs.filter((o) => o.ok).length;
    process.stdout.write(
      `  ${scenario.padEnd(26)} ${intact}/${runs.length} intact and on time; completion median ${times[times.length >> 1]?.toFixed(0)} ms, worst ${times[times.length - 1]?.toFixed(0)} ms (virtual)\n`,
    );
  }
  for (const f of failures) process.stdout.write(`FAILED seed ${f.seed}, ${f.scenario}: ${f.detail}\n`);
  process.exitCode = failures.length === 0 && outcomes.length === seeds * (LOSS_RATES.length + 1) ? 0 : 1;
}
