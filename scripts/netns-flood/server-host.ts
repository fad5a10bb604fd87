/**
 * The server of scripts/netns-flood.ts, run in the server host's namespace: an echo server made with the
 * public API (`createServer`, defaults: `retry: 'auto'`, `maxConnections` 10,000), listening on
 * ADDRESS:PORT with the key pair whose secret key is PRIVATE_HEX. It reports on stdout, one JSON line
 * each: `{"ready": true}` once listening; then, for every `sample` line read on stdin, a {@link ServerSample}
 * taken after a full garbage collection (run with `node --expose-gc`).
 *
 * usage: node --expose-gc --import tsx scripts/netns-flood/server-host.ts ADDRESS PORT PRIVATE_HEX PUBLIC_HEX
 * @module
 */
import { createInterface } from 'node:readline';
import type { Endpoint } from '../../src/core/endpoint.js';
import { EndpointDriver } from '../../src/node/driver.js';
import { createServer } from '../../src/index.js';

/** What the server reports at each sample. */
export interface ServerSample {
  /** V8 heap in use after a full collection, bytes. */
  readonly heapUsedBytes: number;
  /** Connections the engine holds now (half-open, established or closing). */
  readonly connections: number;
  /** The most connections held at any 20 ms tick since the start. */
  readonly peakConnections: number;
  /** The endpoint's drop and retry counters. */
  readonly stats: Endpoint['stats'];
  /** Connections the server's application accepted ('connection' events). */
  readonly accepted: number;
}

const [address, port, privateHex, publicHex] = process.argv.slice(2) as [string, string, string, string];
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');

// The endpoint's counters are not public API: take the driver the server binds (an IP literal binds synchronously).
let endpoint: Endpoint | undefined;
const bindSync = EndpointDriver.bindSync.bind(EndpointDriver);
EndpointDriver.bindSync = (...args: Parameters<typeof EndpointDriver.bindSync>) => {
  const driver = bindSync(...args);
  endpoint ??= driver.endpoint;
  return driver;
};

let accepted = 0;
const server = createServer({ keyPair: { privateKey: Buffer.from(privateHex, 'hex'), publicKey: Buffer.from(publicHex, 'hex') } }, (socket) => {
  accepted++;
  socket.on('error', () => {});
  socket.pipe(socket);
});
let peakConnections = 0;
const tick = setInterval(() => {
  peakConnections = Math.max(peakConnections, endpoint?.connections.size ?? 0);
}, 20);
server.listen(Number(port), address, () => {
  if (endpoint === undefined) throw new Error('the server bound no endpoint through EndpointDriver.bindSync');
  console.log(JSON.stringify({ ready: true }));
});

createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() !== 'sample' || endpoint === undefined) return;
  gc();
  const sample: ServerSample = {
    heapUsedBytes: process.memoryUsage().heapUsed,
    connections: endpoint.connections.size,
    peakConnections: Math.max(peakConnections, endpoint.connections.size),
    stats: { ...endpoint.stats },
    accepted,
  };
  console.log(JSON.stringify(sample));
}).on('close', () => {
  clearInterval(tick);
  server.close();
  setTimeout(() => process.exit(0), 100).unref();
});
