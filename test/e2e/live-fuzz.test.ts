// Live fuzzing over real loopback sockets: a legitimate client sends bulk transfers to a server (each
// checked by SHA-256) while attackers send the server, and the client, datagrams of every shape: random
// bytes, real datagrams (recorded by a relay on the client's path) with bit flips, truncated, spliced,
// with their payload replaced, re-sent as they were from another address, and the client's first
// Initial again with a fresh DCID. Nothing may throw, every transfer must arrive intact, and the server
// must hold a bounded number of connections. Sized by MPT_LIVE_FUZZ_DATAGRAMS (default 12 000, a few
// seconds); `npm run fuzz:live` runs 10 000 000. Prints datagrams per second and counts per outcome.
import { createHash } from 'node:crypto';
import type { Socket as UdpSocket } from 'node:dgram';
import { once } from 'node:events';
import { afterEach, expect, onTestFinished, test } from 'vitest';
import { AUTO_RETRY_HALF_OPEN } from '../../src/core/endpoint.js';
import { generateKeyPair, type MptSocket } from '../../src/index.js';
import { Rng } from '../../src/sim/rng.js';
import { captureNextDriver, cleanup, dial, listen, udp } from './helpers.js';

const DATAGRAMS = Number(process.env.MPT_LIVE_FUZZ_DATAGRAMS ?? 12_000);
/** Bytes per legitimate transfer. */
const TRANSFER_BYTES = 4 * 1024 * 1024;
/** Attack datagrams sent per 1 ms timer turn. */
const BURST = 64;
/** The largest datagram of the legitimate connections, bytes. */
const ETHERNET = 1472;
/** Real datagrams the relay keeps (the newest) for the attackers to work from. */
const RECORDED = 512;

afterEach(cleanup);

/** A UDP socket on 127.0.0.1 that reads and ignores what it is sent (an attacker cannot use the answers). */
async function udpSocket(): Promise<UdpSocket> {
  const socket = await udp();
  socket.on('message', () => {});
  socket.on('error', () => {});
  return socket;
}

/** A seeded generator of integers below n, so a failing run can be repeated. */
function prng(seed: number): (n: number) => number {
  const rng = new Rng(seed);
  return (n) => rng.nextInt(n);
}

/** A pass-through UDP relay between the client and the server that keeps the newest datagrams of each direction. */
class RecordingRelay {
  readonly toServer: Buffer[] = [];
  readonly toClient: Buffer[] = [];
  firstInitial: Buffer | undefined;
  clientPort = 0;
  private constructor(
    readonly front: UdpSocket,
    readonly back: UdpSocket,
  ) {}

  static async start(serverPort: number): Promise<RecordingRelay> {
    const relay = new RecordingRelay(await udpSocket(), await udpSocket());
    relay.front.removeAllListeners('message');
    relay.back.removeAllListeners('message');
    relay.front.on('message', (datagram, from) => {
      relay.clientPort = from.port;
      relay.firstInitial ??= datagram;
      keep(relay.toServer, datagram);
      relay.back.send(datagram, serverPort, '127.0.0.1');
    });
    relay.back.on('message', (datagram) => {
      keep(relay.toClient, datagram);
      if (relay.clientPort !== 0) relay.front.send(datagram, relay.clientPort, '127.0.0.1');
    });
    return relay;
  }

  get port(): number {
    return this.front.address().port;
  }
}

function median(xs: readonly number[]): number {
  return [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? 0;
}

function keep(ring: Buffer[], datagram: Buffer): void {
  if (ring.length >= RECORDED) ring.splice(0, ring.length - RECORDED + 1);
  ring.push(datagram);
}

/** Random bytes to cut attack payloads from. */
const NOISE = ((): Buffer => {
  const rand = prng(0x5eed);
  const noise = Buffer.alloc(8 * 1024);
  for (let i = 0; i < noise.length; i++) noise[i] = rand(256);
  return noise;
})();

type Attack = 'random' | 'payloadReplaced' | 'bitFlips' | 'truncated' | 'spliced' | 'resent' | 'initialAgain' | 'toClient';
const ALL_ATTACKS: readonly Attack[] = ['random', 'payloadReplaced', 'bitFlips', 'truncated', 'spliced', 'resent', 'initialAgain', 'toClient'];
/** MPT_LIVE_FUZZ_KINDS (comma-separated) narrows the attacks, to find which one a failure comes from. */
const ATTACKS = process.env.MPT_LIVE_FUZZ_KINDS === undefined ? ALL_ATTACKS : ALL_ATTACKS.filter((k) => process.env.MPT_LIVE_FUZZ_KINDS!.split(',').includes(k));

/** One attack datagram of kind `kind` from what the relay recorded, or undefined if nothing is recorded yet. */
function forge(kind: Attack, relay: RecordingRelay, rand: (n: number) => number): Buffer | undefined {
  const pick = (ring: Buffer[]): Buffer | undefined => (ring.length === 0 ? undefined : Buffer.from(ring[rand(ring.length)]!));
  // A slice of the noise pool at a random offset: forging must cost the process (the server's too) little.
  const randomBytes = (n: number): Buffer => {
    const at = rand(NOISE.length - n + 1);
    return Buffer.from(NOISE.subarray(at, at + n));
  };
  switch (kind) {
    case 'random':
      return randomBytes(1 + rand(1400));
    case 'payloadReplaced': {
      // A real header (flags and the connection's CID), the rest random: routed to the connection, fails the AEAD.
      const real = pick(relay.toServer);
      if (real === undefined) return undefined;
      const header = Math.min(real.length, 9);
      return Buffer.concat([real.subarray(0, header), randomBytes(Math.max(1, real.length - header))]);
    }
    case 'bitFlips': {
      const real = pick(relay.toServer);
      if (real === undefined) return undefined;
      for (let i = 1 + rand(8); i > 0; i--) real[rand(real.length)]! ^= 1 << rand(8);
      return real;
    }
    case 'truncated': {
      const real = pick(relay.toServer);
      return real?.subarray(0, rand(real.length));
    }
    case 'spliced': {
      const a = pick(relay.toServer);
      const b = pick(relay.toServer);
      if (a === undefined || b === undefined) return undefined;
      const cut = rand(Math.min(a.length, b.length));
      return Buffer.concat([a.subarray(0, cut), b.subarray(cut)]);
    }
    case 'resent':
      // As recorded, from the attacker's address: authentic but already received (or reordered far back).
      return pick(relay.toServer);
    case 'initialAgain': {
      const initial = relay.firstInitial === undefined ? undefined : Buffer.from(relay.firstInitial);
      if (initial === undefined) return undefined;
      for (let i = 0; i < (initial[5] ?? 0); i++) initial[6 + i] = rand(256); // a fresh DCID: a new connection
      return initial;
    }
    case 'toClient': {
      const real = pick(relay.toClient);
      if (real === undefined) return undefined;
      for (let i = 1 + rand(8); i > 0; i--) real[rand(real.length)]! ^= 1 << rand(8);
      return real;
    }
  }
}

/** Sends TRANSFER_BYTES and ends; resolves with whether the server's digest (its answer) matches. */
async function transfer(socket: MptSocket, seed: number): Promise<boolean> {
  const data = Buffer.alloc(TRANSFER_BYTES);
  for (let i = 0; i < data.length; i += 4) data.writeUInt32LE((i * 2654435761 + seed) >>> 0, i);
  const answer: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => answer.push(chunk));
  const ended = once(socket, 'end');
  socket.end(data);
  await ended;
  return Buffer.concat(answer).equals(createHash('sha256').update(data).digest());
}

test(`${DATAGRAMS} attack datagrams during bulk transfers: nothing throws, every transfer intact, state bounded`, { timeout: 120_000 + DATAGRAMS * 2 }, async () => {
  const serverKeys = generateKeyPair();
  const driver = captureNextDriver();
  // Internet-sized datagrams (on loopback mpt would use 64 KiB ones, and the attackers' copies of them
  // would flood the server's socket buffer by volume alone, a flood no protocol can answer).
  const server = await listen({ keyPair: serverKeys, maxDatagramSizeBytes: ETHERNET }, (socket) => {
    const hash = createHash('sha256');
    socket.on('data', (chunk: Buffer) => hash.update(chunk));
    socket.on('end', () => socket.end(hash.digest()));
  });
  const endpoint = (await driver).endpoint;
  const relay = await RecordingRelay.start(server.port);
  const attacker = await udpSocket();
  const rand = prng(Number(process.env.MPT_LIVE_FUZZ_SEED ?? 1));
  const sent: Record<Attack, number> = { random: 0, payloadReplaced: 0, bitFlips: 0, truncated: 0, spliced: 0, resent: 0, initialAgain: 0, toClient: 0 };
  let total = 0;
  const heapBefore = process.memoryUsage().heapUsed;
  const started = performance.now();

  // The attack: BURST datagrams every millisecond until DATAGRAMS have gone.
  let timer: NodeJS.Timeout | undefined;
  const attacked = new Promise<void>((resolve) => {
    timer = setInterval(() => {
      for (let i = 0; i < BURST && total < DATAGRAMS; i++) {
        const kind = ATTACKS[rand(ATTACKS.length)]!;
        const datagram = forge(kind, relay, rand);
        if (datagram === undefined || datagram.length === 0) continue;
        const port = kind === 'toClient' ? relay.clientPort : server.port;
        if (port === 0) continue;
        attacker.send(datagram, port, '127.0.0.1');
        sent[kind]++;
        total++;
      }
      if (total >= DATAGRAMS) {
        clearInterval(timer);
        resolve();
      }
    }, 1);
  });
  onTestFinished(() => clearInterval(timer));

  // The legitimate client: transfers one after another until the attack is over (at least one).
  let transfers = 0;
  let intact = 0;
  let attackOver = false;
  const transferMs: number[] = [];
  void attacked.then(() => (attackOver = true));
  do {
    const begun = performance.now();
    const client = dial({ port: relay.port, serverKey: serverKeys.publicKey, allowHalfOpen: true, maxDatagramSizeBytes: ETHERNET });
    if (await transfer(client, transfers)) intact++;
    transferMs.push(performance.now() - begun);
    transfers++;
    client.destroy();
  } while (!attackOver);
  await attacked;
  const seconds = (performance.now() - started) / 1000;

  const heapGrowthMb = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
  console.log(
    `live fuzz: ${total} datagrams in ${seconds.toFixed(1)} s (${Math.round(total / seconds)}/s) during ${transfers} transfers of ${TRANSFER_BYTES >> 20} MiB (median ${median(transferMs).toFixed(0)} ms each), ${intact} intact; sent ${JSON.stringify(sent)}; ` +
      `server endpoint ${JSON.stringify(endpoint.stats)}, connections held ${endpoint.connections.size}; heap ${heapGrowthMb >= 0 ? '+' : ''}${heapGrowthMb.toFixed(1)} MiB`,
  );
  expect(transfers).toBeGreaterThan(0);
  expect(intact).toBe(transfers);
  // Forged and replayed Initials hold at most the 'auto' retry threshold of connections (and the legitimate ones).
  expect(endpoint.connections.size).toBeLessThanOrEqual(AUTO_RETRY_HALF_OPEN + transfers);
  expect(server.listening).toBe(true);
  // Every kind of attack was tried.
  for (const kind of ATTACKS) expect(sent[kind], kind).toBeGreaterThan(0);
});
