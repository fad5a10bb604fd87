/**
 * `npm run flood:netns`: a handshake flood from spoofed source addresses against an mpt server with the
 * Node API's defaults, on real sockets across network namespaces (scripts/netns-flood/testbed.ts: a
 * server, a legitimate client and an attacker host on one bridge; the spoofed range 10.82.0.0/16 routes
 * from the server into a blackhole). The attacker (scripts/netns-flood/spoofer.py, a raw socket) sends
 * copies of a real client Initial, each with a fresh destination CID, and forgeries of it, from random
 * addresses of the spoofed range. Measured:
 *
 * - the legitimate client's connect times (COUNT connections, each echoing 1 KiB) without and with the
 *   flood, and after it;
 * - the server's heap after a full GC before, during and after the flood (after = once the flood's
 *   half-open connections reached their idle timeout), the most connections it held, its retries;
 * - on the wire (nftables counters in the server's namespace): IP bytes sent to the spoofed range
 *   against IP bytes received from it.
 *
 * Prints a table, writes bench/results/netns-flood.json, and exits 1 if a bound is broken: the server
 * sent the spoofed range more than 3x what it received from it, a legitimate connection failed, the
 * flood held more than 256 connections (beyond the legitimate ones), no Retry was sent, or the heap grew
 * by more than {@link HEAP_BOUND_BYTES} during the flood, or more than {@link HEAP_AFTER_BOUND_BYTES} once
 * it was over. Exits 0 with a message (and measures nothing) when not root or a tool is missing.
 *
 * Environment: MPT_FLOOD_RATE (datagrams/s, default 5000), MPT_FLOOD_FORGED (share of forgeries, default
 * 0.5), MPT_FLOOD_CONNECTS (legitimate connections per phase, default 50), MPT_FLOOD_SECONDS (least
 * flood duration, default 15).
 * @module
 */
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AUTO_RETRY_HALF_OPEN } from '../src/core/endpoint.js';
import { connect, generateKeyPair } from '../src/index.js';
import type { ClientRun } from './netns-flood/client-host.js';
import { LineChild } from './netns-flood/line-child.js';
import type { ServerSample } from './netns-flood/server-host.js';
import { ADDRESSES, SPOOFED_RANGE, createTestbed, testbedUnavailable, type Testbed, type WireCount } from './netns-flood/testbed.js';
import { teardownOnSignals } from './netns-shell.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const RATE = Number(process.env.MPT_FLOOD_RATE ?? 5_000);
const FORGED = Number(process.env.MPT_FLOOD_FORGED ?? 0.5);
const CONNECTS = Number(process.env.MPT_FLOOD_CONNECTS ?? 50);
const FLOOD_SECONDS = Number(process.env.MPT_FLOOD_SECONDS ?? 15);
const PORT = 4433;
/** The server's idle timeout (the default), ms: a half-open connection of the flood is gone after it. */
const IDLE_TIMEOUT_MS = 30_000;
/** Most the server may send the spoofed range per byte received from it (RFC 9000 §8.1). */
const AMPLIFICATION_BOUND = 3;
/**
 * Most the heap may grow during the flood: 256 half-open connections at about 40 KB each (engine state
 * and the server's held MptSocket; docs/security.md §6) are about 10 MiB; the bound leaves room for what
 * a full GC cannot take yet (pending sends, timers).
 */
const HEAP_BOUND_BYTES = 16 * 2 ** 20;
/** Most the heap may stay above its level before the flood once the flood's connections timed out. */
const HEAP_AFTER_BOUND_BYTES = 2 * 2 ** 20;

/** Connect-time distribution of one phase, ms. */
interface Distribution {
  readonly connections: number;
  readonly failures: number;
  readonly medianMs: number;
  readonly p90Ms: number;
  readonly maxMs: number;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number;
}

function distribution(run: ClientRun): Distribution {
  const sorted = [...run.connectMs].sort((a, b) => a - b);
  const round = (x: number): number => Math.round(x * 100) / 100;
  return {
    connections: run.connectMs.length + run.failures.length,
    failures: run.failures.length,
    medianMs: round(quantile(sorted, 0.5)),
    p90Ms: round(quantile(sorted, 0.9)),
    maxMs: round(sorted.at(-1) ?? Number.NaN),
  };
}

/** A real client Initial (IK, pinning `serverKey`), recorded by a plain UDP socket on loopback. */
async function recordInitial(serverKey: Uint8Array): Promise<Buffer> {
  const trap = createSocket('udp4');
  await new Promise<void>((resolve) => trap.bind(0, '127.0.0.1', resolve));
  const client = connect({ host: '127.0.0.1', port: trap.address().port, serverKey, connectTimeout: 5_000 });
  client.on('error', () => {});
  const [datagram] = (await once(trap, 'message')) as [Buffer];
  client.destroy();
  trap.close();
  return datagram;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<number> {
  const unavailable = testbedUnavailable();
  if (unavailable !== undefined) {
    console.log(`flood:netns skipped: ${unavailable}`);
    return 0;
  }
  const keys = generateKeyPair();
  const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
  const initial = await recordInitial(keys.publicKey);
  const work = mkdtempSync(join(tmpdir(), 'mptfl-'));
  const templateFile = join(work, 'initial.hex');
  writeFileSync(templateFile, initial.toString('hex'));

  const children: LineChild[] = [];
  let testbed: Testbed | undefined;
  const teardown = (): void => {
    for (const child of children) child.kill('SIGKILL');
    testbed?.close();
    rmSync(work, { recursive: true, force: true });
  };
  teardownOnSignals('flood:netns', teardown);

  try {
    testbed = createTestbed(`mptfl${process.pid % 100_000}`);
    const tb = testbed;
    const node = (namespace: string, script: string, args: readonly string[], gc = false): string[] => [
      ...tb.execIn(namespace),
      process.execPath,
      ...(gc ? ['--expose-gc'] : []),
      '--import',
      'tsx',
      join(root, 'scripts', 'netns-flood', script),
      ...args,
    ];
    const server = new LineChild('server', node(tb.server, 'server-host.ts', [ADDRESSES.server, String(PORT), hex(keys.privateKey), hex(keys.publicKey)], true));
    children.push(server);
    if (!(JSON.parse(await server.nextLine(30_000)) as { ready?: boolean }).ready) throw new Error('server not ready');
    const sample = async (): Promise<ServerSample> => {
      server.send('sample');
      return JSON.parse(await server.nextLine(10_000)) as ServerSample;
    };
    const clients = async (count: number): Promise<ClientRun> => {
      const client = new LineChild('client', node(tb.client, 'client-host.ts', [ADDRESSES.server, String(PORT), hex(keys.publicKey), String(count)]));
      children.push(client);
      const line = await client.nextLine(count * 25_000 + 30_000);
      await client.exited();
      return JSON.parse(line) as ClientRun;
    };

    console.log(`flood:netns: namespaces ${tb.server} ${tb.client} ${tb.attacker} ${tb.middle}; ${CONNECTS} legitimate connections per phase`);
    // Without the flood (this run also warms the server up, so the heap before is a steady one).
    const quiet = await clients(CONNECTS);
    const before = await sample();
    const countersBefore = tb.spoofedCounters();

    // The flood, and the legitimate client during it.
    const spoofer = new LineChild('spoofer', [...tb.execIn(tb.attacker), 'python3', join(root, 'scripts', 'netns-flood', 'spoofer.py'), templateFile, ADDRESSES.server, String(PORT), SPOOFED_RANGE, String(RATE), '3600', String(FORGED)]);
    children.push(spoofer);
    if ((await spoofer.nextLine(10_000)) !== 'ready') throw new Error('spoofer not ready');
    const floodStarted = performance.now();
    await sleep(2_000); // the flood fills the half-open table first
    const underFlood = await clients(CONNECTS);
    const rest = FLOOD_SECONDS * 1000 - (performance.now() - floodStarted);
    if (rest > 0) await sleep(rest);
    const during = await sample();
    spoofer.kill('SIGTERM');
    const flood = JSON.parse(await spoofer.nextLine(10_000)) as { sent: number; forged: number; bytes: number; seconds: number };
    await spoofer.exited();
    const countersAtStop = tb.spoofedCounters();

    // After: the flood's half-open connections time out; the server's retransmissions to them are counted too.
    console.log(`flood:netns: flood over; waiting ${(IDLE_TIMEOUT_MS + 5_000) / 1000} s for its half-open connections to time out`);
    await sleep(IDLE_TIMEOUT_MS + 5_000);
    const countersAfter = tb.spoofedCounters();
    const after = await sample();
    const recovered = await clients(Math.min(CONNECTS, 10));

    const delta = (a: WireCount, b: WireCount): WireCount => ({ packets: a.packets - b.packets, bytes: a.bytes - b.bytes });
    const received = delta(countersAfter.fromSpoofed, countersBefore.fromSpoofed);
    const sent = delta(countersAfter.toSpoofed, countersBefore.toSpoofed);
    const sentWhileFlooding = delta(countersAtStop.toSpoofed, countersBefore.toSpoofed);
    const ratio = sent.bytes / received.bytes;
    const udpPayload = (c: WireCount): number => c.bytes - 28 * c.packets;
    const payloadRatio = udpPayload(sent) / udpPayload(received);
    const legitimateConnections = 2 * CONNECTS + Math.min(CONNECTS, 10);
    const result = {
      command: 'npm run flood:netns',
      date: new Date().toISOString(),
      settings: { rateTarget: RATE, forgedShare: FORGED, connectsPerPhase: CONNECTS, spoofedRange: SPOOFED_RANGE, idleTimeoutMs: IDLE_TIMEOUT_MS },
      flood: { datagrams: flood.sent, forged: flood.forged, seconds: flood.seconds, datagramsPerSecond: Math.round(flood.sent / flood.seconds), udpPayloadBytes: flood.bytes },
      connect: { quiet: distribution(quiet), underFlood: distribution(underFlood), after: distribution(recovered) },
      failures: [...quiet.failures, ...underFlood.failures, ...recovered.failures],
      server: {
        heapBeforeBytes: before.heapUsedBytes,
        heapDuringBytes: during.heapUsedBytes,
        heapAfterBytes: after.heapUsedBytes,
        connectionsDuring: during.connections,
        connectionsAfter: after.connections,
        peakConnections: after.peakConnections,
        retries: after.stats.retries - before.stats.retries,
        statsAfter: after.stats,
      },
      wire: {
        receivedFromSpoofed: received,
        sentToSpoofed: sent,
        sentToSpoofedWhileFlooding: sentWhileFlooding,
        ratioIpBytes: Math.round(ratio * 1000) / 1000,
        ratioUdpPayload: Math.round(payloadRatio * 1000) / 1000,
      },
    };

    const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(2)} MiB`;
    const row = (name: string, d: Distribution): string =>
      `  ${name.padEnd(14)} ${String(d.connections - d.failures).padStart(3)}/${d.connections} ok  median ${d.medianMs.toFixed(2).padStart(7)} ms  p90 ${d.p90Ms.toFixed(2).padStart(7)} ms  max ${d.maxMs.toFixed(2).padStart(7)} ms`;
    console.log(
      [
        `flood: ${flood.sent} Initials (${flood.forged} forged) in ${flood.seconds} s = ${result.flood.datagramsPerSecond}/s from ${SPOOFED_RANGE}`,
        'legitimate connect times (connect() to connect, then a 1 KiB echo):',
        row('without flood', result.connect.quiet),
        row('under flood', result.connect.underFlood),
        row('after flood', result.connect.after),
        `server heap after GC: before ${mib(before.heapUsedBytes)}, during ${mib(during.heapUsedBytes)}, after ${mib(after.heapUsedBytes)}`,
        `server connections: ${during.connections} during, peak ${after.peakConnections}, ${after.connections} after; Retries sent ${result.server.retries}`,
        `wire (nftables, server host): from spoofed ${received.packets} pkts ${received.bytes} B; to spoofed ${sent.packets} pkts ${sent.bytes} B (${sentWhileFlooding.bytes} B while flooding)`,
        `amplification: ${result.wire.ratioIpBytes}x IP bytes, ${result.wire.ratioUdpPayload}x UDP payload (bound ${AMPLIFICATION_BOUND}x)`,
      ].join('\n'),
    );
    mkdirSync(join(root, 'bench', 'results'), { recursive: true });
    writeFileSync(join(root, 'bench', 'results', 'netns-flood.json'), `${JSON.stringify(result, null, 2)}\n`);

    const broken: string[] = [];
    if (!(ratio <= AMPLIFICATION_BOUND)) broken.push(`amplification ${ratio} > ${AMPLIFICATION_BOUND}`);
    if (result.failures.length > 0) broken.push(`${result.failures.length} legitimate connections failed: ${[...new Set(result.failures)].join('; ')}`);
    if (after.peakConnections > AUTO_RETRY_HALF_OPEN + legitimateConnections) broken.push(`peak ${after.peakConnections} connections > ${AUTO_RETRY_HALF_OPEN} + ${legitimateConnections} legitimate`);
    if (result.server.retries === 0) broken.push('no Retry sent under the flood');
    if (during.heapUsedBytes - before.heapUsedBytes > HEAP_BOUND_BYTES) broken.push(`heap grew ${mib(during.heapUsedBytes - before.heapUsedBytes)} during the flood > ${mib(HEAP_BOUND_BYTES)}`);
    if (after.heapUsedBytes - before.heapUsedBytes > HEAP_AFTER_BOUND_BYTES) broken.push(`heap ${mib(after.heapUsedBytes - before.heapUsedBytes)} above its level before, after the flood > ${mib(HEAP_AFTER_BOUND_BYTES)}`);
    if (flood.sent === 0 || received.packets === 0) broken.push('the flood did not reach the server');
    for (const message of broken) console.error(`BOUND BROKEN: ${message}`);
    if (broken.length === 0) console.log('flood:netns: every bound held');
    server.send('quit');
    return broken.length === 0 ? 0 : 1;
  } finally {
    teardown();
  }
}

process.exitCode = await main();
