import { describe, expect, it } from 'vitest';
import { enginePair, payload, sha256 } from '../support/engine-pair.js';
import { nullFrames as frames, nullProvider } from '../support/null-provider.js';
import { TapEndpoint, firstN } from '../support/scenarios.js';

// Targeted losses the random sweeps only hit by chance: the FIN, the tail of
// a transfer, every ACK for a while, and a blackout long enough for
// persistent congestion. The null packet protection leaves frames readable,
// so a test can pick the packet to lose.
const ONE_WAY_MS = 20;
const RTT_MS = 2 * ONE_WAY_MS;

const carriesFin = (bytes: Uint8Array): boolean => frames(bytes).some((f) => f.type === 'data' && f.fin);
const ackOnly = (bytes: Uint8Array): boolean => {
  const f = frames(bytes);
  return f.length > 0 && f.every((x) => x.type === 'ack' || x.type === 'padding');
};

function run(drop: (bytes: Uint8Array) => boolean, dropAt: 'server' | 'client', bytes = 200_000, link = {}, clock?: { nowMs: number }) {
  const p = enginePair({
    link: { delayMs: ONE_WAY_MS, rateBps: 20e6, ...link },
    client: { provider: nullProvider },
    server: { provider: nullProvider },
    ...(dropAt === 'server' ? { wrapServer: (e) => new TapEndpoint(e, () => false, drop) } : { wrapClient: (e) => new TapEndpoint(e, () => false, drop) }),
  });
  const data = payload(bytes);
  p.connection.write(data);
  p.connection.shutdown();
  const ms = p.runUntil(() => {
    if (clock !== undefined) clock.nowMs = p.sim.nowMs;
    return p.serverSink?.finished === true && p.connection.writeEnded;
  }, 60_000);
  expect(sha256(p.serverSink!.data())).toBe(sha256(data));
  return { p, ms };
}

describe('recovery from targeted losses', () => {
  const baseline = run(() => false, 'server').ms;

  it('the FIN lost twice costs about two probe timeouts, not a stall', () => {
    const { ms } = run(firstN(2, carriesFin), 'server');
    console.log(`FIN lost twice: ${ms.toFixed(0)} ms vs ${baseline.toFixed(0)} ms without loss`);
    // PTO here is about srtt + 4 rttvar + 25 ms ~ 100 ms, doubled on the second.
    expect(ms - baseline).toBeLessThan(8 * RTT_MS);
  });

  it('the last ten data packets lost (tail loss): repaired by the probes themselves', () => {
    // Lose the first transmission of the last 14 kB (about ten packets): a packet is dropped if it carries
    // a tail byte never sent before. Retransmissions are cut at other offsets, so this is counted by byte,
    // not by frame offset (which would drop most retransmissions again).
    const TAIL = 14_000;
    const sent = new Uint8Array(TAIL);
    const tail = (bytes: Uint8Array): boolean =>
      frames(bytes).some((f) => {
        if (f.type !== 'data') return false;
        const from = Math.max(0, f.offset - (200_000 - TAIL));
        const to = f.offset + f.data.length - (200_000 - TAIL);
        if (to <= from || sent.subarray(from, to).every((b) => b === 1)) return false;
        sent.fill(1, from, to);
        return true;
      });
    const { ms, p } = run(tail, 'server');
    console.log(`tail loss: ${ms.toFixed(0)} ms vs ${baseline.toFixed(0)} ms; lost ${p.connection.stats.packetsLost}`);
    expect(ms - baseline).toBeLessThan(8 * RTT_MS);
  });

  it('every ACK lost for 200 ms: the probes recover it, no stall', () => {
    const clock = { nowMs: 0 };
    const { ms } = run((bytes) => ackOnly(bytes) && clock.nowMs >= 100 && clock.nowMs < 300, 'client', 200_000, {}, clock);
    console.log(`ACK blackout 100..300 ms: ${ms.toFixed(0)} ms vs ${baseline.toFixed(0)} ms`);
    // The PTO backs off while no ACK gets through: 200 ms of silence costs at most a few hundred ms more.
    expect(ms - baseline).toBeLessThan(20 * RTT_MS);
  });

  it('a 3 s outage mid-transfer: persistent congestion, then the transfer resumes and completes', () => {
    const p = enginePair({ link: { delayMs: ONE_WAY_MS, rateBps: 20e6, queueBytes: 100_000 }, client: { provider: nullProvider }, server: { provider: nullProvider } });
    const data = payload(4_000_000);
    p.connection.write(data);
    p.connection.shutdown();
    p.sim.blackhole(p.link.forward, 500, 3_500);
    p.sim.blackhole(p.link.reverse, 500, 3_500);
    let minCwndAfter = Infinity;
    const ms = p.runUntil(() => {
      const path = p.connection.paths[0];
      if (path !== undefined && p.sim.nowMs > 3_500) minCwndAfter = Math.min(minCwndAfter, path.cc.cwnd);
      return p.serverSink?.finished === true;
    }, 60_000);
    expect(sha256(p.serverSink!.data())).toBe(sha256(data));
    // Persistent congestion (RFC 9002 §7.6): the window collapsed to two datagrams, then grew again. To the
    // sender an outage looks like a PMTU black hole too (RFC 8899 §4.3): it fell back to 1200-byte
    // datagrams and found 1452 again afterwards.
    expect(minCwndAfter).toBe(2 * 1200);
    expect(p.connection.paths[0]!.stats.pmtuBlackHoles).toBeGreaterThanOrEqual(1);
    expect(p.connection.paths[0]!.mtuBytes).toBe(1452);
    console.log(`3 s outage: 4 MB in ${ms.toFixed(0)} ms (1.6 s of link time + 3 s outage)`);
    // The PTO backs off 2x per probe: the first probe after the outage goes at most one doubling (~3 s) later.
    expect(ms).toBeLessThan(3_500 + 3_000 + 3_000);
    expect(p.connection.state).toBe('established');
  });
});
