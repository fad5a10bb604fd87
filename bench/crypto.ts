/**
 * Crypto benchmark: seal + open of one 1200-byte packet for every
 * provider / cipher pair this machine has, against two baselines measured in
 * the same run (node:crypto AES-256-GCM, and a plain 1200-byte copy as the
 * floor), plus full Noise XX and IK handshakes. Prints a table and writes
 * bench/results/crypto.json. Run: npm run bench.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import {
  AeadId,
  aeadName,
  createHandshake,
  createPacketProtection,
  generateKeyPair,
  MPT_NOISE_PROTOCOLS,
  noisePrologue,
  nodeProvider,
  sodiumProvider,
  type AeadId as AeadIdT,
  type CryptoProvider,
  type KeyPair,
} from '../src/crypto/index.js';
import { WIRE_VERSION } from '../src/core/wire/version.js';
import { nodeX25519, sodiumX25519, useX25519Backend, type X25519Backend } from '../src/crypto/x25519.js';


const PROLOGUE = noisePrologue(WIRE_VERSION);

const PACKET_BYTES = 1200;
const HEADER_BYTES = 20;
const RUNS = 7;
const PACKETS_PER_RUN = 20_000;
const HANDSHAKES_PER_RUN = 40;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

/** Median over RUNS of the per-iteration time in µs of `body`, run `n` times per run. */
function timeUs(n: number, body: (i: number) => void): { medianUs: number; runsUs: number[] } {
  for (let i = 0; i < Math.min(n, 2000); i++) body(i); // warm-up
  const runsUs: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) body(i);
    runsUs.push(((performance.now() - t0) * 1000) / n);
  }
  return { medianUs: median(runsUs), runsUs };
}

interface Row {
  name: string;
  medianUs: number;
  packetsPerSecond: number;
  megabytesPerSecond: number;
  vsNodeAesGcm: number;
  vsCopy: number;
  runsUs: number[];
}

const header = Uint8Array.from({ length: HEADER_BYTES }, (_, i) => i);
const payload = Uint8Array.from({ length: PACKET_BYTES }, (_, i) => (i * 31) & 0xff);
const key = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
const iv = Uint8Array.from({ length: 12 }, (_, i) => 0x80 + i);

function sealOpen(provider: CryptoProvider, id: AeadIdT): { medianUs: number; runsUs: number[] } {
  const tx = createPacketProtection(provider, id, key, iv)._unsafeUnwrap();
  const rx = createPacketProtection(provider, id, key, iv)._unsafeUnwrap();
  const wire = new Uint8Array(PACKET_BYTES + 16);
  const plain = new Uint8Array(PACKET_BYTES);
  let pn = 0;
  return timeUs(PACKETS_PER_RUN, () => {
    const ct = tx.seal(0, pn, header, payload, wire);
    if (rx.open(0, pn, header, ct, plain) === null) throw new Error('open failed');
    pn++;
  });
}

const measured: { name: string; medianUs: number; runsUs: number[] }[] = [];
const copyTarget = new Uint8Array(PACKET_BYTES);
measured.push({ name: 'baseline: copy 1200 B', ...timeUs(PACKETS_PER_RUN * 10, () => copyTarget.set(payload)) });

const node = nodeProvider();
const sodium = sodiumProvider();
const pairs: [string, CryptoProvider, AeadIdT][] = [];
for (const id of node.aeads) pairs.push([`node:crypto ${aeadName(id)}`, node, id]);
if (sodium !== undefined) for (const id of sodium.aeads) pairs.push([`sodium-native ${aeadName(id)}`, sodium, id]);
for (const [name, provider, id] of pairs) measured.push({ name, ...sealOpen(provider, id) });

const copyUs = measured[0]?.medianUs ?? NaN;
const aesUs = measured.find((m) => m.name === `node:crypto ${aeadName(AeadId.Aes256Gcm)}`)?.medianUs ?? NaN;
const rows: Row[] = measured.map((m) => ({
  name: m.name,
  medianUs: m.medianUs,
  packetsPerSecond: 1e6 / m.medianUs,
  megabytesPerSecond: (PACKET_BYTES * 1e6) / m.medianUs / 1e6,
  vsNodeAesGcm: m.medianUs / aesUs,
  vsCopy: m.medianUs / copyUs,
  runsUs: m.runsUs,
}));

// Handshakes: both sides in one process, ephemerals generated for real.
function handshake(protocol: string, server: KeyPair, client: KeyPair, pin: boolean): void {
  const init = createHandshake({
    protocolName: protocol,
    initiator: true,
    prologue: PROLOGUE,
    staticKeyPair: client,
    remoteStaticKey: pin ? server.publicKey : undefined,
    verifyRemoteStatic: () => true,
  })._unsafeUnwrap();
  const resp = createHandshake({ protocolName: protocol, initiator: false, prologue: PROLOGUE, staticKeyPair: server })._unsafeUnwrap();
  let [a, b] = [init, resp];
  while (init.status === 'in-progress') {
    b.readMessage(a.writeMessage()._unsafeUnwrap())._unsafeUnwrap();
    [a, b] = [b, a];
  }
  init.split()._unsafeUnwrap();
  resp.split()._unsafeUnwrap();
}
const serverKeys = generateKeyPair();
const clientKeys = generateKeyPair();
// Each handshake with X25519 from libsodium (sodium-native, the default when it loads) and from
// node:crypto, runs interleaved.
const backends = [sodiumX25519(), nodeX25519].filter((b): b is X25519Backend => b !== undefined);
const kinds = [
  { name: 'Noise XX (3 messages, both sides)', protocol: MPT_NOISE_PROTOCOLS.xx, pin: false },
  { name: 'Noise IK (2 messages, both sides)', protocol: MPT_NOISE_PROTOCOLS.ik, pin: true },
];
const handshakeRuns = new Map<string, number[]>();
for (let r = -1; r < RUNS; r++) {
  for (const kind of kinds) {
    for (const backend of backends) {
      useX25519Backend(backend);
      const t0 = performance.now();
      for (let i = 0; i < HANDSHAKES_PER_RUN; i++) handshake(kind.protocol, serverKeys, clientKeys, kind.pin);
      const us = ((performance.now() - t0) * 1000) / HANDSHAKES_PER_RUN;
      const name = `${kind.name}, X25519 ${backend.name}`;
      if (r >= 0) handshakeRuns.set(name, [...(handshakeRuns.get(name) ?? []), us]); // run -1 warms up
    }
  }
}
useX25519Backend(undefined);
const handshakes = [...handshakeRuns].map(([name, runsUs]) => ({ name, medianUs: median(runsUs), runsUs }));

const pad = (s: string, n: number): string => s.padEnd(n);
const num = (x: number, d: number): string => x.toFixed(d).padStart(10);
console.log(`\nseal + open of one ${PACKET_BYTES} B packet (${HEADER_BYTES} B header as AAD), median of ${RUNS} runs x ${PACKETS_PER_RUN} packets`);
console.log(`${pad('', 34)}${'us/pkt'.padStart(10)}${'pkt/s'.padStart(10)}${'MB/s'.padStart(10)}${'x AES-GCM'.padStart(10)}${'x copy'.padStart(10)}`);
for (const r of rows) {
  console.log(`${pad(r.name, 34)}${num(r.medianUs, 2)}${num(r.packetsPerSecond, 0)}${num(r.megabytesPerSecond, 1)}${num(r.vsNodeAesGcm, 2)}${num(r.vsCopy, 0)}`);
}
console.log(`\nfull handshake, median of ${RUNS} runs x ${HANDSHAKES_PER_RUN}`);
for (const h of handshakes) console.log(`${pad(h.name, 54)}${num(h.medianUs / 1000, 3)} ms`);

const results = {
  bench: 'crypto',
  date: new Date().toISOString(),
  node: process.version,
  openssl: process.versions.openssl,
  cpu: cpus()[0]?.model ?? 'unknown',
  packetBytes: PACKET_BYTES,
  headerBytes: HEADER_BYTES,
  runs: RUNS,
  packetsPerRun: PACKETS_PER_RUN,
  sealOpen: rows,
  handshakes: handshakes.map((h) => ({ name: h.name, medianMs: h.medianUs / 1000, runsMs: h.runsUs.map((u) => u / 1000) })),
};
const dir = new URL('./results/', import.meta.url);
mkdirSync(dir, { recursive: true });
writeFileSync(new URL('crypto.json', dir), `${JSON.stringify(results, null, 2)}\n`);
console.log('\nwrote bench/results/crypto.json');
