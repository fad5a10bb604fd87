/**
 * Single-path goodput on loopback between two processes: mpt (with the
 * datagram size capped at an Ethernet MTU, and with PMTU discovery free to
 * reach 64 KiB), side by side in the same run with kernel TCP through
 * node:net, raw node:dgram (no reliability: what arrives, and the loss) and
 * udx-native where installed. Medians of several runs; a table, ratios to
 * TCP, and bench/results/throughput.json.
 *
 * Run: npm run bench:throughput [-- --mib 200 --runs 5 --kinds tcp,mpt-1500]
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createInterface } from 'node:readline';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    mib: { type: 'string', default: '200' },
    runs: { type: 'string', default: '5' },
    kinds: { type: 'string', default: 'tcp,dgram,udx,mpt-1500,mpt-pmtud' },
    timeout: { type: 'string', default: '120' },
  },
});
const bytes = Math.round(Number(values.mib) * 1024 * 1024);
const runs = Number(values.runs);
const timeoutMs = Number(values.timeout) * 1000;

interface RunResult {
  readonly mbitPerS: number;
  readonly lossPct?: number;
}

function worker(role: 'receive' | 'send', kind: string, port?: number): ChildProcessWithoutNullStreams {
  const args = ['--import', 'tsx', join(here, 'throughput-worker.ts'), role, kind, String(bytes)];
  if (port !== undefined) args.push(String(port));
  return spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
}

function lines(child: ChildProcessWithoutNullStreams): AsyncIterator<string> {
  return createInterface({ input: child.stdout })[Symbol.asyncIterator]();
}

async function nextJson(it: AsyncIterator<string>): Promise<Record<string, unknown>> {
  const { value, done } = await it.next();
  if (done === true) throw new Error('worker exited early');
  return JSON.parse(value as string) as Record<string, unknown>;
}

async function once(kind: string): Promise<RunResult> {
  const receiver = worker('receive', kind);
  const stderr: string[] = [];
  receiver.stderr.on('data', (b: Buffer) => stderr.push(b.toString()));
  const fromReceiver = lines(receiver);
  const hello = await nextJson(fromReceiver);
  const sender = worker('send', kind, Number(hello.port));
  sender.stderr.on('data', (b: Buffer) => stderr.push(b.toString()));
  if (kind === 'udx') {
    const senderHello = await nextJson(lines(sender));
    receiver.stdin.write(`${JSON.stringify({ peerPort: senderHello.port })}\n`);
    sender.stdin.write(`${JSON.stringify({ peerPort: hello.port })}\n`);
  } else if (kind.startsWith('mpt')) {
    sender.stdin.write(`${JSON.stringify({ key: hello.key })}\n`);
  }
  const timer = setTimeout(() => {
    receiver.kill();
    sender.kill();
  }, timeoutMs);
  try {
    const result = await nextJson(fromReceiver);
    const mbitPerS = (Number(result.bytes) * 8) / (Number(result.ms) / 1000) / 1e6;
    return result.lossPct === undefined ? { mbitPerS } : { mbitPerS, lossPct: Number(result.lossPct) };
  } catch (error) {
    throw new Error(`${kind}: ${String(error)} ${stderr.join('').slice(0, 500)}`);
  } finally {
    clearTimeout(timer);
    receiver.kill();
    sender.kill();
  }
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

async function main(): Promise<void> {
  const kinds = (values.kinds ?? '').split(',').filter((k) => k !== '');
  const results: Record<string, { runsMbitPerS: number[]; medianMbitPerS: number; medianLossPct?: number; error?: string }> = {};
  for (const kind of kinds) {
    const got: RunResult[] = [];
    try {
      for (let i = 0; i < runs; i++) got.push(await once(kind));
      const losses = got.map((r) => r.lossPct).filter((l): l is number => l !== undefined);
      results[kind] = {
        runsMbitPerS: got.map((r) => r.mbitPerS),
        medianMbitPerS: median(got.map((r) => r.mbitPerS)),
        ...(losses.length > 0 ? { medianLossPct: median(losses) } : {}),
      };
    } catch (error) {
      results[kind] = { runsMbitPerS: [], medianMbitPerS: Number.NaN, error: String(error) };
    }
  }
  const tcp = results.tcp?.medianMbitPerS ?? Number.NaN;
  console.log(`\n${(bytes / 1048576).toFixed(0)} MiB one way over loopback, two processes, median of ${runs} runs`);
  console.log(`${'transport'.padEnd(16)}${'Mbit/s'.padStart(10)}${'x TCP'.padStart(8)}${'loss %'.padStart(9)}`);
  for (const [kind, r] of Object.entries(results)) {
    const ratio = Number.isFinite(tcp) ? (r.medianMbitPerS / tcp).toFixed(2) : '-';
    const loss = r.medianLossPct === undefined ? '' : r.medianLossPct.toFixed(1);
    console.log(`${kind.padEnd(16)}${(r.error ? 'failed' : r.medianMbitPerS.toFixed(0)).padStart(10)}${ratio.padStart(8)}${loss.padStart(9)}${r.error ? `  ${r.error.slice(0, 120)}` : ''}`);
  }
  const out = join(here, 'results');
  mkdirSync(out, { recursive: true });
  const report = { bytes, runs, cpu: cpus()[0]?.model, node: process.version, results };
  writeFileSync(join(out, 'throughput.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.log('\nwrote bench/results/throughput.json');
}

await main();
