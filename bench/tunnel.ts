/**
 * What a tunnel costs in round trips: openTunnel() through a link emulator of a set RTT to a converter
 * (on loopback) whose destination is a TCP echo server on loopback, with the converter's key pinned (the
 * request rides in the first flight, 0-RTT) and without (XX: the request is the first write after the
 * handshake). For each: the time to the reply (openTunnel() resolved) and to the echo of a first
 * 100-byte write, as medians of N runs, in ms and in RTTs; and the throughput of one tunnel without the
 * emulator (64 MiB each way through the echo). Writes bench/results/tunnel.json.
 *
 * Run: npm run bench:tunnel [-- --runs 15 --rtt 100 --mib 64]
 */
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer as createTcpServer } from 'node:net';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createConverter, generateKeyPair, openTunnel } from '../src/index.js';
import { createLinkEmulator } from '../src/node/link-emulator.js';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '15' },
    rtt: { type: 'string', default: '100' },
    mib: { type: 'string', default: '64' },
  },
});
const runs = Number(values.runs);
const rttMs = Number(values.rtt);
const mib = Number(values.mib);

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

async function main(): Promise<void> {
  const echo = createTcpServer({ allowHalfOpen: true }, (s) => {
    s.on('error', () => {});
    s.pipe(s);
  });
  echo.listen(0, '127.0.0.1');
  await once(echo, 'listening');
  const echoPort = (echo.address() as { port: number }).port;
  const client = generateKeyPair();
  const converter = createConverter({ clientKeys: [client.publicKey], allow: ['127.0.0.1/32'] });
  converter.listen(0, '127.0.0.1');
  await once(converter, 'listening');
  const converterPort = (converter.address() as { port: number }).port;
  const emulator = await createLinkEmulator({ backHost: '127.0.0.1', backPort: converterPort, delayMs: rttMs / 2 });
  const destination = { host: '127.0.0.1', port: echoPort };

  const results: Record<string, { replyMs: number; echoMs: number; replyRtts: number; echoRtts: number }> = {};
  const rows: string[][] = [];
  for (const pinned of [true, false]) {
    const replies: number[] = [];
    const echoes: number[] = [];
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      const socket = await openTunnel({ host: '127.0.0.1', port: emulator.port, keyPair: client, serverKey: pinned ? converter.publicKey : undefined, destination });
      replies.push(performance.now() - started);
      socket.write(Buffer.alloc(100, 1));
      let got = 0;
      while (got < 100) got += ((await once(socket, 'data')) as [Buffer])[0].length;
      echoes.push(performance.now() - started);
      socket.destroy();
      await once(socket, 'close');
    }
    const name = pinned ? 'pinned key (0-RTT request)' : 'no pinned key (XX)';
    const replyMs = median(replies);
    const echoMs = median(echoes);
    results[pinned ? 'pinned' : 'xx'] = { replyMs, echoMs, replyRtts: replyMs / rttMs, echoRtts: echoMs / rttMs };
    rows.push([name, replyMs.toFixed(1), (replyMs / rttMs).toFixed(2), echoMs.toFixed(1), (echoMs / rttMs).toFixed(2)]);
  }
  await emulator.close();

  // Throughput of one tunnel on loopback, no emulator: `mib` MiB each way through the echo.
  const socket = await openTunnel({ host: '127.0.0.1', port: converterPort, keyPair: client, serverKey: converter.publicKey, destination, allowHalfOpen: true });
  const total = mib * 1024 * 1024;
  const chunk = Buffer.alloc(64 * 1024, 7);
  const started = performance.now();
  let received = 0;
  socket.on('data', (d: Buffer) => (received += d.length));
  const ended = once(socket, 'end');
  let sent = 0;
  while (sent < total) {
    sent += chunk.length;
    if (!socket.write(chunk)) await once(socket, 'drain');
  }
  socket.end();
  await ended;
  const seconds = (performance.now() - started) / 1000;
  const mbps = (received * 8) / seconds / 1e6;

  console.log(`\ntunnel through a ${rttMs} ms RTT link emulator, medians of ${runs} runs (${cpus().length} CPUs)\n`);
  console.log('| client | reply, ms | RTTs | first echo, ms | RTTs |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
  console.log(`\none tunnel on loopback: ${mib} MiB echoed (each way) in ${seconds.toFixed(2)} s: ${mbps.toFixed(0)} Mbit/s each way, intact count ${received === total}`);

  const out = join(here, 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(
    join(out, 'tunnel.json'),
    `${JSON.stringify({ date: new Date().toISOString(), node: process.version, cpus: cpus().length, runs, rttMs, results, throughput: { mib, seconds, mbitPerSecondEachWay: mbps } }, null, 2)}\n`,
  );
  console.log('wrote bench/results/tunnel.json');
  socket.destroy();
  await new Promise<void>((resolve) => converter.close(() => resolve()));
  echo.close();
}

await main();
