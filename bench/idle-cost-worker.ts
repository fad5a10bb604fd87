/**
 * One process of bench/idle-cost.ts. Roles:
 * - `server <kind>`: listens on 127.0.0.1 (kind `mpt`: createServer; `tcp`: node:net) and holds every
 *   connection it accepts, reading and discarding.
 * - `client <kind> <port> <key> <count> <localHost> <setupS>`: opens `count` connections to the server
 *   from `localHost` (a few at a time; none started after `setupS` seconds) and keeps them open, idle.
 * Both print one JSON line per message on stdout and take commands, one JSON line each, on stdin:
 * `{"cmd":"snapshot"}` (after gc when run with --expose-gc: memory and connection count),
 * `{"cmd":"measure","ms":20000}` (this process's CPU time over the next `ms` of wall time) and
 * `{"cmd":"exit"}`.
 */
import { createServer as createTcpServer, connect as tcpConnect, type Socket as TcpSocket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import type { MptSocket } from '../src/index.js';

// `--build` (bench/idle-cost.ts): the built package (npm run build), what an application runs, instead
// of the sources through tsx (whose keepNames transform gives every closure a property of its own).
const entry = process.env['MPT_BENCH_BUILD'] === '1' ? '../dist/index.js' : '../src/index.js';
const { connect, createServer } = (await import(entry)) as typeof import('../src/index.js');

const [role, kind, portArg, keyArg, countArg, hostArg, setupArg] = process.argv.slice(2);
const SERVER_HOST = '127.0.0.1';
/** Connection attempts in flight at once per client process. */
const CONCURRENCY = 8;
/** Attempts per connection (a handshake can fail while the server is busy accepting thousands). */
const ATTEMPTS = 10;

function say(message: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

/** Heap, external and ArrayBuffer bytes, after a full collection when gc is exposed. */
function memory(): { heapUsed: number; external: number; arrayBuffers: number; rss: number } {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc !== undefined) for (let i = 0; i < 3; i++) gc();
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, rss: m.rss };
}

/** Open connections, held so none is collected; a closed one is let go (an attempt its client gave up). */
const held = new Set<MptSocket | TcpSocket>();
let errors = 0;

function hold(socket: MptSocket | TcpSocket): void {
  held.add(socket);
  socket.on('data', () => {});
  socket.on('error', () => void errors++);
  socket.on('close', () => void held.delete(socket));
}

function serve(): void {
  if (kind === 'mpt') {
    const server = createServer({}, (socket) => hold(socket));
    server.listen(0, SERVER_HOST, () => {
      say({ type: 'ready', port: server.address()?.port, key: Buffer.from(server.publicKey).toString('hex'), memory: memory() });
    });
  } else {
    const server = createTcpServer((socket) => hold(socket));
    server.listen(0, SERVER_HOST, () => {
      const address = server.address();
      say({ type: 'ready', port: typeof address === 'object' && address !== null ? address.port : 0, key: '', memory: memory() });
    });
  }
}

/** The first connect errors, to tell why attempts failed. */
const connectErrors: string[] = [];

function noteError(error: Error): void {
  if (connectErrors.length < 5) connectErrors.push(error.message);
}

function openOne(port: number, key: string, localHost: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket =
      kind === 'mpt'
        ? connect({ host: SERVER_HOST, port, localAddress: localHost, serverKey: Buffer.from(key, 'hex') })
        : tcpConnect({ host: SERVER_HOST, port, localAddress: localHost });
    socket.once('connect', () => {
      hold(socket);
      resolve(true);
    });
    socket.once('error', (error: Error) => {
      noteError(error);
      resolve(false);
    });
  });
}

async function openAll(): Promise<void> {
  const port = Number(portArg);
  const count = Number(countArg);
  const key = keyArg === '-' ? '' : String(keyArg);
  const localHost = String(hostArg);
  let next = 0;
  let failed = 0;
  const startedAt = performance.now();
  // A server that cannot keep up is given this long; the connections open by then are measured.
  const giveUpAt = startedAt + Number(setupArg ?? Infinity) * 1000;
  const lane = async (): Promise<void> => {
    while (next < count && performance.now() < giveUpAt) {
      next++;
      let opened = false;
      for (let attempt = 0; attempt < ATTEMPTS && !opened; attempt++) {
        opened = await openOne(port, key, localHost);
        if (!opened) failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, lane));
  say({ type: 'established', count: held.size, failed, errors: connectErrors, ms: performance.now() - startedAt });
}

function measure(ms: number): void {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const elu0 = performance.eventLoopUtilization();
  setTimeout(() => {
    const cpu = process.cpuUsage(cpu0);
    const wallMs = performance.now() - t0;
    const elu = performance.eventLoopUtilization(elu0);
    say({ type: 'measured', wallMs, userMs: cpu.user / 1000, systemMs: cpu.system / 1000, eventLoopUtilization: elu.utilization, open: held.size, errors });
  }, ms);
}

createInterface({ input: process.stdin }).on('line', (line) => {
  const command = JSON.parse(line) as { cmd: string; ms?: number };
  if (command.cmd === 'snapshot') say({ type: 'snapshot', memory: memory(), connections: held.size, open: held.size, errors });
  else if (command.cmd === 'measure') measure(command.ms ?? 20_000);
  else if (command.cmd === 'exit') process.exit(0);
});

if (role === 'server') serve();
else void openAll();
