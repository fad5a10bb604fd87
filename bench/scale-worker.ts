/**
 * One process of bench/scale.ts. Roles:
 * - `server <kind> <maxConnections>`: listens on 127.0.0.1 (kind `mpt`: createServer with 1452-byte
 *   datagrams, as bench/throughput.ts's mpt-1500; `tcp`: node:net), holds every connection it accepts
 *   and times when each was accepted. A connection that sends data is a bulk transfer: its bytes are
 *   counted from the first to the end, then reported (`{"type":"bulk"}`) and the connection ended.
 * - `client <kind> <mode> <port> <key> <count> <localHost> <concurrency> <setupS>`: opens `count`
 *   connections from `localHost`, `concurrency` handshakes in flight at once (none started after `setupS`
 *   seconds), and holds them, idle. Mode `ik` pins the server's key (`serverKey`: Noise IK), `xx` does not
 *   (Noise XX, the key accepted by `verifyServerKey`), `tcp` for node:net.
 * - `bulk <kind> <port> <key> <bytes>`: one connection (IK) that writes `bytes` and ends.
 *
 * Messages are JSON lines on stdout; commands JSON lines on stdin:
 * `{"cmd":"snapshot"}` (after gc: memory and open connections), `{"cmd":"count"}` (open connections, no gc), `{"cmd":"mark","profile":true}` (start a
 * measurement: CPU time, event-loop use, accepts, optionally a CPU profile), `{"cmd":"collect"}` (its
 * result), `{"cmd":"close"}` (a client: destroy its connections) and `{"cmd":"exit"}`.
 */
import { createServer as createTcpServer, connect as tcpConnect, type Socket as TcpSocket } from 'node:net';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import type { MptSocket } from '../src/index.js';
import { CpuProfile } from './cpu-profile.js';

// MPT_BENCH_BUILD=1: the built package (npm run build), what an application runs, instead of the sources under tsx.
const entry = process.env['MPT_BENCH_BUILD'] === '1' ? '../dist/index.js' : '../src/index.js';
const { connect, createServer } = (await import(entry)) as typeof import('../src/index.js');

const args = process.argv.slice(2);
const role = args[0];
const kind = args[1];
const SERVER_HOST = '127.0.0.1';
/** mpt's datagram size for every connection of the bench (an Ethernet MTU, as bench/throughput.ts). */
const DATAGRAM = 1452;
/** Attempts per connection (a handshake can fail while the server is busy). */
const ATTEMPTS = 10;

function say(message: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

/** Heap, external and ArrayBuffer bytes and RSS, after full collections. */
function memory(): { heapUsed: number; external: number; arrayBuffers: number; rss: number } {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc !== undefined) for (let i = 0; i < 3; i++) gc();
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, rss: m.rss };
}

type AnySocket = MptSocket | TcpSocket;
/** Open connections, held so none is collected. */
const held = new Set<AnySocket>();
/** When each connection was accepted (server) or opened (client), ms, since the last mark. */
let acceptTimes: number[] = [];
let errors = 0;
/** Connections that closed before this process was told to close them (e.g. timed out while the server was busy). */
let lost = 0;
let closing = false;

function hold(socket: AnySocket): void {
  held.add(socket);
  acceptTimes.push(performance.now());
  socket.on('error', () => void errors++);
  socket.on('close', () => {
    held.delete(socket);
    if (!closing) lost++;
  });
}

/** Server side: counts a connection's bytes; the first byte starts a bulk transfer's clock. */
function receive(socket: AnySocket): void {
  let bytes = 0;
  let first = 0;
  let cpuFrom: NodeJS.CpuUsage | undefined;
  socket.on('data', (b: Buffer) => {
    if (bytes === 0) {
      first = performance.now();
      cpuFrom = process.cpuUsage();
    }
    bytes += b.length;
  });
  socket.on('end', () => {
    if (bytes === 0) return;
    const cpu = process.cpuUsage(cpuFrom);
    say({ type: 'bulk', bytes, ms: performance.now() - first, cpuMs: (cpu.user + cpu.system) / 1000 });
    socket.end();
  });
}

function serve(maxConnections: number): void {
  const onConnection = (socket: AnySocket): void => {
    hold(socket);
    receive(socket);
  };
  if (kind === 'mpt') {
    const server = createServer({ maxConnections, maxDatagramSizeBytes: DATAGRAM }, onConnection);
    server.listen(0, SERVER_HOST, () => {
      say({ type: 'ready', port: server.address()?.port, key: Buffer.from(server.publicKey).toString('hex'), memory: memory() });
    });
  } else {
    const server = createTcpServer(onConnection);
    server.maxConnections = maxConnections;
    server.listen(0, SERVER_HOST, () => {
      const address = server.address();
      say({ type: 'ready', port: typeof address === 'object' && address !== null ? address.port : 0, key: '-', memory: memory() });
    });
  }
}

/** The options of a client connection in `mode` to the server at `port` whose key is `key` (hex). */
function connectOne(mode: string, port: number, key: string, localAddress: string | undefined): AnySocket {
  if (kind === 'tcp') return tcpConnect({ host: SERVER_HOST, port, ...(localAddress === undefined ? {} : { localAddress }) });
  const serverKey = Buffer.from(key, 'hex');
  const local = localAddress === undefined ? {} : { localAddress };
  return mode === 'xx'
    ? connect({ host: SERVER_HOST, port, ...local, maxDatagramSizeBytes: DATAGRAM, verifyServerKey: (k: Uint8Array) => serverKey.equals(k) })
    : connect({ host: SERVER_HOST, port, ...local, maxDatagramSizeBytes: DATAGRAM, serverKey });
}

/** The first connect errors, to tell why attempts failed. */
const connectErrors: string[] = [];

function openOne(mode: string, port: number, key: string, localHost: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connectOne(mode, port, key, localHost);
    socket.once('connect', () => {
      hold(socket);
      resolve(true);
    });
    socket.once('error', (error: Error) => {
      if (connectErrors.length < 5) connectErrors.push(error.message);
      resolve(false);
    });
  });
}

async function openAll(mode: string, port: number, key: string, count: number, localHost: string, concurrency: number, setupS: number): Promise<void> {
  let next = 0;
  let failed = 0;
  const startedAt = performance.now();
  const cpu0 = process.cpuUsage();
  const giveUpAt = startedAt + setupS * 1000;
  const lane = async (): Promise<void> => {
    while (next < count && performance.now() < giveUpAt) {
      next++;
      let opened = false;
      for (let attempt = 0; attempt < ATTEMPTS && !opened; attempt++) {
        opened = await openOne(mode, port, key, localHost);
        if (!opened) failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  const cpu = process.cpuUsage(cpu0);
  say({ type: 'established', count: held.size, lost, failed, errors: connectErrors, ms: performance.now() - startedAt, cpuMs: (cpu.user + cpu.system) / 1000 });
}

async function bulk(port: number, key: string, bytes: number): Promise<void> {
  const socket = connectOne('ik', port, key, undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  const chunk = Buffer.alloc(64 * 1024, 0xab);
  const cpu0 = process.cpuUsage();
  for (let sent = 0; sent < bytes; ) {
    const n = Math.min(chunk.length, bytes - sent);
    sent += n;
    if (!socket.write(n === chunk.length ? chunk : chunk.subarray(0, n))) await new Promise<void>((resolve) => socket.once('drain', () => resolve()));
  }
  socket.end();
  socket.resume();
  await new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const cpu = process.cpuUsage(cpu0);
  say({ type: 'sent', cpuMs: (cpu.user + cpu.system) / 1000 });
  process.exit(0);
}

/** A measurement under way (from `mark` to `collect`). */
let marked: { cpu: NodeJS.CpuUsage; t: number; elu: EventLoopUtilization; profile?: CpuProfile } | undefined;

async function mark(profile: boolean): Promise<void> {
  acceptTimes = [];
  const p = profile ? new CpuProfile() : undefined;
  await p?.start();
  marked = { cpu: process.cpuUsage(), t: performance.now(), elu: performance.eventLoopUtilization(), ...(p === undefined ? {} : { profile: p }) };
  say({ type: 'marked' });
}

/** Accepts per whole second from the first accept to the last. */
function perSecond(times: readonly number[]): number[] {
  if (times.length === 0) return [];
  const first = times[0] as number;
  const last = times[times.length - 1] as number;
  const buckets = new Array<number>(Math.floor((last - first) / 1000)).fill(0);
  for (const t of times) {
    const i = Math.floor((t - first) / 1000);
    if (i < buckets.length) buckets[i] = (buckets[i] as number) + 1;
  }
  return buckets;
}

async function collect(): Promise<void> {
  if (marked === undefined) throw new Error('collect without mark');
  const cpu = process.cpuUsage(marked.cpu);
  const wallMs = performance.now() - marked.t;
  const elu = performance.eventLoopUtilization(marked.elu);
  const profile = await marked.profile?.stop();
  const times = acceptTimes;
  const spanMs = times.length < 2 ? 0 : (times[times.length - 1] as number) - (times[0] as number);
  say({
    type: 'collected',
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    eventLoopUtilization: elu.utilization,
    accepted: times.length,
    acceptSpanMs: spanMs,
    acceptsPerSecond: perSecond(times),
    open: held.size,
    errors,
    lost,
    ...(profile === undefined ? {} : { profile }),
  });
  marked = undefined;
}

createInterface({ input: process.stdin }).on('line', (line) => {
  const command = JSON.parse(line) as { cmd: string; profile?: boolean };
  if (command.cmd === 'snapshot') say({ type: 'snapshot', memory: memory(), open: held.size, errors });
  else if (command.cmd === 'count') say({ type: 'count', open: held.size });
  else if (command.cmd === 'mark') void mark(command.profile === true);
  else if (command.cmd === 'collect') void collect();
  else if (command.cmd === 'close') {
    closing = true;
    for (const s of held) s.destroy();
    say({ type: 'closed' });
  } else if (command.cmd === 'exit') process.exit(0);
});

if (role === 'server') serve(Number(args[2]));
else if (role === 'client') void openAll(String(args[2]), Number(args[3]), String(args[4]), Number(args[5]), String(args[6]), Number(args[7]), Number(args[8]));
else if (role === 'bulk') void bulk(Number(args[2]), String(args[3]), Number(args[4]));
