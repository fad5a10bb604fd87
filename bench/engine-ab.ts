/**
 * The engine's CPU time on a simulator scenario against another checkout's, in one process: both
 * trees' test/support/cc-scenarios.ts are imported, warmed, and run alternately (A B, B A, ...), so a
 * slower or faster spell of a shared machine hits both alike. Reports each run's CPU seconds, the
 * median of the per-pair ratios (this tree / the other) and the ratio of the minima. Both runs of a
 * pair must give the same result (the scenario is deterministic); a difference is reported.
 *
 * Scenarios (test/support/cc-scenarios.ts): `shared` (sharedBottleneck, a 2-path and a 1-path
 * connection at one 20 Mbit/s link) and `two` (twoCoupled, two 2-path connections over the same paths).
 *
 * Run: npm run bench:engine-ab -- --base ../other-checkout [--scenario shared|two] [--cc lia]
 *      [--seconds 100] [--pairs 8]
 * (`--single-threaded` keeps the garbage collector on the measured thread: steadier CPU figures.)
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    base: { type: 'string' },
    scenario: { type: 'string', default: 'shared' },
    cc: { type: 'string', default: 'lia' },
    seconds: { type: 'string', default: '100' },
    pairs: { type: 'string', default: '8' },
  },
});
if (values.base === undefined) {
  process.stderr.write('engine-ab: --base <checkout of the other tree> is required\n');
  process.exit(2);
}
const scenario = values.scenario;
if (scenario !== 'shared' && scenario !== 'two') {
  process.stderr.write(`engine-ab: --scenario is shared or two, not ${scenario}\n`);
  process.exit(2);
}
const durationMs = Number(values.seconds) * 1000;
const pairs = Number(values.pairs);

type Scenarios = typeof import('../test/support/cc-scenarios.js');
const other = (await import(resolve(values.base, 'test/support/cc-scenarios.ts'))) as Scenarios;
const here = (await import('../test/support/cc-scenarios.js')) as Scenarios;
const cc = values.cc as Parameters<Scenarios['sharedBottleneck']>[0];

function run(tree: Scenarios): { cpuS: number; ratio: number } {
  const start = process.cpuUsage();
  const result = scenario === 'shared' ? tree.sharedBottleneck(cc, 1, durationMs) : tree.twoCoupled(cc, 1, durationMs);
  const used = process.cpuUsage(start);
  return { cpuS: (used.user + used.system) / 1e6, ratio: result.ratio };
}

run(other);
run(here);
const otherS: number[] = [];
const hereS: number[] = [];
const ratios: number[] = [];
for (let i = 0; i < pairs; i++) {
  const first = i % 2 === 0 ? run(other) : run(here);
  const second = i % 2 === 0 ? run(here) : run(other);
  const [a, b] = i % 2 === 0 ? [first, second] : [second, first];
  if (a.ratio !== b.ratio) process.stdout.write(`note: the two trees' scenarios differ (ratio ${a.ratio} vs ${b.ratio})\n`);
  otherS.push(a.cpuS);
  hereS.push(b.cpuS);
  ratios.push(b.cpuS / a.cpuS);
}
const median = (xs: readonly number[]): number => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)] as number;
const fmt = (xs: readonly number[]): string => xs.map((x) => x.toFixed(2)).join(' ');
process.stdout.write(
  `${scenario} (${cc}, ${values.seconds} s virtual), CPU s per run\n` +
    `  other tree: ${fmt(otherS)}\n  this tree:  ${fmt(hereS)}\n` +
    `this / other: median of pairs ${median(ratios).toFixed(3)}, ratio of minima ${(Math.min(...hereS) / Math.min(...otherS)).toFixed(3)}\n`,
);
