/**
 * What idle connections cost a server: one server process holds N idle connections (opened by a few
 * client processes, each from its own loopback address 127.0.0.x) and reports, over an idle window,
 * its CPU time per second of wall time (process.cpuUsage) and its memory per connection (heap +
 * external + ArrayBuffers after gc, minus the same before any connection, divided by N). mpt through
 * the public createServer/connect with default settings, side by side with node:net TCP holding the
 * same N connections; ratios to TCP. The clients' CPU over the same window is reported too.
 *
 * Keep-alive in effect (defaults): an mpt client sends a liveness PING after a third of its idle
 * timeout without sending (30 s idle timeout: a PING every 10 s per connection, which the server
 * acknowledges); the server sends none of its own. TCP: no keep-alive (node:net's default).
 *
 * A server too busy to accept them all within `--setup` seconds is measured with those it holds.
 *
 * `--build` measures the built package (run `npm run build` first) instead of the sources under tsx.
 *
 * Run: npm run bench:idle [-- --counts 2000,10000 --window 20 --clients 4 --kinds mpt,tcp --setup 600 --build --json]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { WorkerProcess } from './worker-process.js';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    counts: { type: 'string', default: '2000,10000' },
    window: { type: 'string', default: '20' },
    settle: { type: 'string', default: '3' },
    setup: { type: 'string', default: '600' },
    clients: { type: 'string', default: '4' },
    kinds: { type: 'string', default: 'mpt,tcp' },
    json: { type: 'boolean', default: false },
    build: { type: 'boolean', default: false },
  },
});
const counts = String(values.counts).split(',').map(Number);
const windowMs = Number(values.window) * 1000;
const settleMs = Number(values.settle) * 1000;
const clientProcesses = Number(values.clients);
const kinds = String(values.kinds).split(',').filter((k) => k === 'mpt' || k === 'tcp');
const KEEPALIVE_NOTE = 'mpt defaults: idleTimeoutMs 30000, client keepAliveIntervalMs 10000 (a PING per connection every 10 s), server keep-alive off; tcp: no keep-alive';

interface Memory {
  readonly heapUsed: number;
  readonly external: number;
  readonly arrayBuffers: number;
  readonly rss: number;
}

interface Measured {
  readonly wallMs: number;
  readonly userMs: number;
  readonly systemMs: number;
  readonly eventLoopUtilization: number;
  readonly open: number;
  readonly errors: number;
}

/** One row of the table. */
interface Row {
  readonly kind: string;
  /** Connections asked for. */
  readonly requested: number;
  /** Connections the clients opened (fewer than asked when handshakes kept failing). */
  readonly connections: number;
  readonly establishMs: number;
  /** Server CPU ms per second of idle wall time (= % of one core x 10). */
  readonly serverCpuMsPerS: number;
  readonly serverEventLoopUtilization: number;
  /** Bytes per connection: (heap + external + arrayBuffers) delta / N. */
  readonly bytesPerConnection: number;
  readonly rssBytesPerConnection: number;
  /** All client processes together. */
  readonly clientCpuMsPerS: number;
  readonly stillOpen: number;
}

/** One process of this bench (bench/idle-cost-worker.ts), its open-file limit raised. */
class Worker extends WorkerProcess {
  constructor(args: readonly string[]) {
    super(join(here, 'idle-cost-worker.ts'), args, { MPT_BENCH_BUILD: values.build ? '1' : '0' });
  }
}

function bytesOf(m: Memory): number {
  return m.heapUsed + m.external + m.arrayBuffers;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function run(kind: string, n: number): Promise<Row> {
  const server = new Worker(['server', kind]);
  const clients: Worker[] = [];
  try {
    const ready = await server.next<{ port: number; key: string; memory: Memory }>('ready');
    const startedAt = performance.now();
    for (let i = 0; i < clientProcesses; i++) {
      const share = Math.floor(n / clientProcesses) + (i < n % clientProcesses ? 1 : 0);
      clients.push(new Worker(['client', kind, String(ready.port), ready.key === '' ? '-' : ready.key, String(share), `127.0.0.${2 + i}`, String(values.setup)]));
    }
    const established = await Promise.all(clients.map((c) => c.next<{ count: number; failed: number; errors: string[] }>('established')));
    const failed = established.reduce((s, e) => s + e.failed, 0);
    if (failed > 0) process.stderr.write(`${kind} x ${n}: ${failed} connect attempts failed and were retried (${[...new Set(established.flatMap((e) => e.errors))].join('; ')})\n`);
    const establishMs = performance.now() - startedAt;
    const opened = established.reduce((s, e) => s + e.count, 0);
    if (opened !== n) process.stderr.write(`${kind} x ${n}: only ${opened} connections opened; measuring those\n`);
    // The server holds exactly the clients' connections (those of abandoned attempts time out) before the idle window starts.
    let open = 0;
    for (const give = performance.now() + 90_000; performance.now() < give; await sleep(500)) {
      server.send({ cmd: 'snapshot' });
      open = (await server.next<{ open: number }>('snapshot')).open;
      if (open === opened) break;
    }
    if (open !== opened) process.stderr.write(`${kind} x ${n}: the server holds ${open} connections, the clients ${opened}\n`);
    await sleep(settleMs);
    server.send({ cmd: 'snapshot' });
    const loaded = await server.next<{ memory: Memory }>('snapshot');
    server.send({ cmd: 'measure', ms: windowMs });
    for (const c of clients) c.send({ cmd: 'measure', ms: windowMs });
    const serverMeasured = await server.next<Measured>('measured');
    const clientMeasured = await Promise.all(clients.map((c) => c.next<Measured>('measured')));
    const clientCpuMs = clientMeasured.reduce((s, m) => s + m.userMs + m.systemMs, 0);
    return {
      kind,
      requested: n,
      connections: opened,
      establishMs,
      serverCpuMsPerS: ((serverMeasured.userMs + serverMeasured.systemMs) / serverMeasured.wallMs) * 1000,
      serverEventLoopUtilization: serverMeasured.eventLoopUtilization,
      bytesPerConnection: (bytesOf(loaded.memory) - bytesOf(ready.memory)) / opened,
      rssBytesPerConnection: (loaded.memory.rss - ready.memory.rss) / opened,
      clientCpuMsPerS: (clientCpuMs / serverMeasured.wallMs) * 1000,
      stillOpen: serverMeasured.open,
    };
  } finally {
    server.stop();
    for (const c of clients) c.stop();
    await sleep(500);
  }
}

function fmt(x: number, digits = 1): string {
  return Number.isFinite(x) ? x.toFixed(digits) : '-';
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  for (const n of counts) {
    for (const kind of kinds) {
      if (!values.json) process.stderr.write(`${kind} x ${n}...\n`);
      rows.push(await run(kind, n));
    }
  }
  const report = { windowS: windowMs / 1000, clientProcesses, keepAlive: KEEPALIVE_NOTE, cpu: cpus()[0]?.model, cores: cpus().length, node: process.version, rows };
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(join(here, 'results', 'idle-cost.json'), `${JSON.stringify(report, null, 2)}\n`);
  if (values.json) {
    console.log(JSON.stringify(report, null, 2));
    return;
  }
  console.log(`\nIdle connections held by one server process; ${windowMs / 1000} s idle window; ${clientProcesses} client processes`);
  console.log(`keep-alive: ${KEEPALIVE_NOTE}`);
  console.log(
    `${'kind'.padEnd(6)}${'conns'.padStart(7)}${'server CPU %'.padStart(14)}${'x TCP'.padStart(8)}${'KiB/conn'.padStart(10)}${'x TCP'.padStart(8)}${'RSS KiB/conn'.padStart(14)}${'clients CPU %'.padStart(15)}${'setup s'.padStart(9)}`,
  );
  for (const r of rows) {
    const tcp = rows.find((t) => t.kind === 'tcp' && t.requested === r.requested);
    const cpuRatio = tcp === undefined || r.kind === 'tcp' || tcp.serverCpuMsPerS <= 0 ? '' : fmt(r.serverCpuMsPerS / tcp.serverCpuMsPerS, 0);
    const memRatio = tcp === undefined || r.kind === 'tcp' || tcp.bytesPerConnection <= 0 ? '' : fmt(r.bytesPerConnection / tcp.bytesPerConnection);
    console.log(
      `${r.kind.padEnd(6)}${String(r.connections).padStart(7)}${fmt(r.serverCpuMsPerS / 10, 2).padStart(14)}${cpuRatio.padStart(8)}${fmt(r.bytesPerConnection / 1024).padStart(10)}${memRatio.padStart(8)}${fmt(r.rssBytesPerConnection / 1024).padStart(14)}${fmt(r.clientCpuMsPerS / 10, 2).padStart(15)}${fmt(r.establishMs / 1000).padStart(9)}`,
    );
  }
  console.log('\nserver CPU %: CPU time per second of idle wall time, in % of one core; KiB/conn: heap + external + ArrayBuffers after gc');
  console.log('wrote bench/results/idle-cost.json');
}

await main();
