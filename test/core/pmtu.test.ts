import { describe, expect, it } from 'vitest';
import { enginePair, payload, sha256 } from '../support/engine-pair.js';
import { nullFrames, nullProvider } from '../support/null-provider.js';
import { bdpLink, twoPaths } from '../support/two-paths.js';

// PMTU discovery in the simulator (RFC 8899): probes get out on busy and
// lossy paths, and a path whose MTU shrinks after discovery falls back to
// the base size instead of stalling until the idle timeout.

describe('PMTU discovery', () => {
  it('falls back to 1200 and searches again when the path MTU drops below the discovered size (black hole)', () => {
    const transport = { maxDatagramSizeBytes: 1452 };
    const p = enginePair({
      seed: 2,
      client: { provider: nullProvider, transport },
      server: { provider: nullProvider, transport },
      link: { delayMs: 10, rateBps: 20e6, queueBytes: 64 * 1024 },
    });
    const data = payload(5_000_000);
    p.connection.write(data);
    p.connection.shutdown();
    p.runUntil(() => p.connection.paths[0]?.mtuBytes === 1452, 5_000);
    const droppedAtMs = p.sim.nowMs + 100;
    p.sim.at(droppedAtMs, () => p.link.forward.configure({ mtuBytes: 1300 }));
    const ms = p.runUntil(() => p.serverSink?.finished === true, 30_000);
    expect(sha256(p.serverSink!.data())).toBe(sha256(data));
    const path = p.connection.paths[0]!;
    expect(path.stats.pmtuBlackHoles).toBe(1);
    expect(path.mtuBytes).toBeLessThanOrEqual(1300);
    expect(path.mtuBytes).toBeGreaterThan(1300 - 64);
    // 5 MB at 20 Mbit/s is 2 s of link time; the fallback costs three backed-off PTOs, not an idle timeout.
    console.log(`PMTU black hole 1452 -> 1300: 5 MB in ${ms.toFixed(0)} ms, PMTU now ${path.mtuBytes}`);
    expect(ms).toBeLessThan(5_000);
  });

  it('reaches close to a 9000-byte path MTU within seconds on a link with 1% loss, searching from 64 KiB', () => {
    // The search starts at the largest UDP payload (loopback's limit): a probe that had to fit the window's
    // room would never go out once the window is busy, and the PMTU would stay at 1200.
    const transport = { maxDatagramSizeBytes: 65_527 };
    const p = enginePair({
      seed: 4,
      client: { provider: nullProvider, transport },
      server: { provider: nullProvider, transport },
      link: { delayMs: 10, rateBps: 100e6, queueBytes: 256 * 1024, lossRate: 0.01, mtuBytes: 9000 },
    });
    const c = p.connection;
    const chunk = payload(1 << 20);
    const fill = (): void => {
      while (c.bufferedBytes < 8 << 20) c.write(chunk);
    };
    fill();
    const ms = p.runUntil(() => {
      fill();
      return (c.paths[0]?.mtuBytes ?? 0) >= 9000 - 64;
    }, 5_000);
    console.log(`1% loss, 9000-byte MTU: PMTU ${c.paths[0]!.mtuBytes} after ${ms.toFixed(0)} ms`);
    expect(c.paths[0]!.mtuBytes).toBeGreaterThanOrEqual(9000 - 64);
  });

  it('a new path whose link drops the first, large probes carries data at once: probes stay outside the window', () => {
    // A loopback-sized search (64 KiB) over links that carry 1400-byte datagrams, as through an access
    // link: the second path's first probes are lost. Held to the window, its first probe took all of a
    // fresh path's window, nothing behind it showed the loss, and the path sat idle for a PTO per probe;
    // a probe that carried control frames (path 1's NEW_CONNECTION_ID) lost them with it.
    const MTU = 1400;
    let probesSeen = 0;
    let probesCarrying = 0;
    /** Every probe that reaches the server: it must carry nothing but itself and PADDING. */
    const inspect = (_remote: unknown, bytes: Uint8Array): boolean => {
      const frames = nullFrames(bytes);
      if (frames.some((f) => f.type === 'mtuProbe')) {
        probesSeen++;
        if (frames.some((f) => f.type !== 'mtuProbe' && f.type !== 'padding')) probesCarrying++;
      }
      return false;
    };
    const run = (pmtuDiscovery: boolean) => {
      const { pair, pathId } = twoPaths({
        serverDrop: inspect,
        linkA: { ...bdpLink(20e6, 20), mtuBytes: MTU },
        linkB: { ...bdpLink(10e6, 40), mtuBytes: MTU },
        transport: { maxDatagramSizeBytes: 65_527, pmtuDiscovery },
      });
      const c = pair.connection;
      c.write(payload(8 << 20));
      const validatedMs = pair.runUntil(() => c.pathById(pathId)?.validated === true, 5_000);
      const from = pair.sim.nowMs;
      pair.runUntil(() => pair.sim.nowMs >= from + 1_000, 2_000);
      const path = c.pathById(pathId)!;
      const acked = path.stats.streamBytesAcked;
      // And the search still ends just under the link's MTU.
      const foundMs = pmtuDiscovery ? pair.runUntil(() => path.mtuBytes >= MTU - 64, 10_000) : 0;
      const tooBig = pair.extraLinks[0]!.forward.stats().dropped.mtu;
      return { validatedMs, acked, mtu: path.mtuBytes, foundMs, tooBig };
    };
    const probing = run(true);
    const fixed = run(false);
    console.log(
      `path B, 1400-byte links: validated after ${probing.validatedMs.toFixed(0)} ms (${fixed.validatedMs.toFixed(0)} without PMTU discovery); ` +
        `first second: ${probing.acked} B acknowledged vs ${fixed.acked} B; PMTU ${probing.mtu} ${probing.foundMs.toFixed(0)} ms later, ${probing.tooBig} probes too big for link B; ${probesSeen} probes arrived`,
    );
    expect(probing.tooBig).toBeGreaterThan(0); // the scenario does lose probes on path B
    expect(probesSeen).toBeGreaterThan(0);
    expect(probesCarrying).toBe(0); // no ACK or control frame is lost with a probe
    expect(probing.mtu).toBeLessThanOrEqual(MTU);
    expect(probing.mtu).toBeGreaterThanOrEqual(MTU - 64);
    expect(probing.validatedMs).toBeLessThan(fixed.validatedMs + 100);
    expect(probing.acked).toBeGreaterThan(0.9 * fixed.acked);
  });
});
