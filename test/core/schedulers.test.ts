// The schedulers in the simulator (issue #4): a client with two addresses,
// one link each to the server, the second path opened after the handshake.
// minRTT keeps an app-limited stream on the faster path and leaves a backup
// path idle until the available one dies; round-robin alternates; redundant
// sends every byte on both paths and so rides out a path's sudden death.
import { describe, expect, test } from 'vitest';
import type { Connection } from '../../src/core/connection.js';
import type { SchedulerName } from '../../src/core/scheduler/index.js';
import { ExtensionId } from '../../src/core/wire/index.js';
import type { LinkOptions } from '../../src/sim/link-options.js';
import { enginePair, payload, sha256 } from '../support/engine-pair.js';
import { nullProvider } from '../support/null-provider.js';
import { CLIENT_B, bdpLink } from '../support/two-paths.js';



/** Both ends with the given scheduler; path 1 (CLIENT_B) opened and validated both ways before returning. */
function twoPaths(scheduler: SchedulerName, linkA: LinkOptions, linkB: LinkOptions, realCrypto = false) {
  // Uncoupled CUBIC per path, as these scenarios were measured with: the schedulers, not the coupling, are under test.
  const transport = { maxPaths: 2, scheduler, congestionControl: 'cubic' };
  const provider = realCrypto ? {} : { provider: nullProvider };
  const pair = enginePair({
    link: linkA,
    extraClientAddresses: [{ address: CLIENT_B, link: linkB }],
    client: { ...provider, transport },
    server: { ...provider, transport },
  });
  pair.runUntil(() => pair.serverSink !== undefined && pair.clientSink.connected, 10_000);
  pair.runUntil(() => pair.connection.openPath(pair.sim.nowMs, CLIENT_B, pair.connection.paths[0]!.remote) !== undefined, 10_000);
  pair.clientNode.wake();
  const c = pair.connection;
  pair.runUntil(() => c.pathById(1)!.validated && pair.serverSink!.connection.pathById(1)?.validated === true, 10_000);
  return pair;
}

/** Stream bytes a path sent: first copies plus retransmissions. */
function streamBytes(c: Connection, id: number): number {
  const p = c.pathById(id)!;
  return p.stats.streamBytesSent + p.stats.streamBytesRetransmitted;
}

type Pair = ReturnType<typeof twoPaths>;

/**
 * An application writing `chunkBytes` every `everyMs` for `durationMs`, then FIN. Returns the data
 * written, and runs until the server read it all, recording the longest gap between reads that
 * delivered bytes (from the first delivered byte on), in virtual ms.
 */
function paced(pair: Pair, chunkBytes: number, everyMs: number, durationMs: number, at?: (offsetMs: number) => void) {
  const c = pair.connection;
  const sink = pair.serverSink!;
  const chunks = Math.floor(durationMs / everyMs);
  const data = payload(chunks * chunkBytes, 3);
  const start = pair.sim.nowMs;
  for (let i = 0; i < chunks; i++) {
    pair.sim.at(start + (i + 1) * everyMs, () => {
      c.write(data.subarray(i * chunkBytes, (i + 1) * chunkBytes));
      if (i === chunks - 1) c.shutdown();
      at?.((i + 1) * everyMs);
    });
  }
  let lastBytes = sink.bytes;
  let lastAtMs = -1;
  let longestGapMs = 0;
  let longestGapEndMs = 0;
  pair.runUntil(() => {
    if (sink.bytes !== lastBytes) {
      const now = pair.sim.nowMs;
      if (lastAtMs >= 0 && now - lastAtMs > longestGapMs) {
        longestGapMs = now - lastAtMs;
        longestGapEndMs = now - start;
      }
      lastAtMs = now;
      lastBytes = sink.bytes;
    }
    return sink.finished;
  }, durationMs + 30_000);
  return { data, longestGapMs, longestGapEndMs, elapsedMs: pair.sim.nowMs - start };
}

describe('minRTT (default)', () => {
  test('an app-limited stream stays on the lower-RTT path', () => {
    const pair = twoPaths('minrtt', bdpLink(20e6, 20), bdpLink(20e6, 60));
    const c = pair.connection;
    const run = paced(pair, 10_000, 20, 5_000); // 4 Mbit/s over two 20 Mbit/s paths
    const a = streamBytes(c, 0);
    const b = streamBytes(c, 1);
    console.log(`minrtt, 4 Mbit/s app-limited over 20 ms / 60 ms paths: ${a} B on path 0, ${b} B on path 1 (${((100 * a) / (a + b)).toFixed(1)}% on the faster)`);
    expect(sha256(pair.serverSink!.data())).toBe(sha256(run.data));
    expect(a + b).toBeGreaterThanOrEqual(run.data.length);
    expect(a / (a + b)).toBeGreaterThan(0.97);
  });

  test('a backup path carries no data until the available path is blackholed, then carries the rest', () => {
    for (const backup of [false, true]) {
      const pair = twoPaths('minrtt', bdpLink(20e6, 20), bdpLink(10e6, 40));
      const c = pair.connection;
      c.pathById(1)!.backup = backup;
      const data = payload(8 << 20, 4);
      c.write(data);
      c.shutdown();
      const cutAtMs = pair.sim.nowMs + 1_500;
      let backupBytesAtCut = -1;
      pair.sim.at(cutAtMs, () => {
        backupBytesAtCut = streamBytes(c, 1);
        pair.link.forward.configure({ blackhole: true });
        pair.link.reverse.configure({ blackhole: true });
      });
      pair.runUntil(() => pair.serverSink!.finished, 60_000);
      console.log(
        `minrtt, path 1 ${backup ? 'backup' : 'available'}, 8 MiB, path 0 (20 Mbit/s, 20 ms) blackholed at 1.5 s: path 1 had ${backupBytesAtCut} B at the cut, ` +
          `${streamBytes(c, 1)} B at the end; path 0 ${streamBytes(c, 0)} B; done after ${((pair.sim.nowMs - cutAtMs) / 1000 + 1.5).toFixed(2)} s`,
      );
      expect(sha256(pair.serverSink!.data())).toBe(sha256(data));
      if (backup) {
        expect(backupBytesAtCut).toBe(0);
        // Path 0 carried ~3.7 MB in its 1.5 s; the backup took over the rest once path 0 stopped answering.
        expect(streamBytes(c, 1)).toBeGreaterThan(0.4 * data.length);
      } else {
        // Control: as an available path the same path 1 fills behind path 0 from the start.
        expect(backupBytesAtCut).toBeGreaterThan(500_000);
      }
    }
  });
});

describe('round-robin', () => {
  test('spreads an app-limited stream evenly over two equal paths', () => {
    for (const s of ['roundrobin', 'minrtt'] as const) {
      const pair = twoPaths(s, bdpLink(20e6, 20), bdpLink(20e6, 20));
      const c = pair.connection;
      const run = paced(pair, 10_000, 20, 5_000);
      const a = c.pathById(0)!.stats.packetsSent;
      const b = c.pathById(1)!.stats.packetsSent;
      const bytesShare = streamBytes(c, 0) / (streamBytes(c, 0) + streamBytes(c, 1));
      console.log(`${s}, 4 Mbit/s over two equal 20 Mbit/s / 20 ms paths: packets ${a} / ${b}, stream bytes ${streamBytes(c, 0)} / ${streamBytes(c, 1)}`);
      expect(sha256(pair.serverSink!.data())).toBe(sha256(run.data));
      if (s === 'roundrobin') {
        expect(a / (a + b)).toBeGreaterThan(0.45);
        expect(a / (a + b)).toBeLessThan(0.55);
        // Each 10 kB write is 7 full packets and a short one, so the path that leads each write gets 4 full ones.
        expect(bytesShare).toBeGreaterThan(0.4);
        expect(bytesShare).toBeLessThan(0.6);
      } else {
        // Control: minRTT keeps most of it on whichever path measured the lower RTT.
        expect(Math.max(bytesShare, 1 - bytesShare)).toBeGreaterThan(0.75);
      }
    }
  });
});

describe('redundant', () => {
  test('both ends list the redundant_scheduling extension, which copies need (docs/protocol.md §8.2)', () => {
    for (const pmtuDiscovery of [true, false]) {
      const transport = { maxPaths: 2, scheduler: 'redundant' as const, pmtuDiscovery };
      const pair = enginePair({ client: { provider: nullProvider, transport }, server: { provider: nullProvider, transport } });
      pair.runUntil(() => pair.serverSink?.connection.outcome !== undefined && pair.connection.outcome !== undefined, 10_000);
      expect(pair.connection.outcome!.peerParams.extensions).toContain(ExtensionId.RedundantScheduling);
      expect(pair.serverSink!.connection.outcome!.peerParams.extensions).toContain(ExtensionId.RedundantScheduling);
      expect(pair.connection.outcome!.peerParams.extensions.includes(ExtensionId.PmtuProbe)).toBe(pmtuDiscovery);
    }
  });

  test('sends every stream byte on both paths and delivers intact', () => {
    const pair = twoPaths('redundant', bdpLink(20e6, 20), bdpLink(20e6, 30), true);
    const c = pair.connection;
    const data = payload(4 << 20, 6);
    c.write(data);
    c.shutdown();
    const start = pair.sim.nowMs;
    pair.runUntil(() => pair.serverSink!.finished, 60_000);
    const p0 = c.pathById(0)!.stats;
    const p1 = c.pathById(1)!.stats;
    console.log(
      `redundant, 4 MiB over 20 Mbit/s / 20 ms and 20 Mbit/s / 30 ms: streamBytesSent ${p0.streamBytesSent} / ${p1.streamBytesSent} of ${data.length}, ` +
        `retransmitted ${c.stats.bytesRetransmitted}, ${((pair.sim.nowMs - start) / 1000).toFixed(2)} s (real AEAD)`,
    );
    expect(sha256(pair.serverSink!.data())).toBe(sha256(data));
    expect(p0.streamBytesSent).toBeGreaterThan(0.95 * data.length);
    expect(p1.streamBytesSent).toBeGreaterThan(0.95 * data.length);
    // Copies are not retransmissions: the connection counts as retransmitted only bytes resent after a loss.
    expect(c.stats.bytesRetransmitted).toBeLessThan(0.1 * data.length);
  });

  test('a lost copy is not resent when the other path already had it acknowledged', () => {
    // Path 1 (slower) loses 3% of what it carries; path 0's copy of the same bytes is acknowledged first.
    const pair = twoPaths('redundant', bdpLink(20e6, 20), { ...bdpLink(20e6, 40), lossRate: 0.03 });
    const c = pair.connection;
    const run = paced(pair, 10_000, 20, 5_000);
    const lost1 = c.pathById(1)!.stats.packetsLost;
    console.log(
      `redundant, 4 Mbit/s, path 1 with 3% loss: path 1 lost ${lost1} packets, path 0 ${c.pathById(0)!.stats.packetsLost}; ` +
        `stream bytes retransmitted ${c.stats.bytesRetransmitted}; streamBytesSent ${c.pathById(0)!.stats.streamBytesSent} / ${c.pathById(1)!.stats.streamBytesSent}`,
    );
    expect(sha256(pair.serverSink!.data())).toBe(sha256(run.data));
    expect(lost1).toBeGreaterThan(30);
    // Resending every lost copy would be ~1.4 kB per lost packet.
    expect(c.stats.bytesRetransmitted).toBeLessThan(0.1 * lost1 * 1400);
  });

  test('a path blackholed mid-transfer causes no stall', () => {
    const gaps: Partial<Record<SchedulerName, number>> = {};
    for (const s of ['redundant', 'minrtt'] as const) {
      const pair = twoPaths(s, bdpLink(20e6, 20), bdpLink(20e6, 60));
      const run = paced(pair, 10_000, 20, 6_000, (t) => {
        if (t === 3_000) {
          pair.link.forward.configure({ blackhole: true });
          pair.link.reverse.configure({ blackhole: true });
        }
      });
      const c = pair.connection;
      console.log(
        `${s}, 4 Mbit/s, path 0 (20 ms) blackholed at 3 s, path 1 60 ms: longest delivery gap ${run.longestGapMs.toFixed(1)} ms (ending at ${run.longestGapEndMs.toFixed(0)} ms); ` +
          `stream bytes ${streamBytes(c, 0)} / ${streamBytes(c, 1)}; retransmitted ${c.stats.bytesRetransmitted}`,
      );
      expect(sha256(pair.serverSink!.data())).toBe(sha256(run.data));
      gaps[s] = run.longestGapMs;
    }
    // Redundant: path 1 already carries every byte, so delivery just continues at its one-way delay; the
    // writes come every 20 ms and path 1 is 20 ms slower one way, so ~40 ms, within path 1's 60 ms RTT.
    expect(gaps.redundant).toBeLessThan(60);
    // Control: minRTT waits for path 0's probe timeout before resending on path 1.
    expect(gaps.minrtt).toBeGreaterThan(2 * gaps.redundant!);
  });
});
