/**
 * npm run test:node-net: our rewrites of Node v20.11.1's test/parallel/test-net-*.js
 * (test/node-net/cases) run against node:net (MODE=net) and against mpt (MODE=mpt),
 * each test a child process, two at a time, each with a timeout (a hang fails).
 *
 * Fails (exit 1) when a test fails against node:net (the rewrite is wrong), when an
 * mpt failure is not listed in test/node-net/known-failures.json, when a listed one
 * passes (the list must stay exact), or when mpt passes fewer than 90% of the tests.
 *
 * The cases are bundled first with esbuild (one chunk of mpt shared by all) into
 * test/node-net/.build, so that each child is a plain `node` start: under tsx each paid
 * ~0.5 s of loader and transpiling, two thirds of the run.
 *
 * NODE_NET_FILTER=substring runs only the matching tests; NODE_NET_MODES=mpt (or net)
 * only that mode (then the summary checks only that mode); NODE_NET_TIMEOUT_MS the
 * per-test timeout (default 10 000).
 */
import { spawn } from 'node:child_process';
import { build } from 'esbuild';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CASES = join(ROOT, 'test/node-net/cases');
const KNOWN = join(ROOT, 'test/node-net/known-failures.json');
const BUILD = join(ROOT, 'test/node-net/.build');
const TIMEOUT_MS = Number(process.env.NODE_NET_TIMEOUT_MS ?? 10_000);
const PARALLEL = 2;
const THRESHOLD = 0.9;

type Mode = 'net' | 'mpt';
interface Outcome {
  ok: boolean;
  why: string;
  ms: number;
}

const filter = process.env.NODE_NET_FILTER ?? '';
const modes: Mode[] = process.env.NODE_NET_MODES === 'net' ? ['net'] : process.env.NODE_NET_MODES === 'mpt' ? ['mpt'] : ['net', 'mpt'];
const tests = readdirSync(CASES)
  .filter((f) => /^test-net-.*\.(ts|mjs)$/.test(f) && f.includes(filter))
  .sort();
const known = JSON.parse(readFileSync(KNOWN, 'utf8')) as Record<string, string>;

function run(file: string, mode: Mode): Promise<Outcome> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--enable-source-maps', join(BUILD, file.replace(/\.(ts|mjs)$/, '.mjs'))], {
      cwd: ROOT,
      env: { ...process.env, MODE: mode },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group, so that a hang is killed with everything it started
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch {
        // already gone
      }
    }, TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const ms = Date.now() - started;
      if (timedOut) resolve({ ok: false, why: `timeout: no exit within ${TIMEOUT_MS} ms`, ms });
      else if (code === 0) resolve({ ok: true, why: '', ms });
      else resolve({ ok: false, why: firstError(output) || `exit ${String(code ?? signal)}`, ms });
    });
  });
}

/** The line that says what failed: an assertion's or error's message, or a call-count mismatch. */
function firstError(output: string): string {
  const lines = output.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const line =
    lines.find((l) => /^(AssertionError|TypeError|RangeError|Error|MptError|AbortError|\w+Error)\b.*:/.test(l) || l.startsWith('Mismatched')) ??
    lines.find((l) => /error/i.test(l)) ??
    lines[0] ??
    '';
  return line.length > 240 ? `${line.slice(0, 237)}...` : line;
}

/** Bundles every case (and the shim, common.ts and mpt's sources) into BUILD; packages stay imports. */
async function bundle(): Promise<void> {
  rmSync(BUILD, { recursive: true, force: true });
  await build({
    entryPoints: tests.map((t) => join(CASES, t)),
    outdir: BUILD,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    logLevel: 'error',
  });
}

async function main(): Promise<void> {
  const started = Date.now();
  await bundle();
  const results = new Map<string, Partial<Record<Mode, Outcome>>>();
  const jobs = tests.flatMap((t) => modes.map((m) => [t, m] as const));
  let next = 0;
  const printed = new Set<string>();
  const report = (t: string): void => {
    const r = results.get(t) ?? {};
    if (printed.has(t) || modes.some((m) => r[m] === undefined)) return;
    printed.add(t);
    const cols = modes.map((m) => {
      const o = r[m] as Outcome;
      return `${m === 'net' ? 'node:net' : 'mpt'} ${o.ok ? 'pass' : 'FAIL'} ${`${o.ms}ms`.padStart(7)}`;
    });
    const why = modes.map((m) => r[m] as Outcome).filter((o) => !o.ok).map((o) => o.why);
    console.log(`${t.replace(/\.(ts|mjs)$/, '').padEnd(52)} ${cols.join('  ')}${why.length > 0 ? `  ${why.join(' | ')}` : ''}`);
  };
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const [t, m] = jobs[next++] as readonly [string, Mode];
      const o = await run(t, m);
      results.set(t, { ...results.get(t), [m]: o });
      report(t);
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));

  const name = (t: string): string => t.replace(/\.(ts|mjs)$/, '');
  const total = tests.length;
  const passes = (m: Mode): string[] => tests.filter((t) => results.get(t)?.[m]?.ok === true);
  const problems: string[] = [];
  const summary: string[] = [];
  if (modes.includes('net')) {
    const p = passes('net');
    summary.push(`node:net ${p.length}/${total}`);
    for (const t of tests) if (!p.includes(t)) problems.push(`${name(t)} fails against node:net: the rewrite is wrong`);
  }
  if (modes.includes('mpt')) {
    const p = passes('mpt');
    summary.push(`mpt ${p.length}/${total}`);
    for (const t of tests) {
      const ok = p.includes(t);
      if (!ok && known[name(t)] === undefined) problems.push(`${name(t)} fails against mpt and is not in known-failures.json`);
      if (ok && known[name(t)] !== undefined) problems.push(`${name(t)} passes against mpt but is listed in known-failures.json: remove it`);
    }
    for (const k of Object.keys(known)) if (!tests.some((t) => name(t) === k) && filter === '') problems.push(`known-failures.json lists ${k}, which is no test`);
    const share = total === 0 ? 0 : p.length / total;
    const line = `mpt passes ${(share * 100).toFixed(1)}% of ${total} (threshold ${THRESHOLD * 100}%): ${share >= THRESHOLD ? 'ok' : 'BELOW'}`;
    console.log(line);
    if (share < THRESHOLD) problems.push(line);
  }
  console.log(`\n${summary.join(', ')}  (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  if (problems.length > 0) {
    console.log(`\n${problems.length} problem(s):`);
    for (const p of problems) console.log(`  - ${p}`);
    process.exitCode = 1;
  }
}

await main();
