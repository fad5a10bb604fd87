// Golden traces (#14): a hash of every datagram each endpoint receives and sends (time, addresses, bytes)
// and of what each application saw (events, bytes read), for fixed simulator scenarios and seeds. A
// refactor of the engine must reproduce them exactly; a commit that changes behaviour on purpose
// updates GOLDEN here and says why. MPT_GOLDEN_PRINT=1 prints the current hashes.
import { createHash, type Hash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import type { DatagramEndpoint, Transmit } from '../../src/core/datagram-endpoint.js';
import { formatAddress, type SocketAddress } from '../../src/core/socket-address.js';
import { CLIENT, SERVER, enginePair, payload, type PairOptions, type Sink } from '../support/engine-pair.js';
import { nullProvider } from '../support/null-provider.js';
import { CLIENT_B, bdpLink } from '../support/two-paths.js';
import { keyPairFromPrivate, type KeyPair } from '../../src/crypto/x25519.js';

const SERVER_B: SocketAddress = { host: '10.0.0.3', port: 443 };

/** Hashes everything that crosses one endpoint's boundary, in order. */
class TraceTap implements DatagramEndpoint {
  readonly hash: Hash = createHash('sha256');
  datagrams = 0;
  constructor(private readonly inner: DatagramEndpoint) {}

  handleDatagram(nowMs: number, local: SocketAddress, remote: SocketAddress, bytes: Uint8Array): void {
    this.record('in', nowMs, local, remote, bytes);
    this.inner.handleDatagram(nowMs, local, remote, bytes);
  }
  handleTimeout(nowMs: number): void {
    this.inner.handleTimeout(nowMs);
  }
  pollTransmit(nowMs: number, out: Uint8Array): Transmit | undefined {
    const t = this.inner.pollTransmit(nowMs, out);
    if (t !== undefined) this.record('out', nowMs, t.local, t.remote, out.subarray(0, t.length));
    return t;
  }
  nextTimeout(): number | undefined {
    return this.inner.nextTimeout();
  }
  private record(direction: string, nowMs: number, local: SocketAddress, remote: SocketAddress, bytes: Uint8Array): void {
    this.datagrams++;
    this.hash.update(`${direction} ${nowMs} ${formatAddress(local)} ${formatAddress(remote)} ${bytes.length}\n`);
    this.hash.update(bytes);
  }
}

/** What an application saw: its events (errors by code and message) and the bytes it read. */
function appTrace(sink: Sink | undefined): string {
  if (sink === undefined) return 'none';
  const closed = sink.closed === undefined ? undefined : { ...sink.closed, error: describeError(sink.closed.error) };
  const seen = { connected: sink.connected, finished: sink.finished, reset: sink.reset, closed, pathEvents: sink.pathEvents, bytes: sink.bytes, data: createHash('sha256').update(sink.data()).digest('hex') };
  return createHash('sha256').update(JSON.stringify(seen)).digest('hex');
}

function describeError(error: unknown): string | undefined {
  if (error === undefined) return undefined;
  const e = error as { code?: string; message?: string };
  return `${e.code ?? '?'}: ${e.message ?? String(error)}`;
}

/** Runs a scenario with both endpoints tapped; returns one hash of both datagram traces and both app traces. */
function traced(options: PairOptions, script: (pair: ReturnType<typeof enginePair>) => void): { hash: string; datagrams: number } {
  let clientTap: TraceTap | undefined;
  let serverTap: TraceTap | undefined;
  const pair = enginePair({
    ...options,
    wrapClient: (c) => (clientTap = new TraceTap(c)),
    wrapServer: (s) => (serverTap = new TraceTap(s)),
  });
  script(pair);
  const client = clientTap as TraceTap;
  const server = serverTap as TraceTap;
  const hash = createHash('sha256')
    .update(client.hash.digest('hex'))
    .update(server.hash.digest('hex'))
    .update(appTrace(pair.clientSink))
    .update(appTrace(pair.serverSink))
    .digest('hex');
  return { hash, datagrams: client.datagrams + server.datagrams };
}

const null2 = { provider: nullProvider };

/** The scenarios, each a function of its seed. */
const SCENARIOS: Record<string, (seed: number) => { hash: string; datagrams: number }> = {
  // One path at 20 Mbit/s, 20 ms, 1% loss: 300 KB up with a FIN, 50 KB back with a FIN, then the client closes.
  'single path with loss, both FINs, close': (seed) =>
    traced({ seed, link: { delayMs: 10, rateBps: 20e6, queueBytes: 64 * 1024, lossRate: 0.01 }, client: null2, server: null2 }, (pair) => {
      pair.connection.write(payload(300_000, seed));
      pair.connection.shutdown();
      pair.runUntil(() => pair.serverSink?.finished === true, 60_000);
      const back = pair.serverSink?.connection;
      back?.write(payload(50_000, seed + 1));
      back?.shutdown();
      pair.serverNode.wake();
      pair.runUntil(() => pair.clientSink.finished && back?.writeEnded === true, 60_000);
      pair.connection.close(pair.sim.nowMs);
      pair.clientNode.wake();
      pair.runUntil(() => pair.serverSink?.closed !== undefined && pair.connection.state === 'closed', 60_000);
    }),
  // Two paths (20 Mbit/s 20 ms, 10 Mbit/s 80 ms), the second opened after the handshake; path A blackholed
  // at 300 ms of a 2 MB transfer, which completes over B.
  'two paths, one fails mid-transfer': (seed) =>
    traced(
      {
        seed,
        link: bdpLink(20e6, 20),
        extraClientAddresses: [{ address: CLIENT_B, link: bdpLink(10e6, 80) }],
        client: { ...null2, transport: { maxPaths: 4 } },
        server: { ...null2, transport: { maxPaths: 4 } },
      },
      (pair) => {
        pair.runUntil(() => pair.serverSink !== undefined && pair.clientSink.connected, 10_000);
        pair.runUntil(() => pair.connection.openPath(pair.sim.nowMs, CLIENT_B, SERVER) !== undefined, 10_000);
        pair.clientNode.wake();
        pair.connection.write(payload(2_000_000, seed));
        pair.connection.shutdown();
        const cutAt = pair.sim.nowMs + 300;
        pair.runUntil(() => pair.sim.nowMs >= cutAt, 10_000);
        pair.link.forward.configure({ blackhole: true });
        pair.link.reverse.configure({ blackhole: true });
        pair.runUntil(() => pair.serverSink?.finished === true, 60_000);
      },
    ),
  // NAT rebinding of the client's only path mid-transfer (the port changes at 200 ms).
  'NAT rebinding mid-transfer': (seed) =>
    traced({ seed, link: { delayMs: 10, rateBps: 20e6, queueBytes: 64 * 1024 }, client: null2, server: null2 }, (pair) => {
      pair.runUntil(() => pair.clientSink.connected, 10_000);
      pair.connection.write(payload(1_000_000, seed));
      pair.connection.shutdown();
      pair.sim.rebind(CLIENT.host, CLIENT.port, CLIENT.port + 1000, pair.sim.nowMs + 200);
      pair.runUntil(() => pair.serverSink?.finished === true, 60_000);
    }),
  // The real Noise IK handshake (default provider) with a stateless Retry first and 0-RTT data, then
  // 100 KB each way and a close by the server.
  'Noise IK with Retry and early data': (seed) => {
    const keys = keyPairFromPrivate(new Uint8Array(32).fill(seed + 7)) as KeyPair;
    return traced(
      { seed, serverKeys: keys, link: { delayMs: 15, rateBps: 50e6, queueBytes: 64 * 1024 }, server: { server: { retry: true } }, connect: { serverKey: keys.publicKey, earlyData: payload(600, seed + 2) } },
      (pair) => {
        pair.connection.write(payload(100_000, seed));
        pair.runUntil(() => pair.serverSink !== undefined && pair.serverSink.bytes >= 100_600, 10_000);
        const back = pair.serverSink?.connection;
        back?.write(payload(100_000, seed + 1));
        pair.serverNode.wake();
        pair.runUntil(() => pair.clientSink.bytes >= 100_000, 10_000);
        back?.close(pair.sim.nowMs);
        pair.serverNode.wake();
        pair.runUntil(() => pair.clientSink.closed !== undefined && back?.state === 'closed', 10_000);
        // The scenario did what it says: one Retry, the early data and the 100 KB arrived, the server closed.
        expect(pair.server.stats.retries).toBe(1);
        expect(pair.serverSink?.bytes).toBe(100_600);
        expect(pair.clientSink.closed?.initiator).toBe('peer');
      },
    );
  },
  // Happy eyeballs: the first destination is dead, the second (100 ms later) answers and becomes path 0;
  // XX (no pinned key), a 300 KB transfer with a FIN.
  'handshake race, first destination dead': (seed) =>
    traced(
      {
        seed,
        link: { delayMs: 10, blackhole: true },
        extraServerAddresses: [{ address: SERVER_B, link: { delayMs: 12, rateBps: 20e6, queueBytes: 64 * 1024, lossRate: 0.005 } }],
        connect: { race: { alternatives: [{ local: CLIENT, remote: SERVER_B }], attemptDelayMs: 100 } },
      },
      (pair) => {
        pair.connection.write(payload(300_000, seed));
        pair.connection.shutdown();
        pair.runUntil(() => pair.serverSink?.finished === true, 20_000);
        expect(pair.connection.paths[0]?.remote).toEqual(SERVER_B); // the second destination won
        expect(pair.serverSink?.bytes).toBe(300_000);
      },
    ),
  // Two paths; mid-transfer the client makes path 1 a backup, then available again, then abandons it
  // (PATH_STATUS, PATH_ABANDON); the transfer finishes on path 0 and the server closes.
  'path status and abandon mid-transfer': (seed) =>
    traced(
      {
        seed,
        link: bdpLink(20e6, 20),
        extraClientAddresses: [{ address: CLIENT_B, link: bdpLink(20e6, 40) }],
        client: { ...null2, transport: { maxPaths: 4 } },
        server: { ...null2, transport: { maxPaths: 4 } },
      },
      (pair) => {
        pair.runUntil(() => pair.serverSink !== undefined && pair.clientSink.connected, 10_000);
        let id: number | undefined;
        pair.runUntil(() => (id = pair.connection.openPath(pair.sim.nowMs, CLIENT_B, SERVER)) !== undefined, 10_000);
        pair.clientNode.wake();
        pair.connection.write(payload(3_000_000, seed));
        pair.connection.shutdown();
        const at = (ms: number, act: () => void): void => {
          const when = pair.sim.nowMs + ms;
          pair.runUntil(() => pair.sim.nowMs >= when, 10_000);
          act();
          pair.clientNode.wake();
        };
        at(200, () => pair.connection.setPathStatus(id as number, 'backup'));
        at(150, () => pair.connection.setPathStatus(id as number, 'available'));
        at(150, () => pair.connection.abandonPath(id as number));
        pair.runUntil(() => pair.serverSink?.finished === true, 60_000);
        pair.serverSink?.connection.close(pair.sim.nowMs);
        pair.serverNode.wake();
        pair.runUntil(() => pair.clientSink.closed !== undefined, 10_000);
        expect(pair.serverSink?.bytes).toBe(3_000_000);
        expect(pair.connection.pathById(id as number)).toBeUndefined(); // abandoned and forgotten
        expect(pair.clientSink.seenPaths.get(id as number)?.stats.bytesSent).toBeGreaterThan(100_000); // it carried data first
      },
    ),
};

/** The pinned hashes: scenario -> seed -> hash. */
const GOLDEN: Record<string, Record<number, string>> = {
  'single path with loss, both FINs, close': {
    1: '24b71607991825d0348cba50de12f1275911290450018ef7818accd75c08e581',
    2: '3e47f05f7262fa7fb85e2ac011877aa88a02e283ed5e704ff59430d3f6f30a05',
  },
  'two paths, one fails mid-transfer': {
    1: '4449ab1b7ecc2ec862c8dc65715db6f6cd278efb91f978e17123f73e9b346606',
    2: '621edc254662d973be64b3fa0f1146334a6df74a2e52ed3f47a5cd473e575788',
  },
  // Changed on purpose once: a path that follows a new address now pings the last validated one too
  // (RFC 9000 §9.3.3), one more datagram each (to the old, rebound port).
  'NAT rebinding mid-transfer': {
    1: '6c82043655da3aded8f4829d0e9553a00848213d8a213fa94e5115dc639ed533',
    2: '33d8b9fc797d79b8df70839057dc9d1dc4cdb42fa681217c2ab2b435c23cc76c',
  },
  'Noise IK with Retry and early data': {
    1: '4117460e5bb1d0433f0e55f05ae6db1e810f244d9c3051a6b29ccaec438e2a7c',
    2: 'dd79f6336bf4ccd7de68fa8ef8e8804a6cca7a00cdd81ab94b32bbfbeea1f9ae',
  },
  'handshake race, first destination dead': {
    1: '81ad0f389a13612e778420c018c81e7c99749423d14dd4dd4292d9d67def031c',
    2: '4b413da41f713fd2466a30d5dfbe9b9eb50157b459fd02aed8ddb211e65b958a',
  },
  'path status and abandon mid-transfer': {
    1: 'c07a0acdff46b2bdafc0135b0f59ec6e3311ffc4e6b891f04cdc956beeb7d031',
    2: '0500fef722c9fffea08023fb59be3ec8b64902de0268f104f2a138895e192df0',
  },
};

const SEEDS = [1, 2];

describe('golden traces: every datagram and app event of fixed scenarios reproduce exactly', () => {
  for (const [name, run] of Object.entries(SCENARIOS)) {
    for (const seed of SEEDS) {
      test(`${name}, seed ${seed}`, () => {
        const first = run(seed);
        // Deterministic within a run too: the same scenario twice gives the same trace.
        expect(run(seed).hash).toBe(first.hash);
        expect(first.datagrams).toBeGreaterThan(100);
        if (process.env.MPT_GOLDEN_PRINT === '1') console.log(`golden ${JSON.stringify(name)} seed ${seed}: ${first.hash} (${first.datagrams} datagrams)`);
        expect(first.hash).toBe(GOLDEN[name]?.[seed]);
      });
    }
  }
});
