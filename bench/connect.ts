/**
 * Time to connect when the first resolved address is a blackhole: node:net with autoSelectFamily
 * against a TCP server, and mpt's connect() against an mpt server, side by side in one run, through
 * the same kind of lookup (the blackholed 127.0.0.2 first, the server's 127.0.0.1 second), both with a
 * 250 ms attempt delay. A `direct` scenario (only 127.0.0.1 resolved) gives each one's plain handshake
 * cost. Medians of N runs, a table with ratios to node:net, and bench/results/connect.json.
 *
 * The blackholes, which must drop silently (a closed port on loopback answers at once, with a RST or an
 * ICMP port unreachable, which is a refusal, not a blackhole):
 * - TCP: a listener on 127.0.0.2 with backlog 1 in a child process whose event loop is blocked, so it
 *   never accepts; the bench fills its accept queue, after which Linux drops every new SYN
 *   (net.ipv4.tcp_abort_on_overflow = 0, checked): no SYN-ACK, no RST. A probe verifies it.
 * - mpt: a UDP socket on 127.0.0.2 at the server's port that reads every datagram and never answers.
 * Client and servers share this process (equally for both transports).
 *
 * Run: npm run bench:connect [-- --runs 15 --delay 250]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { once } from 'node:events';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createTcpServer, connect as tcpConnect, type LookupFunction as NetLookup, type Server as TcpServer, type Socket as TcpSocket } from 'node:net';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { connect, createHappyEyeballsCache, createServer, type LookupFunction, type MptServer, type MptSocket } from '../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '15' },
    delay: { type: 'string', default: '250' },
  },
});
const runs = Number(values.runs);
const delayMs = Number(values.delay);
const BLACKHOLE = '127.0.0.2';
const SERVER = '127.0.0.1';

type Scenario = 'direct' | 'blackholed-first';
const scenarios: readonly Scenario[] = ['direct', 'blackholed-first'];
const kinds = ['node:net', 'mpt'] as const;
type Kind = (typeof kinds)[number];

function addressesFor(scenario: Scenario): string[] {
  return scenario === 'direct' ? [SERVER] : [BLACKHOLE, SERVER];
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ----- the TCP blackhole ------------------------------------------------------------------------

/** A child process listening on BLACKHOLE:0 with backlog 1 (node:net takes 0 as its default, 511) that never accepts (its event loop is blocked); its port. */
async function startNonAcceptingListener(): Promise<{ child: ChildProcess; port: number }> {
  const script = `
    const net = require('node:net');
    const server = net.createServer();
    server.listen({ host: ${JSON.stringify(BLACKHOLE)}, port: 0, backlog: 1 }, () => {
      process.stdout.write(server.address().port + '\\n'); // synchronous on a pipe (Linux)
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); // never accept again
    });`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [chunk] = (await once(child.stdout as NodeJS.ReadableStream, 'data')) as [Buffer];
  return { child, port: Number(chunk.toString().trim()) };
}

/** Whether a TCP connect to host:port completes within ms. */
function tcpCompletes(host: string, port: number, ms: number, keep: TcpSocket[]): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(false);
    }, ms);
    socket.once('connect', () => {
      clearTimeout(timer);
      keep.push(socket);
      resolve(true);
    });
    socket.once('error', () => {
      clearTimeout(timer);
      resolve(true); // an answer (a RST) is not a blackhole
    });
  });
}

/** Fills the listener's accept queue; then checks a new SYN gets nothing back. */
async function fillAcceptQueue(port: number, fillers: TcpSocket[]): Promise<number> {
  for (let i = 0; i < 16; i++) {
    if (!(await tcpCompletes(BLACKHOLE, port, 300, fillers))) break;
  }
  if (await tcpCompletes(BLACKHOLE, port, 600, fillers)) throw new Error(`${BLACKHOLE}:${port} still answers SYNs: not a blackhole`);
  return fillers.length;
}

// ----- one connect of each kind -----------------------------------------------------------------

function netLookup(addresses: readonly string[]): NetLookup {
  return ((_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options.all === true) callback(null, addresses.map((address) => ({ address, family: 4 })));
    else callback(null, addresses[0], 4);
  }) as unknown as NetLookup;
}

function mptLookup(addresses: readonly string[]): LookupFunction {
  return (_host, _options, callback) => callback(null, addresses.map((address) => ({ address, family: 4 })));
}

async function connectTcp(port: number, scenario: Scenario): Promise<number> {
  const started = performance.now();
  const socket = tcpConnect({
    host: 'bench.test',
    port,
    lookup: netLookup(addressesFor(scenario)),
    autoSelectFamily: true,
    autoSelectFamilyAttemptTimeout: delayMs,
  });
  try {
    await once(socket, 'connect');
    const ms = performance.now() - started;
    if (socket.remoteAddress !== SERVER) throw new Error(`node:net connected to ${socket.remoteAddress}`);
    return ms;
  } finally {
    socket.destroy();
  }
}

async function connectMpt(port: number, scenario: Scenario): Promise<number> {
  const started = performance.now();
  // A fresh cache each run: the blackhole is met every time, as node:net (which has no cache) meets it.
  const socket: MptSocket = connect({
    host: 'bench.test',
    port,
    lookup: mptLookup(addressesFor(scenario)),
    happyEyeballsCache: createHappyEyeballsCache(),
    autoSelectFamilyAttemptTimeout: delayMs,
    maxPaths: 1,
  });
  try {
    await once(socket, 'connect');
    const ms = performance.now() - started;
    if (socket.remoteAddress !== SERVER) throw new Error(`mpt connected to ${socket.remoteAddress}`);
    return ms;
  } finally {
    socket.destroy();
  }
}

// ----- the run ----------------------------------------------------------------------------------

async function main(): Promise<void> {
  const abortOnOverflow = readFileSync('/proc/sys/net/ipv4/tcp_abort_on_overflow', 'utf8').trim();
  if (abortOnOverflow !== '0') throw new Error(`net.ipv4.tcp_abort_on_overflow = ${abortOnOverflow}: a full accept queue answers with a RST, not a blackhole`);
  const listener = await startNonAcceptingListener();
  const fillers: TcpSocket[] = [];
  const holes: UdpSocket[] = [];
  let tcpServer: TcpServer | undefined;
  let mptServer: MptServer | undefined;
  try {
    const filled = await fillAcceptQueue(listener.port, fillers);
    const tcpPort = listener.port;
    tcpServer = createTcpServer((s) => s.destroy());
    tcpServer.listen(tcpPort, SERVER);
    await once(tcpServer, 'listening');

    mptServer = createServer({}, (s) => s.on('error', () => {}));
    mptServer.on('connection', (s: MptSocket) => s.on('error', () => {}));
    mptServer.listen(0, SERVER);
    await once(mptServer, 'listening');
    const mptPort = (mptServer.address() as { port: number }).port;
    const hole = createSocket('udp4');
    holes.push(hole);
    hole.on('message', () => {});
    await new Promise<void>((resolve) => hole.bind(mptPort, BLACKHOLE, resolve));

    console.log(`connect time over loopback, ${runs} runs each, attempt delay ${delayMs} ms, node ${process.version}`);
    console.log(`TCP blackhole: ${BLACKHOLE}:${tcpPort}, a backlog-1 listener that never accepts, its queue filled by ${filled} connection(s); a probe SYN got no answer in 600 ms`);
    console.log(`mpt blackhole: ${BLACKHOLE}:${mptPort}, a UDP socket that reads and never answers`);

    const times: Record<Scenario, Record<Kind, number[]>> = { direct: { 'node:net': [], mpt: [] }, 'blackholed-first': { 'node:net': [], mpt: [] } };
    // Warm-up (JIT, the crypto provider), not counted.
    await connectTcp(tcpPort, 'direct');
    await connectMpt(mptPort, 'direct');
    for (let i = 0; i < runs; i++) {
      for (const scenario of scenarios) {
        times[scenario]['node:net'].push(await connectTcp(tcpPort, scenario));
        await sleep(5);
        times[scenario].mpt.push(await connectMpt(mptPort, scenario));
        await sleep(5);
      }
    }

    const results: Record<string, { runsMs: number[]; medianMs: number; minMs: number; maxMs: number; ratioToNet: number }> = {};
    console.log(`\n${'scenario'.padEnd(18)}${'transport'.padEnd(11)}${'median ms'.padStart(11)}${'min'.padStart(9)}${'max'.padStart(9)}${'x node:net'.padStart(12)}`);
    for (const scenario of scenarios) {
      const net = median(times[scenario]['node:net']);
      for (const kind of kinds) {
        const xs = times[scenario][kind];
        const m = median(xs);
        results[`${scenario}/${kind}`] = { runsMs: xs.map((x) => Math.round(x * 100) / 100), medianMs: m, minMs: Math.min(...xs), maxMs: Math.max(...xs), ratioToNet: m / net };
        console.log(
          `${scenario.padEnd(18)}${kind.padEnd(11)}${m.toFixed(1).padStart(11)}${Math.min(...xs).toFixed(1).padStart(9)}${Math.max(...xs).toFixed(1).padStart(9)}${(m / net).toFixed(2).padStart(12)}`,
        );
      }
    }
    const out = join(here, 'results');
    mkdirSync(out, { recursive: true });
    const report = {
      runs,
      attemptDelayMs: delayMs,
      cpu: cpus()[0]?.model,
      node: process.version,
      blackholes: {
        tcp: `${BLACKHOLE}:${tcpPort}: backlog-1 listener never accepting, accept queue filled (${filled}); new SYNs dropped (tcp_abort_on_overflow=0)`,
        mpt: `${BLACKHOLE}:${mptPort}: UDP socket that never answers`,
      },
      results,
    };
    writeFileSync(join(out, 'connect.json'), `${JSON.stringify(report, null, 2)}\n`);
    console.log('\nwrote bench/results/connect.json');
  } finally {
    for (const f of fillers) f.destroy();
    for (const h of holes) h.close();
    tcpServer?.close();
    mptServer?.close();
    listener.child.kill();
  }
}

await main();
