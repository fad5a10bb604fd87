/**
 * Time to first byte of an HTTP response through the local proxy (createProxy -> converter -> the HTTP
 * server), against a direct TCP connection to the same local HTTP server over the same path. Runs
 * interleaved (direct, proxy, direct, proxy...), N of each per scenario; medians and min-max.
 *
 * Each proxy run is what a SOCKS5 client such as curl does: a TCP connection to the proxy, the method
 * negotiation, the CONNECT request and its reply, then `GET /`; the clock runs from the TCP connect to
 * the first response byte. Every run is a new tunnel (a new mpt connection) whose request rides in the
 * handshake's first flight (0-RTT: the proxy pins the converter's key). The direct run is a TCP
 * connect and the same GET.
 *
 * Three processes, as three hosts would be: this one is the user's machine (the program's TCP client and
 * the proxy); bench/proxy-ttfb-remote.ts the far host (the converter and the HTTP server); and
 * bench/proxy-ttfb-network.ts the network of the emulated scenario (a link emulator for the mpt path, a
 * TCP relay for the direct one). In one process each side's handshake work held the other's datagrams
 * at the emulator's door: the emulated path's delay grew by whatever the event loop was busy with.
 *
 * The proxy rows also give the time to the SOCKS5 success reply (the tunnel open: handshake, request,
 * the converter's TCP connect, its reply); the rest of a proxy run is the GET and its answer crossing
 * the tunnel.
 *
 * Scenarios:
 * - `loopback`: the mpt path is plain loopback (RTT well under 1 ms), and so is the direct connection;
 * - `loopback-1472`: the same with the proxy's datagrams capped at 1472 bytes (`maxDatagramSizeBytes`):
 *   on loopback mpt otherwise sends and probes datagrams of up to 64 KiB, which costs CPU (all of it in
 *   this one process) while the first request crosses;
 * - `emulated-40ms`: the mpt path goes through a link emulator with 20 ms each way (RTT 40 ms), and the
 *   datagrams capped at 1472 bytes as on an Ethernet path, and the direct connection through a TCP
 *   relay that delays every chunk 20 ms each way (`tcp-delay-relay.ts`).
 *   The relay's TCP handshakes are local, so the direct run pays one RTT (the GET and its answer) where
 *   a real path would cost two: the baseline is generous to TCP.
 * The goal: proxy TTFB - direct TTFB at most one mpt-path RTT + 5 ms. (A SOCKS5 client waits for the
 * reply before it sends its request, so the proxy's floor is two RTTs: one for the tunnel, the 0-RTT
 * handshake carrying its request, and one for the GET; the direct run's one RTT leaves one RTT + 5 ms.)
 *
 * Run: npm run bench:proxy [-- --runs 20]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect as tcpConnect, type Socket } from 'node:net';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createInterface } from 'node:readline';
import { createProxy, generateKeyPair, type MptProxy } from '../src/index.js';
import { createNetnsPath, netnsPathUnavailable } from './netns-path.js';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({ options: { runs: { type: 'string', default: '20' }, measure: { type: 'string' } } });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, got ${values.runs}`);

/** One-way delay of the emulated scenario's mpt path, ms. */
const EMULATED_ONE_WAY_MS = 20;
/** The goal's allowance beyond one mpt-path RTT, ms. */
const ALLOWANCE_MS = 5;

/** Starts `script` (a bench/ file) in a node process of its own (after `prefix`: `ip netns exec NS`) and resolves with the JSON line it prints first. */
async function startProcess<T>(script: string, args: readonly string[], children: ChildProcess[], prefix: readonly string[] = []): Promise<T> {
  const argv = [...prefix, process.execPath, '--import', 'tsx', join(here, script), ...args];
  const child = spawn(argv[0] as string, argv.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const lines = createInterface({ input: child.stdout! });
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(`${script} exited (${String(code)}) before it was ready`);
  });
  const [line] = (await Promise.race([once(lines, 'line'), exited])) as [string];
  return JSON.parse(line) as T;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** A byte reader over a TCP socket. */
function reader(socket: Socket): (n: number) => Promise<Buffer> {
  let buffer = Buffer.alloc(0);
  let wake: (() => void) | undefined;
  let failed: Error | undefined;
  socket.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    wake?.();
  });
  const fail = (error: Error): void => {
    failed = error;
    wake?.();
  };
  socket.on('error', fail);
  socket.on('end', () => fail(new Error('ended early')));
  return async (n) => {
    while (buffer.length < n) {
      if (failed !== undefined) throw failed;
      await new Promise<void>((resolve) => (wake = resolve));
    }
    const out = buffer.subarray(0, n);
    buffer = buffer.subarray(n);
    return out;
  };
}

const GET = (host: string): string => `GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`;

/** ms from a TCP connect to host:port to the first byte of the response to GET /. */
async function directTtfb(host: string, port: number): Promise<number> {
  const started = performance.now();
  const socket = tcpConnect({ host, port, noDelay: true });
  const read = reader(socket);
  await once(socket, 'connect');
  socket.write(GET(`${host}:${port}`));
  await read(1);
  const ttfb = performance.now() - started;
  socket.destroy();
  return ttfb;
}

/**
 * ms from a TCP connect to the proxy to the first byte of the response, through SOCKS5 to
 * 127.0.0.1:port; and to the SOCKS5 success reply (the tunnel open: the converter connected).
 */
async function proxyTtfb(proxy: MptProxy & { port: number }, port: number): Promise<{ ttfb: number; reply: number }> {
  const reported = once(proxy, 'tunnel');
  const started = performance.now();
  const socket = tcpConnect({ host: '127.0.0.1', port: proxy.port, noDelay: true });
  const read = reader(socket);
  await once(socket, 'connect');
  socket.write(Buffer.of(5, 1, 0));
  const method = await read(2);
  if (method[1] !== 0) throw new Error(`method ${method[1]}`);
  socket.write(Buffer.of(5, 1, 0, 1, 127, 0, 0, 1, port >> 8, port & 0xff));
  const reply = await read(10);
  if (reply[1] !== 0) throw new Error(`SOCKS5 reply ${reply[1]}`);
  const replyMs = performance.now() - started;
  socket.write(GET(`127.0.0.1:${port}`));
  await read(1);
  const ttfb = performance.now() - started;
  socket.destroy();
  await reported; // the tunnel is closed before the next run
  return { ttfb, reply: replyMs };
}

interface Series {
  readonly runsMs: number[];
  readonly medianMs: number;
  readonly minMs: number;
  readonly maxMs: number;
}

function series(xs: number[]): Series {
  return { runsMs: xs.map((x) => Math.round(x * 100) / 100), medianMs: median(xs), minMs: Math.min(...xs), maxMs: Math.max(...xs) };
}

/** Where one scenario's runs go, and how the proxy is set up. */
interface Target {
  readonly converter: { readonly host: string; readonly port: number };
  readonly converterKey: string;
  /** The direct TCP connection's destination. */
  readonly direct: { readonly host: string; readonly port: number };
  /** The HTTP server's port on the converter's host (the SOCKS5 request names 127.0.0.1 and it). */
  readonly httpPort: number;
  readonly options: { readonly maxDatagramSizeBytes?: number };
  /** The proxy's key pair, hex. */
  readonly keyPair: { readonly publicKey: string; readonly privateKey: string };
}

interface Measured {
  readonly direct: number[];
  readonly proxied: number[];
  readonly replies: number[];
}

/** `runs` direct and proxy runs to a target, interleaved, after one of each to warm up. */
async function measure(target: Target): Promise<Measured> {
  const keyPair = { publicKey: Buffer.from(target.keyPair.publicKey, 'hex'), privateKey: Buffer.from(target.keyPair.privateKey, 'hex') };
  const proxy = createProxy({ converter: target.converter, serverKey: Buffer.from(target.converterKey, 'hex'), keyPair, ...target.options });
  proxy.listen(0, '127.0.0.1');
  await once(proxy, 'listening');
  try {
    const handle = Object.assign(proxy, { port: (proxy.address() as { port: number }).port });
    // One of each first: JIT, the first connection's costs (and on a new path, its ARP).
    await directTtfb(target.direct.host, target.direct.port);
    await proxyTtfb(handle, target.httpPort);
    const measured: Measured = { direct: [], proxied: [], replies: [] };
    for (let i = 0; i < runs; i++) {
      measured.direct.push(await directTtfb(target.direct.host, target.direct.port));
      const run = await proxyTtfb(handle, target.httpPort);
      measured.proxied.push(run.ttfb);
      measured.replies.push(run.reply);
    }
    return measured;
  } finally {
    await new Promise<void>((resolve) => proxy.close(() => resolve()));
  }
}

/** The namespaced scenario's client host: measures the target given as JSON and prints the result. */
async function measureAsClientHost(json: string): Promise<void> {
  process.stdout.write(`${JSON.stringify(await measure(JSON.parse(json) as Target))}\n`);
}

/** Builds the namespaces, runs the far side on the server host and the measurement on the client host. */
async function measureOverNetns(keyPair: Target['keyPair'], options: Target['options'], children: ChildProcess[]): Promise<Measured> {
  const path = await createNetnsPath({ oneWayMs: EMULATED_ONE_WAY_MS });
  try {
    const remote = await startProcess<{ httpPort: number; converterPort: number; converterKey: string }>(
      'proxy-ttfb-remote.ts',
      [keyPair.publicKey, path.server.address],
      children,
      path.execIn(path.server.namespace),
    );
    const target: Target = {
      converter: { host: path.server.address, port: remote.converterPort },
      converterKey: remote.converterKey,
      direct: { host: path.server.address, port: remote.httpPort },
      httpPort: remote.httpPort,
      options,
      keyPair,
    };
    return await startProcess<Measured>('proxy-ttfb.ts', ['--runs', String(runs), '--measure', JSON.stringify(target)], children, path.execIn(path.client.namespace));
  } finally {
    for (const child of children.splice(0)) child.kill();
    path.close();
  }
}

async function main(): Promise<void> {
  const generated = generateKeyPair();
  const keyPair = { publicKey: Buffer.from(generated.publicKey).toString('hex'), privateKey: Buffer.from(generated.privateKey).toString('hex') };
  const children: ChildProcess[] = [];
  process.on('exit', () => {
    for (const child of children) child.kill();
  });
  const remote = await startProcess<{ httpPort: number; converterPort: number; converterKey: string }>('proxy-ttfb-remote.ts', [keyPair.publicKey], children);
  const { httpPort, converterPort, converterKey } = remote;
  const network = await startProcess<{ emulatorPort: number; relayPort: number }>(
    'proxy-ttfb-network.ts',
    [String(converterPort), String(httpPort), String(EMULATED_ONE_WAY_MS)],
    children,
  );
  // On loopback mpt uses datagrams of up to 64 KiB and probes up to them (PMTUD) right after the
  // handshake; a real 40 ms path has an Ethernet MTU, so the emulated scenario caps the datagrams at
  // 1472 bytes, and `loopback-1472` shows what the loopback probes cost.
  const ethernet = { maxDatagramSizeBytes: 1472 };
  const local = (converterPortOf: number, directPort: number, options: Target['options']): Target => ({
    converter: { host: '127.0.0.1', port: converterPortOf },
    converterKey,
    direct: { host: '127.0.0.1', port: directPort },
    httpPort,
    options,
    keyPair,
  });
  const rtt = 2 * EMULATED_ONE_WAY_MS;
  const netnsMissing = netnsPathUnavailable();
  const scenarios: { name: string; rttMs: number; directPath: string; run: () => Promise<Measured> }[] = [
    { name: 'loopback', rttMs: 0, directPath: 'loopback', run: () => measure(local(converterPort, httpPort, {})) },
    { name: 'loopback-1472', rttMs: 0, directPath: 'loopback', run: () => measure(local(converterPort, httpPort, ethernet)) },
    {
      name: 'emulated-40ms',
      rttMs: rtt,
      directPath: `TCP relay, ${EMULATED_ONE_WAY_MS} ms each way, local TCP handshake`,
      run: () => measure(local(network.emulatorPort, network.relayPort, ethernet)),
    },
  ];
  if (netnsMissing === undefined) {
    scenarios.push({
      name: 'netns-40ms',
      rttMs: rtt,
      directPath: `the same namespaces and delay line as mpt's path, ${EMULATED_ONE_WAY_MS} ms each way: the kernel's TCP, handshake included`,
      run: () => measureOverNetns(keyPair, ethernet, []),
    });
  }
  const results: Record<string, unknown> = {};
  console.log(`TTFB of GET / through the local proxy (SOCKS5, 0-RTT tunnel) vs direct TCP over the same path, ${runs} runs each, interleaved, node ${process.version}`);
  console.log(`(emulated-40ms: direct TCP through a relay delaying each chunk ${EMULATED_ONE_WAY_MS} ms each way, its TCP handshake local: generous to TCP)`);
  console.log(
    netnsMissing === undefined
      ? `(netns-40ms: client and server hosts in network namespaces, every frame ${EMULATED_ONE_WAY_MS} ms late each way: the same real path for both)`
      : `(netns-40ms skipped: ${netnsMissing})`,
  );
  console.log(`\n${'scenario'.padEnd(16)}${'path'.padEnd(8)}${'median ms'.padStart(11)}${'min'.padStart(9)}${'max'.padStart(9)}`);
  const summary: string[] = [];
  try {
    for (const scenario of scenarios) {
      const { direct, proxied, replies } = await scenario.run();
      const d = series(direct);
      const p = series(proxied);
      const r = series(replies);
      const differences = proxied.map((x, i) => x - (direct[i] as number));
      const addedMs = p.medianMs - d.medianMs;
      const goalMs = scenario.rttMs + ALLOWANCE_MS;
      results[scenario.name] = {
        mptPathRttMs: scenario.rttMs,
        proxyOptions: scenario.rttMs > 0 || scenario.name.endsWith('1472') ? ethernet : {},
        directPath: scenario.directPath,
        direct: d,
        proxy: p,
        proxyReply: r,
        addedMs,
        pairedDifference: series(differences),
        goalMs,
        withinGoal: addedMs <= goalMs,
        addedInRtts: scenario.rttMs > 0 ? addedMs / scenario.rttMs : undefined,
        proxyInRtts: scenario.rttMs > 0 ? p.medianMs / scenario.rttMs : undefined,
      };
      for (const [name, s] of [
        ['direct', d],
        ['proxy', p],
        ['  reply', r],
      ] as const) {
        console.log(`${scenario.name.padEnd(16)}${name.padEnd(8)}${s.medianMs.toFixed(2).padStart(11)}${s.minMs.toFixed(2).padStart(9)}${s.maxMs.toFixed(2).padStart(9)}`);
      }
      summary.push(
        `${scenario.name}: proxy - direct = ${addedMs.toFixed(2)} ms (medians; paired differences ${median(differences).toFixed(2)} ms, ${Math.min(...differences).toFixed(2)}..${Math.max(...differences).toFixed(2)}); goal <= RTT ${scenario.rttMs} + ${ALLOWANCE_MS} = ${goalMs} ms: ${addedMs <= goalMs ? 'met' : 'NOT met'}${scenario.rttMs > 0 ? ` (${(addedMs / scenario.rttMs).toFixed(2)} RTT; the proxy's TTFB ${(p.medianMs / scenario.rttMs).toFixed(2)} RTT)` : ''}`,
      );
    }
    console.log(`\n${summary.join('\n')}`);
    const out = join(here, 'results');
    mkdirSync(out, { recursive: true });
    const report = { runs, cpu: cpus()[0]?.model, cores: cpus().length, node: process.version, emulatedOneWayMs: EMULATED_ONE_WAY_MS, allowanceMs: ALLOWANCE_MS, results };
    writeFileSync(join(out, 'proxy-ttfb.json'), `${JSON.stringify(report, null, 2)}\n`);
    console.log('\nwrote bench/results/proxy-ttfb.json');
  } finally {
    for (const child of children) child.kill();
  }
}

if (values.measure !== undefined) await measureAsClientHost(values.measure);
else await main();
