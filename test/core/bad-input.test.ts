import { describe, expect, it } from 'vitest';
import { CLIENT, SERVER, enginePair, payload, sha256 } from '../support/engine-pair.js';
import { nullProvider } from '../support/null-provider.js';
import { TapEndpoint } from '../support/scenarios.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';

// Issue #3.4: garbage and forged datagrams aimed at a live connection are
// dropped and counted, and the transfer they were aimed at completes intact.
const isShort = (bytes: Uint8Array): boolean => ((bytes[0] ?? 0) & 0x80) === 0;

function attack(provider: CryptoProvider | undefined) {
  let tap: TapEndpoint | undefined;
  const p = enginePair({
    seed: 11,
    link: { delayMs: 10, rateBps: 20e6, queueBytes: 64 * 1024, lossRate: 0.01 },
    ...(provider ? { client: { provider }, server: { provider } } : {}),
    wrapServer: (e) => (tap = new TapEndpoint(e, isShort)),
  });
  const data = payload(1_000_000, 5);
  p.connection.write(data);
  p.connection.shutdown();
  const rng = p.sim.random('attacker');
  const bytes = (n: number): Uint8Array => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = rng.nextUint32() & 0xff;
    return out;
  };
  const inject = (datagram: Uint8Array): void => p.server.handleDatagram(p.sim.nowMs, SERVER, CLIENT, datagram);
  const counts = { garbage: 0, forged: 0, replayed: 0, truncated: 0 };
  // Every 5 ms from 100 ms on: a volley of every kind of bad input.
  for (let t = 100; t < 1_000; t += 5) {
    p.sim.at(t, () => {
      // Garbage: random bytes, random lengths, short and long header forms.
      for (const n of [1, 7, 30, 200, 1200]) {
        inject(bytes(n));
        counts.garbage++;
      }
      const genuine = tap!.received;
      if (genuine.length < 20) return;
      const pick = genuine[Math.floor(rng.nextFloat() * genuine.length)]!;
      // Forged: a genuine header (our CID, a plausible packet number) with a flipped payload bit, or a random tail.
      const flipped = pick.slice();
      flipped[flipped.length - 1 - Math.floor(rng.nextFloat() * (flipped.length - 12))]! ^= 1 << (rng.nextUint32() & 7);
      inject(flipped);
      const randomTail = pick.slice();
      randomTail.set(bytes(randomTail.length - 12), 12);
      inject(randomTail);
      counts.forged += 2;
      // Replayed: a genuine packet, byte for byte.
      inject(pick.slice());
      counts.replayed++;
      // Truncated: cut inside the payload, inside the tag, inside the header.
      for (const keep of [pick.length - 1, pick.length - 17, 12, 5]) inject(pick.slice(0, keep));
      counts.truncated += 4;
    });
  }
  const ms = p.runUntil(() => p.serverSink?.finished === true, 30_000);
  return { p, ms, counts, intact: sha256(p.serverSink!.data()) === sha256(data) };
}

describe.each([
  ['the real AEAD', undefined],
  ['null packet protection', nullProvider],
] as const)('bad input against a live connection, with %s', (_name, provider) => {
  it('is dropped and counted, and the transfer completes intact', () => {
    const { p, ms, counts, intact } = attack(provider);
    expect(intact).toBe(true);
    const conn = p.serverSink!.connection;
    const endpoint = p.server.stats;
    const aimed = counts.forged + counts.replayed + counts.truncated;
    console.log(`bad input: ${JSON.stringify(counts)}; endpoint ${JSON.stringify(endpoint)}; connection dropped ${conn.stats.packetsDropped}; 1 MB in ${ms.toFixed(0)} ms`);
    expect(counts.forged).toBeGreaterThan(100);
    // Garbage never reaches the connection: undecodable or for an unknown CID (or refused as a tiny Initial).
    expect(endpoint.undecodable + endpoint.unknownConnection + endpoint.refused).toBeGreaterThanOrEqual(counts.garbage * 0.9);
    // Forgeries, replays and truncations that carried our CID are dropped by the connection (the few truncated
    // below the header length are the endpoint's).
    expect(conn.stats.packetsDropped).toBeGreaterThanOrEqual(aimed - counts.truncated / 2);
    expect(conn.state).not.toBe('closed');
    expect(conn.state).not.toBe('closing');
  });
});
