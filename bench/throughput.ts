/**
 * Single-path goodput on loopback between two processes: mpt (with the
 * datagram size capped at an Ethernet MTU, and with PMTU discovery free to
 * reach 64 KiB), side by side in the same run with kernel TCP through
 * node:net, raw node:dgram (no reliability: what arrives, and the loss) and
 * udx-native where installed. The kinds run interleaved (A B C A B C ...), so
 * drift over the run hits all of them alike. For each: the median goodput
 * and its min-max, and the CPU both processes spent per GiB delivered
 * (process.cpuUsage from the transfer's start to its end in each, startup
 * left out); ratios to raw node:dgram and udx-native; and
 * bench/results/throughput.json.
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
  /** Both processes' CPU seconds per GiB delivered. */
  readonly cpuSecondsPerGiB: number;
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
  const fromSender = lines(sender);
  if (kind === 'udx') {
    const senderHello = await nextJson(fromSender);
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
    const [result, sent] = await Promise.all([nextJson(fromReceiver), nextJson(fromSender)]);
    const delivered = Number(result.bytes);
    const mbitPerS = (delivered * 8) / (Number(result.ms) / 1000) / 1e6;
    const cpuSecondsPerGiB = (Number(result.cpuMs) + Number(sent.cpuMs)) / 1000 / (delivered / 2 ** 30);
    return result.lossPct === undefined ? { mbitPerS, cpuSecondsPerGiB } : { mbitPerS, lossPct: Number(result.lossPct), cpuSecondsPerGiB };
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

interface KindResult {
  runsMbitPerS: number[];
  runsCpuSecondsPerGiB: number[];
  medianMbitPerS: number;
  minMbitPerS: number;
  maxMbitPerS: number;
  medianCpuSecondsPerGiB: number;
  medianLossPct?: number;
  error?: string;
}

async function main(): Promise<void> {
  const kinds = (values.kinds ?? '').split(',').filter((k) => k !== '');
  const got = new Map<string, RunResult[]>(kinds.map((k) => [k, []]));
  const failed = new Map<string, string>();
  // Interleaved: run i of every kind before run i + 1 of any.
  for (let i = 0; i < runs; i++) {
    for (const kind of kinds) {
      if (failed.has(kind)) continue;
      try {
        got.get(kind)!.push(await once(kind));
      } catch (error) {
        failed.set(kind, String(error));
      }
    }
  }
  const results: Record<string, KindResult> = {};
  for (const kind of kinds) {
    const list = got.get(kind)!;
    const rates = list.map((r) => r.mbitPerS);
    const cpu = list.map((r) => r.cpuSecondsPerGiB);
    const losses = list.map((r) => r.lossPct).filter((l): l is number => l !== undefined);
    const error = failed.get(kind);
    results[kind] = {
      runsMbitPerS: rates,
      runsCpuSecondsPerGiB: cpu,
      medianMbitPerS: rates.length > 0 ? median(rates) : Number.NaN,
      minMbitPerS: Math.min(...rates),
      maxMbitPerS: Math.max(...rates),
      medianCpuSecondsPerGiB: cpu.length > 0 ? median(cpu) : Number.NaN,
      ...(losses.length > 0 ? { medianLossPct: median(losses) } : {}),
      ...(error !== undefined ? { error } : {}),
    };
  }
  const ratio = (x: number, base: number | undefined): string => (base !== undefined && Number.isFinite(base) && Number.isFinite(x) ? (x / base).toFixed(2) : '-');
  const dgram = results.dgram;
  const udx = results.udx;
  console.log(`\n${(bytes / 1048576).toFixed(0)} MiB one way over loopback, two processes, ${runs} runs of each kind interleaved; medians (min-max)`);
  console.log(
    `${'transport'.padEnd(12)}${'Mbit/s'.padStart(8)}${'min-max'.padStart(12)}${'loss %'.padStart(8)}${'CPU s/GiB'.padStart(11)}` +
      `${'rate x dgram'.padStart(14)}${'rate x udx'.padStart(12)}${'CPU x udx'.padStart(11)}`,
  );
  for (const [kind, r] of Object.entries(results)) {
    if (r.runsMbitPerS.length === 0) {
      console.log(`${kind.padEnd(12)}${'failed'.padStart(8)}  ${(r.error ?? '').slice(0, 120)}`);
      continue;
    }
    const range = `${r.minMbitPerS.toFixed(0)}-${r.maxMbitPerS.toFixed(0)}`;
    const loss = r.medianLossPct === undefined ? '' : r.medianLossPct.toFixed(1);
    console.log(
      `${kind.padEnd(12)}${r.medianMbitPerS.toFixed(0).padStart(8)}${range.padStart(12)}${loss.padStart(8)}${r.medianCpuSecondsPerGiB.toFixed(2).padStart(11)}` +
        `${ratio(r.medianMbitPerS, dgram?.medianMbitPerS).padStart(14)}${ratio(r.medianMbitPerS, udx?.medianMbitPerS).padStart(12)}${ratio(r.medianCpuSecondsPerGiB, udx?.medianCpuSecondsPerGiB).padStart(11)}` +
        (r.error !== undefined ? `  (a run failed: ${r.error.slice(0, 80)})` : ''),
    );
  }
  console.log('(dgram: raw datagrams, no reliability: its rate is what arrived, its CPU per GiB what arrived)');
  const out = join(here, 'results');
  mkdirSync(out, { recursive: true });
  const report = { bytes, runs, interleaved: true, cpu: cpus()[0]?.model, cores: cpus().length, node: process.version, results };
  writeFileSync(join(out, 'throughput.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.log('\nwrote bench/results/throughput.json');
}

await main();
