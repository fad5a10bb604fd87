/**
 * How many datagrams a second the userspace link emulator (src/node/link-emulator.ts)
 * relays on loopback, in its own process, with three processes: a blaster
 * sends N datagrams as fast as node:dgram lets it to the relay, the relay
 * forwards them (with the impairments of each scenario) to a sink in this
 * process. Side by side with the same blaster sending straight to the sink,
 * so the table shows what the relay costs over raw dgram. Prints a table
 * and writes bench/results/link-emulator.json.
 *
 * Run: npx tsx bench/link-emulator.ts [--count 200000 --size 200]
 * (internally: node --import tsx bench/link-emulator.ts <relay|blast> ...)
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { createSocket } from 'node:dgram';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createLinkEmulator, type LinkImpairmentChanges } from '../src/node/link-emulator.js';

const here = fileURLToPath(import.meta.url);
const role = process.argv[2];

function say(message: object): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

/** Relay process: argv backPort, impairments JSON. Prints {port}, then on 'stats' prints its counters and timings. */
async function relay(backPort: number, impairments: LinkImpairmentChanges): Promise<void> {
  const emulator = await createLinkEmulator({ backHost: '127.0.0.1', backPort, frontHost: '127.0.0.2', outboundHost: '127.0.0.3', ...impairments });
  const started = process.cpuUsage();
  say({ port: emulator.port });
  for await (const line of createInterface({ input: process.stdin })) {
    if (line === 'stats') {
      const cpu = process.cpuUsage(started);
      say({ stats: emulator.stats(), cpuMs: (cpu.user + cpu.system) / 1000 });
      await emulator.close();
      process.exit(0);
    }
  }
}

/** Blaster process: argv port, count, size. Sends, yielding to the loop every batch, then prints {ms}. */
async function blast(port: number, count: number, size: number): Promise<void> {
  const socket = createSocket({ type: 'udp4', sendBufferSize: 4 << 20 });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const payload = Buffer.alloc(size, 7);
  const t0 = performance.now();
  let sent = 0;
  while (sent < count) {
    for (let i = 0; i < 256 && sent < count; i++, sent++) socket.send(payload, port, '127.0.0.2');
    await new Promise((resolve) => setImmediate(resolve));
  }
  const ms = performance.now() - t0;
  socket.close();
  say({ ms });
}

function child(args: string[]): ChildProcessByStdio<Writable, Readable, null> {
  const proc = spawn(process.execPath, ['--import', 'tsx', here, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  return proc;
}

async function nextJson(it: AsyncIterator<string>): Promise<Record<string, unknown>> {
  const { value, done } = await it.next();
  if (done === true) throw new Error('child exited early');
  return JSON.parse(value as string) as Record<string, unknown>;
}

interface Row {
  readonly scenario: string;
  readonly sent: number;
  readonly received: number;
  readonly blastKpps: number;
  readonly relayKpps: number | undefined;
  readonly relayCpuUsPerDatagram: number | undefined;
  readonly relayDropped: Record<string, number> | undefined;
}

async function run(scenario: string, impairments: LinkImpairmentChanges | undefined, count: number, size: number): Promise<Row> {
  const sink = createSocket({ type: 'udp4', recvBufferSize: 4 << 20 });
  await new Promise<void>((resolve) => sink.bind(0, '127.0.0.1', resolve));
  let received = 0;
  let firstMs = 0;
  let lastMs = 0;
  sink.on('message', () => {
    const now = performance.now();
    if (received === 0) firstMs = now;
    lastMs = now;
    received++;
  });
  let relayProc: ChildProcessByStdio<Writable, Readable, null> | undefined;
  let relayLines: AsyncIterator<string> | undefined;
  let target = sink.address().port;
  if (impairments !== undefined) {
    relayProc = child(['relay', String(target), JSON.stringify(impairments)]);
    relayLines = createInterface({ input: relayProc.stdout })[Symbol.asyncIterator]();
    target = Number((await nextJson(relayLines)).port);
  } else {
    // Straight to the sink: the blaster sends to 127.0.0.2, so bind the sink there instead.
    sink.close();
    return runDirect(scenario, count, size);
  }
  const blaster = child(['blast', String(target), String(count), String(size)]);
  const blastOut = await nextJson(createInterface({ input: blaster.stdout })[Symbol.asyncIterator]());
  // Wait until the sink has been quiet for 300 ms (everything relayed or dropped).
  let seen = -1;
  while (seen !== received) {
    seen = received;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  relayProc.stdin.write('stats\n');
  const report = await nextJson(relayLines);
  sink.close();
  const stats = report.stats as { toServer: { datagramsIn: number; datagramsForwarded: number; dropped: Record<string, number> } };
  const spanMs = lastMs - firstMs;
  return {
    scenario,
    sent: count,
    received,
    blastKpps: count / Number(blastOut.ms),
    relayKpps: stats.toServer.datagramsForwarded / spanMs,
    relayCpuUsPerDatagram: (Number(report.cpuMs) * 1000) / stats.toServer.datagramsIn,
    relayDropped: Object.fromEntries(Object.entries(stats.toServer.dropped).filter(([, n]) => n > 0)),
  };
}

async function runDirect(scenario: string, count: number, size: number): Promise<Row> {
  const sink = createSocket({ type: 'udp4', recvBufferSize: 4 << 20 });
  await new Promise<void>((resolve) => sink.bind(0, '127.0.0.2', resolve));
  let received = 0;
  sink.on('message', () => received++);
  const blaster = child(['blast', String(sink.address().port), String(count), String(size)]);
  const blastOut = await nextJson(createInterface({ input: blaster.stdout })[Symbol.asyncIterator]());
  let seen = -1;
  while (seen !== received) {
    seen = received;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  sink.close();
  return { scenario, sent: count, received, blastKpps: count / Number(blastOut.ms), relayKpps: undefined, relayCpuUsPerDatagram: undefined, relayDropped: undefined };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { count: { type: 'string', default: '200000' }, size: { type: 'string', default: '200' } },
  });
  const count = Number(values.count);
  const size = Number(values.size);
  const scenarios: [string, LinkImpairmentChanges | undefined][] = [
    ['direct (no relay)', undefined],
    ['relay, no impairment', {}],
    ['relay, 20 ms delay + 1 ms jitter', { delayMs: 20, jitterMs: 1 }],
    ['relay, 20 ms + 1% loss + 1 Gbit/s', { delayMs: 20, lossRate: 0.01, rateBps: 1e9, queueBytes: 4 << 20 }],
  ];
  const rows: Row[] = [];
  for (const [name, impairments] of scenarios) rows.push(await run(name, impairments, count, size));
  console.log(`${count} datagrams of ${size} B, blaster -> (relay process) -> sink, loopback`);
  console.log('scenario                               received  blast kpps  relay kpps  relay us/dgram  relay drops');
  for (const r of rows) {
    console.log(
      `${r.scenario.padEnd(38)} ${String(r.received).padStart(8)}  ${r.blastKpps.toFixed(1).padStart(10)}  ${(r.relayKpps?.toFixed(1) ?? '-').padStart(10)}  ${(r.relayCpuUsPerDatagram?.toFixed(2) ?? '-').padStart(14)}  ${JSON.stringify(r.relayDropped ?? {})}`,
    );
  }
  const out = join(dirname(here), 'results', 'link-emulator.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify({ count, size, node: process.version, rows }, null, 2)}\n`);
}

if (role === 'relay') void relay(Number(process.argv[3]), JSON.parse(process.argv[4] ?? '{}') as LinkImpairmentChanges);
else if (role === 'blast') void blast(Number(process.argv[3]), Number(process.argv[4]), Number(process.argv[5]));
else void main();
