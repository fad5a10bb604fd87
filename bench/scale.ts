/**
 * Server scale: one server process, N client connections from other processes (each client process from
 * its own 127.0.0.x), in three phases per N, for mpt and for node:net TCP as the baseline:
 *
 * 1. Handshakes: the client processes open N connections as fast as the server takes them (`--concurrency`
 *    handshakes in flight per client process). mpt twice, Noise XX (no pinned key; `verifyServerKey`
 *    accepts the server's) then Noise IK (`serverKey` pinned); the XX connections are closed before the IK
 *    ones open. Reported: the server's accepts per second (the median over the whole seconds from its first
 *    accept to its last, and the mean), the server's and the clients' CPU time per handshake
 *    (process.cpuUsage over the phase over the connections), and from a CPU profile of the server over the
 *    phase the share of its busy time under the key exchange (X25519) and under the Noise handshake.
 * 2. Idle: with the N IK connections held, the server's CPU time per second over `--window` s of idle time
 *    (defaults in effect: a client liveness PING every 10 s per connection), then a profile of up to 10 s more, and
 *    memory per idle connection (heap + external + ArrayBuffers after gc, minus the same before any
 *    connection, over N).
 * 3. Bulk under idle load: one more connection sends `--mib` MiB to the same server process (mpt at
 *    1452-byte datagrams, as bench/throughput.ts's mpt-1500), `--runs` times before the N open, with the N
 *    idle, and after they closed; goodput (at the server, first byte to end) with N idle over the median
 *    of before and after. With the N idle, each transfer alternates with one to a second, empty server
 *    process (the interleaved ratio: the same moment's load on the machine, the idle clients' included);
 *    one more transfer with the N idle is profiled (not counted).
 *
 * The server is made with `maxConnections` 2N + 64 (the default 10,000 would refuse the bulk connection
 * beside 10,000 idle ones, and the XX phase's connections still count while they finish closing). Every process is started with its open-file limit raised (bench/worker-process.ts).
 * The must-show targets of issue #17 are checked at N >= 10,000 and printed met / not met.
 *
 * Run: npm run bench:scale [-- --counts 1000,10000 --clients 4 --concurrency 64 --window 20 --mib 200
 *   --runs 3 --kinds mpt,tcp --modes xx,ik --variants src,build --profile on --json]
 * `--build` is `--variants build`: the built package (run `npm run build` first) instead of the sources
 * under tsx. Writes bench/results/scale.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { ProfileSummary } from './cpu-profile.js';
import { printReport, type BulkResult, type HandshakeResult, type IdleResult, type ScaleReport, type ScaleRow } from './scale-report.js';
import { WorkerProcess } from './worker-process.js';

const here = dirname(fileURLToPath(import.meta.url));
const WORKER = join(here, 'scale-worker.ts');
const { values } = parseArgs({
  options: {
    counts: { type: 'string', default: '1000,10000' },
    clients: { type: 'string', default: '4' },
    concurrency: { type: 'string', default: '64' },
    window: { type: 'string', default: '20' },
    settle: { type: 'string', default: '3' },
    setup: { type: 'string', default: '600' },
    mib: { type: 'string', default: '200' },
    runs: { type: 'string', default: '3' },
    kinds: { type: 'string', default: 'mpt,tcp' },
    modes: { type: 'string', default: 'xx,ik' },
    variants: { type: 'string', default: 'src' },
    build: { type: 'boolean', default: false },
    profile: { type: 'string', default: 'on' },
    json: { type: 'boolean', default: false },
  },
});
const counts = String(values.counts).split(',').map(Number);
const clientProcesses = Number(values.clients);
const concurrency = Number(values.concurrency);
const windowMs = Number(values.window) * 1000;
const settleMs = Number(values.settle) * 1000;
const bulkBytes = Math.round(Number(values.mib) * 1024 * 1024);
const runs = Number(values.runs);
const kinds = String(values.kinds).split(',').filter((k) => k === 'mpt' || k === 'tcp');
const variants = values.build ? ['build'] : String(values.variants).split(',').filter((v) => v === 'src' || v === 'build');
const profile = values.profile !== 'off';
/** mpt's handshake phases; the last one's connections are held for the idle and bulk phases. */
const mptModes = String(values.modes).split(',').filter((m) => m === 'xx' || m === 'ik');
/** The profiled idle window (after the measured one), ms at most. */
const PROFILE_WINDOW_MS = 10_000;
/** How long a bulk transfer may take. */
const BULK_TIMEOUT_MS = 180_000;

interface Memory {
  readonly heapUsed: number;
  readonly external: number;
  readonly arrayBuffers: number;
  readonly rss: number;
}

interface Collected {
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly eventLoopUtilization: number;
  readonly accepted: number;
  readonly acceptSpanMs: number;
  readonly acceptsPerSecond: readonly number[];
  readonly open: number;
  readonly profile?: ProfileSummary;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

function bytesOf(m: Memory): number {
  return m.heapUsed + m.external + m.arrayBuffers;
}

function log(text: string): void {
  if (!values.json) process.stderr.write(`${text}\n`);
}

/** One bench process in `variant` (src or build). */
function start(variant: string, args: readonly string[]): WorkerProcess {
  return new WorkerProcess(WORKER, args, { MPT_BENCH_BUILD: variant === 'build' ? '1' : '0' });
}

/** Polls the server until it holds `want` connections (or `giveMs` passed); returns what it holds. */
async function waitOpen(server: WorkerProcess, want: number, giveMs: number): Promise<number> {
  let open = -1;
  for (const give = performance.now() + giveMs; performance.now() < give; await sleep(250)) {
    server.send({ cmd: 'count' });
    open = (await server.next<{ open: number }>('count')).open;
    if (open === want) break;
  }
  return open;
}

/** One bulk transfer to the server; goodput in Mbit/s at the server, or NaN when it failed. */
async function bulkOnce(variant: string, kind: string, server: WorkerProcess, port: number, key: string): Promise<number> {
  const sender = start(variant, ['bulk', kind, String(port), key, String(bulkBytes)]);
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('bulk transfer timed out')), BULK_TIMEOUT_MS);
    });
    const [got] = await Promise.race([Promise.all([server.next<{ bytes: number; ms: number }>('bulk'), sender.next('sent')]), timeout]);
    return (got.bytes * 8) / (got.ms / 1000) / 1e6;
  } catch (error) {
    log(`  bulk failed: ${String(error).slice(0, 300)}`);
    return Number.NaN;
  } finally {
    clearTimeout(timer);
    sender.stop();
    await sender.exited();
  }
}

async function bulkRuns(variant: string, kind: string, server: WorkerProcess, port: number, key: string, label: string): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) out.push(await bulkOnce(variant, kind, server, port, key));
  log(`  bulk ${label}: ${out.map((x) => x.toFixed(0)).join(', ')} Mbit/s`);
  return out;
}

/** Opens N connections in `mode` from the client processes, measuring the server over the phase. */
async function handshakes(variant: string, kind: string, mode: string, n: number, server: WorkerProcess, port: number, key: string): Promise<{ clients: WorkerProcess[]; result: HandshakeResult }> {
  server.send({ cmd: 'mark', profile });
  await server.next('marked');
  const clients: WorkerProcess[] = [];
  for (let i = 0; i < clientProcesses; i++) {
    const share = Math.floor(n / clientProcesses) + (i < n % clientProcesses ? 1 : 0);
    clients.push(start(variant, ['client', kind, mode, String(port), key, String(share), `127.0.0.${2 + i}`, String(concurrency), String(values.setup)]));
  }
  const established = await Promise.all(clients.map((c) => c.next<{ count: number; lost: number; failed: number; errors: string[]; cpuMs: number }>('established')));
  const opened = established.reduce((s, e) => s + e.count, 0);
  const lost = established.reduce((s, e) => s + e.lost, 0);
  if (lost > 0) log(`  ${mode}: ${lost} connections opened and closed again before the phase ended`);
  const failed = established.reduce((s, e) => s + e.failed, 0);
  if (failed > 0) log(`  ${mode}: ${failed} connect attempts failed and were retried (${[...new Set(established.flatMap((e) => e.errors))].join('; ')})`);
  // The server's 'connection' can follow the client's 'connect' (IK: it waits for the client's proof).
  await waitOpen(server, opened, 10_000);
  server.send({ cmd: 'collect' });
  const c = await server.next<Collected>('collected');
  const rates = c.acceptsPerSecond;
  const result: HandshakeResult = {
    mode,
    requested: n,
    opened,
    lost,
    serverAccepted: c.accepted,
    failedAttempts: failed,
    medianPerS: rates.length > 0 ? median(rates) : Number.NaN,
    meanPerS: c.acceptSpanMs > 0 ? ((c.accepted - 1) * 1000) / c.acceptSpanMs : Number.NaN,
    perSecond: rates,
    serverCpuMsPerHandshake: c.cpuMs / Math.max(1, c.accepted),
    clientCpuMsPerHandshake: established.reduce((s, e) => s + e.cpuMs, 0) / Math.max(1, opened),
    ...(c.profile === undefined ? {} : { profile: c.profile }),
  };
  log(`  ${mode}: ${opened} opened, ${result.medianPerS.toFixed(0)}/s median, server ${result.serverCpuMsPerHandshake.toFixed(2)} ms/handshake`);
  return { clients, result };
}

async function closeAll(clients: readonly WorkerProcess[], server: WorkerProcess): Promise<number> {
  for (const c of clients) c.send({ cmd: 'close' });
  await Promise.all(clients.map((c) => c.next('closed').catch(() => undefined)));
  await sleep(1000);
  for (const c of clients) c.stop();
  await Promise.all(clients.map((c) => c.exited()));
  // Closed ones leave the server when the CLOSE arrives, or at the idle timeout (30 s) where it was lost.
  const left = await waitOpen(server, 0, 60_000);
  if (left !== 0) log(`  the server still holds ${left} connections after the clients closed theirs`);
  return left;
}

async function idle(server: WorkerProcess, clients: readonly WorkerProcess[], opened: number, base: Memory): Promise<IdleResult> {
  const open = await waitOpen(server, opened, 90_000);
  if (open !== opened) log(`  the server holds ${open} connections, the clients ${opened}`);
  await sleep(settleMs);
  server.send({ cmd: 'snapshot' });
  const loaded = await server.next<{ memory: Memory; open: number }>('snapshot');
  // The CPU is measured without the profiler (its sampling costs the process CPU of its own); a profiled
  // window follows.
  server.send({ cmd: 'mark', profile: false });
  await server.next('marked');
  for (const c of clients) c.send({ cmd: 'mark', profile: false });
  await Promise.all(clients.map((c) => c.next('marked')));
  await sleep(windowMs);
  server.send({ cmd: 'collect' });
  for (const c of clients) c.send({ cmd: 'collect' });
  const s = await server.next<Collected>('collected');
  const cs = await Promise.all(clients.map((c) => c.next<Collected>('collected')));
  let idleProfile: ProfileSummary | undefined;
  if (profile) {
    server.send({ cmd: 'mark', profile: true });
    await server.next('marked');
    await sleep(Math.min(windowMs, PROFILE_WINDOW_MS));
    server.send({ cmd: 'collect' });
    idleProfile = (await server.next<Collected>('collected')).profile;
  }
  const result: IdleResult = {
    connections: loaded.open,
    serverCpuPct: (s.cpuMs / s.wallMs) * 100,
    serverEventLoopUtilization: s.eventLoopUtilization,
    bytesPerConnection: (bytesOf(loaded.memory) - bytesOf(base)) / Math.max(1, loaded.open),
    rssBytesPerConnection: (loaded.memory.rss - base.rss) / Math.max(1, loaded.open),
    clientsCpuPct: (cs.reduce((sum, c) => sum + c.cpuMs, 0) / s.wallMs) * 100,
    stillOpen: s.open,
    ...(idleProfile === undefined ? {} : { profile: idleProfile }),
  };
  log(`  idle: ${result.connections} held, server ${result.serverCpuPct.toFixed(2)} % of a core, ${(result.bytesPerConnection / 1024).toFixed(1)} KiB/conn`);
  return result;
}

/** One bulk transfer to `server` while it profiles itself (not counted): where its time goes. */
async function profiledBulk(variant: string, kind: string, server: WorkerProcess, port: number, key: string): Promise<ProfileSummary | undefined> {
  if (!profile) return undefined;
  server.send({ cmd: 'mark', profile: true });
  await server.next('marked');
  await bulkOnce(variant, kind, server, port, key);
  server.send({ cmd: 'collect' });
  return (await server.next<Collected>('collected')).profile;
}

async function run(variant: string, kind: string, n: number): Promise<ScaleRow> {
  // Room for the N, the bulk connection, and the previous phase's N while they finish closing (a closing
  // connection still counts toward maxConnections).
  const server = start(variant, ['server', kind, String(2 * n + 64)]);
  // A second server process that never holds idle connections: bulk transfers to it alternate with those
  // to the loaded server while the idle connections (and their client processes) exist, so drift in the
  // machine's load hits both alike.
  const twin = start(variant, ['server', kind, '64']);
  let clients: WorkerProcess[] = [];
  try {
    const ready = await server.next<{ port: number; key: string }>('ready');
    const twinReady = await twin.next<{ port: number; key: string }>('ready');
    const before = await bulkRuns(variant, kind, server, ready.port, ready.key, 'before, no idle connections');
    server.send({ cmd: 'snapshot' });
    const base = (await server.next<{ memory: Memory }>('snapshot')).memory;
    const results: HandshakeResult[] = [];
    const modes = kind === 'mpt' ? mptModes : ['tcp'];
    for (const mode of modes) {
      const phase = await handshakes(variant, kind, mode, n, server, ready.port, ready.key);
      results.push(phase.result);
      clients = phase.clients;
      if (mode !== modes[modes.length - 1]) {
        await closeAll(clients, server);
        clients = [];
      }
    }
    const held = results[results.length - 1]?.opened ?? 0;
    const idleResult = await idle(server, clients, held, base);
    const during: number[] = [];
    const twinDuring: number[] = [];
    for (let i = 0; i < runs; i++) {
      twinDuring.push(await bulkOnce(variant, kind, twin, twinReady.port, twinReady.key));
      during.push(await bulkOnce(variant, kind, server, ready.port, ready.key));
    }
    log(`  bulk with ${idleResult.connections} idle: ${during.map((x) => x.toFixed(0)).join(', ')} Mbit/s; interleaved to an empty server: ${twinDuring.map((x) => x.toFixed(0)).join(', ')}`);
    const bulkProfile = await profiledBulk(variant, kind, server, ready.port, ready.key);
    await closeAll(clients, server);
    clients = [];
    const after = await bulkRuns(variant, kind, server, ready.port, ready.key, 'after, no idle connections');
    const noIdle = median([...before, ...after].filter(Number.isFinite));
    const withIdle = median(during.filter(Number.isFinite));
    const twinMedian = median(twinDuring.filter(Number.isFinite));
    const bulk: BulkResult = {
      beforeMbitPerS: before,
      idleMbitPerS: during,
      afterMbitPerS: after,
      emptyServerMbitPerS: twinDuring,
      noIdleMedianMbitPerS: noIdle,
      idleMedianMbitPerS: withIdle,
      emptyServerMedianMbitPerS: twinMedian,
      ratio: withIdle / noIdle,
      interleavedRatio: withIdle / twinMedian,
      ...(bulkProfile === undefined ? {} : { profile: bulkProfile }),
    };
    return { variant, kind, requested: n, handshakes: results, idle: idleResult, bulk };
  } finally {
    for (const c of clients) c.stop();
    server.stop();
    twin.stop();
    await Promise.all([...clients, server, twin].map((p) => p.exited()));
  }
}

/** The report so far (written after every row, so a run cut short keeps what it measured). */
function reportOf(rows: readonly ScaleRow[]): ScaleReport & Record<string, unknown> {
  return {
    date: new Date().toISOString(),
    clientProcesses,
    concurrencyPerClient: concurrency,
    windowS: windowMs / 1000,
    bulkMiB: bulkBytes / 1048576,
    runs,
    profile,
    keepAlive: 'mpt defaults: idleTimeoutMs 30000, client keepAliveIntervalMs 10000 (a PING per connection every 10 s), server keep-alive off; tcp: no keep-alive',
    cpu: cpus()[0]?.model,
    cores: cpus().length,
    node: process.version,
    rows,
  };
}

async function main(): Promise<void> {
  const rows: ScaleRow[] = [];
  mkdirSync(join(here, 'results'), { recursive: true });
  const out = join(here, 'results', 'scale.json');
  for (const n of counts) {
    for (const variant of variants) {
      for (const kind of kinds) {
        if (kind === 'tcp' && variant !== variants[0]) continue; // node:net does not depend on the variant
        log(`${kind} (${variant}) x ${n}...`);
        rows.push(await run(variant, kind, n));
        writeFileSync(out, `${JSON.stringify(reportOf(rows), null, 2)}\n`);
      }
    }
  }
  const report = reportOf(rows);
  if (values.json) console.log(JSON.stringify(report, null, 2));
  else printReport(report);
}

await main();
