// A keyed peer (one that completed the handshake, so its frames authenticate) advertises an address that
// belongs to a third party: the victim gets path-validation probes only, a bounded and backed-off few,
// never the stream (docs/security.md §3).
import { describe, expect, it } from 'vitest';
import type { SocketAddress } from '../../src/core/socket-address.js';
import { SendLog } from '../support/send-log.js';
import { PROBE_BURST, PROBE_INTERVAL_MS } from '../../src/core/probe-budget.js';
import { fullmesh } from '../../src/path-managers/index.js';
import { enginePair, payload, sha256 } from '../support/engine-pair.js';
import { bdpLink } from '../support/two-paths.js';

/** The third party: no link reaches it, so nothing it could answer comes back. */
const VICTIM: SocketAddress = { host: '10.66.0.9', port: 443 };

const BYTES = 1_000_000;

describe('an address of a third party, advertised by a keyed peer', () => {
  it.each([1, 2, 3])('a server advertising a victim: the client sends it a few backed-off probes and no stream, seed %i', (seed) => {
    let log: SendLog | undefined;
    const pair = enginePair({
      seed,
      link: bdpLink(20e6, 20),
      client: { transport: { maxPaths: 4 } },
      server: { transport: { maxPaths: 4 } },
      // The client's default path manager: it opens a path to every address the server advertises.
      connect: { pathManager: fullmesh({ maxPaths: 4 }) },
      wrapClient: (client) => (log = new SendLog(client, VICTIM.host)),
    });
    pair.runUntil(() => pair.serverSink !== undefined && pair.clientSink.connected, 10_000);
    expect(pair.serverSink!.connection.advertiseAddress(VICTIM)).toBe(true);
    pair.serverNode.wake();
    const data = payload(BYTES, seed);
    pair.connection.write(data);
    pair.connection.shutdown();
    pair.clientNode.wake();
    pair.runUntil(() => pair.serverSink!.finished, 60_000);
    // Let any retry still due towards the victim happen.
    const settled = pair.sim.nowMs + 30_000;
    pair.runUntil(() => pair.sim.nowMs >= settled, 31_000);

    expect(sha256(pair.serverSink!.data())).toBe(sha256(data));
    const sends = log!.sends;
    // The client did try the address (the test is not vacuous), and gave it up: fullmesh makes at most
    // 5 attempts at a pair that never answers, backing off between them (1 s, 2 s, 4 s, 8 s after the
    // failure). Each attempt is one PATH_CHALLENGE datagram padded to 1200 bytes, then its PTO probes
    // (small), until three PTOs pass and the path is abandoned.
    const challenges = sends.filter((s) => s.bytes >= 1200);
    expect(challenges.length).toBeGreaterThan(0);
    expect(challenges.length).toBeLessThanOrEqual(5);
    for (const s of sends) expect(s.bytes).toBeLessThanOrEqual(1252);
    expect(sends.length).toBeLessThanOrEqual(5 * challenges.length);
    expect(sends.reduce((n, s) => n + s.bytes, 0)).toBeLessThan(5 * 1400);
    // Backed off: each gap between attempts longer than the one before.
    const gaps = challenges.slice(1).map((s, i) => s.atMs - challenges[i]!.atMs);
    for (let i = 1; i < gaps.length; i++) expect(gaps[i]!).toBeGreaterThan(gaps[i - 1]!);
    // No path towards it ever validated or carried a stream byte, and none is left.
    const towardVictim = [...pair.clientSink.seenPaths.values()].filter((p) => p.remote.host === VICTIM.host);
    expect(towardVictim.length).toBe(challenges.length);
    for (const p of towardVictim) {
      expect(p.validated).toBe(false);
      expect(p.stats.streamBytesSent).toBe(0);
    }
    expect(pair.connection.paths.some((p) => p.remote.host === VICTIM.host && !p.closed)).toBe(false);
  });

  it('a server that advertises and withdraws a victim over and over: the challenges follow the probe budget, not the advertisements', () => {
    let log: SendLog | undefined;
    const pair = enginePair({
      seed: 5,
      link: bdpLink(20e6, 20),
      client: { transport: { maxPaths: 4 } },
      server: { transport: { maxPaths: 4 } },
      connect: { pathManager: fullmesh({ maxPaths: 4 }) },
      wrapClient: (client) => (log = new SendLog(client, VICTIM.host)),
    });
    pair.runUntil(() => pair.serverSink !== undefined && pair.clientSink.connected, 10_000);
    const server = pair.serverSink!.connection;
    // Every 250 ms for 60 s: ADD_ADDRESS, then REMOVE_ADDRESS 125 ms later (each re-advertisement makes
    // fullmesh forgive the pair and open a path again at once).
    const start = pair.sim.nowMs;
    let advertisements = 0;
    for (let t = 0; t < 60_000; t += 250) {
      pair.sim.at(start + t, () => {
        if (server.advertiseAddress(VICTIM)) advertisements++;
        pair.serverNode.wake();
      });
      pair.sim.at(start + t + 125, () => {
        server.withdrawAddress(VICTIM);
        pair.serverNode.wake();
      });
    }
    const data = payload(BYTES, 5);
    pair.connection.write(data);
    pair.connection.shutdown();
    pair.clientNode.wake();
    pair.runUntil(() => pair.sim.nowMs >= start + 61_000 && pair.serverSink!.finished, 70_000);
    expect(sha256(pair.serverSink!.data())).toBe(sha256(data));

    const challenges = log!.sends.filter((s) => s.bytes >= 1200);
    expect(advertisements).toBe(240);
    // The first PROBE_BURST at once, then one per PROBE_INTERVAL_MS: a deferred path withdrawn before its
    // turn never sends its challenge. Without the budget: one challenge per advertisement.
    expect(challenges.length).toBeGreaterThan(0);
    expect(challenges.length).toBeLessThanOrEqual(PROBE_BURST + Math.ceil(61_000 / PROBE_INTERVAL_MS));
    expect(challenges.length).toBeLessThan(advertisements / 5);
    for (let i = PROBE_BURST; i < challenges.length; i++) {
      expect(challenges[i]!.atMs - challenges[i - 1]!.atMs).toBeGreaterThanOrEqual(PROBE_INTERVAL_MS - 1);
    }
  });

  it('a client advertising a victim: the server opens no path to it and sends it nothing', () => {
    let log: SendLog | undefined;
    const pair = enginePair({
      seed: 4,
      link: bdpLink(20e6, 20),
      client: { transport: { maxPaths: 4 } },
      server: { transport: { maxPaths: 4 }, server: { pathManager: fullmesh({ maxPaths: 4 }) } },
      wrapServer: (server) => (log = new SendLog(server, VICTIM.host)),
    });
    pair.runUntil(() => pair.serverSink !== undefined && pair.clientSink.connected, 10_000);
    expect(pair.connection.advertiseAddress(VICTIM)).toBe(true);
    pair.clientNode.wake();
    // The server learns the address...
    pair.runUntil(() => pair.serverSink!.connection.remoteAddresses().some((a) => a.host === VICTIM.host), 10_000);
    // ...and sends its stream to the client as usual, never to the victim.
    const data = payload(BYTES, 4);
    pair.serverSink!.connection.write(data);
    pair.serverSink!.connection.shutdown();
    pair.serverNode.wake();
    pair.runUntil(() => pair.clientSink.finished, 60_000);
    const settled = pair.sim.nowMs + 10_000;
    pair.runUntil(() => pair.sim.nowMs >= settled, 11_000);
    expect(sha256(pair.clientSink.data())).toBe(sha256(data));
    expect(log!.sends).toEqual([]);
  });
});
