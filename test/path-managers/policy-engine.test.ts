// Issue #6 part 5: the policy path manager, run by the engine in the
// simulator, on a wifi (en0) + cellular (pdp_ip0, metered) client. Presets:
// handover uses cellular only while wifi is down; interactive moves to
// cellular when wifi's RTT crosses 150 ms; aggregate uses both. Interfaces
// come and go through Connection.setLocalAddresses (what the Node interface
// monitor will call). Loss-driven duplication on two lossy paths against
// minRTT alone: the share of stream bytes that had to wait for a
// retransmission, and the 99th-percentile delivery delay of small writes.
import { describe, expect, test } from 'vitest';
import type { PathEvent } from '../../src/core/connection-events.js';
import { ReasonCode } from '../../src/core/wire/index.js';
import type { PathManager } from '../../src/core/path-manager.js';
import { POLICY_PRESETS, policy, type PolicyConfig } from '../../src/path-managers/policy.js';
import { payload, sha256 } from '../support/engine-pair.js';
import { specLink } from '../support/multipath.js';
import { CELL, CELL_IF, WIFI, WIFI_IF, bytesFrom, paced, pathsFrom, percentile, wifiCell, creepWifiRtt } from './wifi-cell.js';

const WIFI_LINK = specLink({ rateBps: 20e6, rttMs: 20 });
const CELL_LINK = specLink({ rateBps: 10e6, rttMs: 60 });
const mb = (n: number): string => (n / 1e6).toFixed(2);

/** A preset as it would come from a JSON file. */
const fromJson = (name: keyof typeof POLICY_PRESETS): PolicyConfig => JSON.parse(JSON.stringify(POLICY_PRESETS[name])) as PolicyConfig;

describe('policy path manager (engine, simulator)', () => {
  test('presets are plain JSON', () => {
    for (const name of ['handover', 'interactive', 'aggregate'] as const) expect(fromJson(name)).toEqual(POLICY_PRESETS[name]);
  });

  test('handover: cellular carries the stream only while wifi is down', () => {
    const { pair, wifi } = wifiCell({ pathManager: policy(fromJson('handover')), wifi: WIFI_LINK, cell: CELL_LINK });
    const t0 = pair.sim.nowMs;
    const client = pair.connection;
    pair.sim.blackhole(wifi.forward, t0 + 4_000, t0 + 9_000);
    pair.sim.blackhole(wifi.reverse, t0 + 4_000, t0 + 9_000);
    const cell: number[] = [];
    const mark = (): void => void cell.push(bytesFrom(client, CELL));
    let cellPathsAtCut = -1;
    pair.sim.at(t0 + 4_000, () => {
      mark();
      cellPathsAtCut = pathsFrom(client, CELL).filter((p) => p.validated && p.backup).length;
    });
    pair.sim.at(t0 + 9_000, mark);
    pair.sim.at(t0 + 12_000, mark);
    const writes = paced(pair, t0 + 500, t0 + 16_000, 20, 10_000);
    mark();
    expect(pair.serverSink!.bytes).toBe(writes.length * 10_000);
    const parts = [cell[0]!, cell[1]! - cell[0]!, cell[2]! - cell[1]!, cell[3]! - cell[2]!];
    console.log(`policy handover: cellular MB before the outage / during (5 s) / 3 s after / later (4 s): ${parts.map(mb).join(' / ')}`);
    expect(cellPathsAtCut).toBe(1); // a hot backup, validated and marked backup
    expect(parts[0]).toBe(0);
    expect(parts[1]).toBeGreaterThan(2_300_000); // 2.5 MB written during the outage
    expect(parts[3]).toBe(0);
    expect(bytesFrom(client, WIFI)).toBeGreaterThan(writes.length * 10_000 - parts[1]! - parts[2]!);
  });

  test('interactive: the stream moves to cellular when wifi’s RTT crosses 150 ms', () => {
    const { pair, wifi } = wifiCell({ pathManager: policy('interactive'), wifi: WIFI_LINK, cell: CELL_LINK });
    const t0 = pair.sim.nowMs;
    const client = pair.connection;
    const changeMs = t0 + 3_000;
    let movedMs = -1;
    let cellAtChange = -1;
    pair.sim.at(changeMs, () => void (cellAtChange = bytesFrom(client, CELL)));
    const crossed = creepWifiRtt(pair, wifi, changeMs);
    for (let t = changeMs; t < changeMs + 6_000; t += 100) {
      pair.sim.at(t, () => {
        if (movedMs < 0 && pathsFrom(client, CELL).some((p) => p.validated && !p.backup) && pathsFrom(client, WIFI).every((p) => p.backup)) movedMs = pair.sim.nowMs - changeMs;
      });
    }
    let cellAt7s = -1;
    pair.sim.at(t0 + 7_000, () => void (cellAt7s = bytesFrom(client, CELL)));
    const writes = paced(pair, t0 + 500, t0 + 10_000, 20, 2_000);
    const later = writes.filter((w) => w.atMs >= t0 + 7_000);
    const cellLater = bytesFrom(client, CELL) - cellAt7s;
    const delays = later.map((w) => (w.readMs ?? Infinity) - w.atMs);
    const crossedMs = crossed();
    console.log(
      `policy interactive: wifi RTT over 150 ms after ${crossedMs} ms, traffic on cellular after ${movedMs} ms; then ${mb(cellLater)} of ${mb(later.length * 2_000)} MB on cellular, median delivery ${percentile(delays, 50).toFixed(0)} ms`,
    );
    expect(cellAtChange).toBe(0);
    expect(pair.clientSink.pathEvents.some((e) => e.type === 'path' && e.change === 'failed')).toBe(false);
    expect(movedMs).toBeGreaterThan(crossedMs);
    expect(movedMs).toBeLessThanOrEqual(crossedMs + 2_500);
    expect(cellLater).toBeGreaterThan(0.95 * later.length * 2_000);
    expect(percentile(delays, 50)).toBeLessThan(60); // cellular's 30 ms one way, not wifi's 150
  });

  test('aggregate: both interfaces carry a bulk transfer', () => {
    const { pair } = wifiCell({ pathManager: policy('aggregate'), wifi: WIFI_LINK, cell: CELL_LINK });
    pair.runUntil(() => pathsFrom(pair.connection, CELL).some((p) => p.validated), 2_000);
    const data = payload(10_000_000, 5);
    const startMs = pair.sim.nowMs;
    pair.connection.write(data);
    pair.connection.shutdown();
    pair.clientNode.wake();
    pair.runUntil(() => pair.serverSink!.finished, 20_000);
    const seconds = (pair.sim.nowMs - startMs) / 1000;
    const wifiBytes = bytesFrom(pair.connection, WIFI);
    const cellBytes = bytesFrom(pair.connection, CELL);
    console.log(`policy aggregate: 10 MB in ${seconds.toFixed(2)} s = ${((10e6 * 8) / seconds / 1e6).toFixed(1)} Mbit/s; wifi ${mb(wifiBytes)} MB, cellular ${mb(cellBytes)} MB`);
    expect(sha256(pair.serverSink!.data())).toBe(sha256(data));
    expect(wifiBytes).toBeGreaterThan(5_000_000);
    expect(cellBytes).toBeGreaterThan(2_000_000);
    expect((10e6 * 8) / seconds).toBeGreaterThan(20e6); // more than wifi alone could carry
  });

  test('an interface disappears: its paths close with AddressRemoved; one appears: a path opens at once', () => {
    const { pair } = wifiCell({ pathManager: policy('aggregate'), wifi: WIFI_LINK, cell: CELL_LINK, interfaces: [WIFI_IF] });
    const client = pair.connection;
    pair.sim.runFor(1_000);
    pair.pump();
    expect(pathsFrom(client, CELL)).toHaveLength(0);
    // Cellular comes up: the manager opens its path in the same call, at the same virtual time.
    client.setLocalAddresses(pair.sim.nowMs, [WIFI, CELL], [WIFI_IF, CELL_IF]);
    expect(pathsFrom(client, CELL)).toHaveLength(1);
    pair.clientNode.wake();
    const validatedMs = pair.runUntil(() => pathsFrom(client, CELL).some((p) => p.validated), 1_000);
    console.log(`policy: cellular appeared, its path validated ${validatedMs.toFixed(0)} ms later (60 ms RTT)`);
    expect(validatedMs).toBeLessThan(200);
    const cellPath = pathsFrom(client, CELL)[0]!;
    // Cellular goes away: its path closes with AddressRemoved, on both ends.
    client.setLocalAddresses(pair.sim.nowMs, [WIFI]);
    pair.clientNode.wake();
    expect(cellPath.closed).toBe(true);
    pair.runUntil(() => pair.serverSink!.pathEvents.some((e) => e.type === 'path' && e.change === 'closed' && e.pathId === cellPath.id), 1_000);
    const reasons = [pair.clientSink, pair.serverSink!].map(
      (s) => s.pathEvents.find((e): e is PathEvent => e.type === 'path' && e.change === 'closed' && e.pathId === cellPath.id)?.reasonCode,
    );
    expect(reasons).toEqual([ReasonCode.AddressRemoved, ReasonCode.AddressRemoved]);
    // A rule that bans metered interfaces closes their paths with AdministrativelyProhibited.
    const banMetered: PolicyConfig = { rules: [{ metered: true, use: 'never' }, { use: 'primary' }] };
    const second = wifiCell({ pathManager: policy(banMetered), wifi: WIFI_LINK, cell: CELL_LINK }).pair;
    second.sim.runFor(1_000);
    second.pump();
    expect(pathsFrom(second.connection, CELL)).toHaveLength(0);
  });

  test('a plugin that throws from its stats and timer hooks: reported, and the connection lives on', () => {
    const inner = policy('aggregate')();
    const broken: PathManager = {
      ...inner,
      name: 'broken',
      onEstablished(ctx) {
        inner.onEstablished?.(ctx);
        ctx.setTimer('t', 500);
      },
      onPathStats() {
        throw new Error('stats');
      },
      onTimer() {
        throw new Error('timer');
      },
    };
    const { pair } = wifiCell({ pathManager: broken, wifi: WIFI_LINK, cell: CELL_LINK });
    const data = payload(2_000_000, 9);
    pair.connection.write(data);
    pair.connection.shutdown();
    pair.clientNode.wake();
    pair.runUntil(() => pair.serverSink!.finished, 20_000);
    pair.sim.runFor(2_000);
    pair.pump();
    expect(sha256(pair.serverSink!.data())).toBe(sha256(data));
    const hooks = pair.clientSink.pathManagerErrors.map((e) => e.hook);
    expect(hooks).toContain('onTimer');
    expect(hooks.filter((h) => h === 'onPathStats').length).toBeGreaterThanOrEqual(2);
    expect(pair.clientSink.closed).toBeUndefined();
  });
});

describe('loss-driven duplication (interactive preset) against minRTT alone', () => {
  // Two lossy paths: wifi 30 ms RTT, cellular 50 ms RTT, 3% random loss each way on both. The application
  // writes 200 bytes every 20 ms for 30 s; the first 5 s (the manager measuring loss) are not counted.
  const LOSS = 0.03;
  const WRITE_BYTES = 200;
  const lossyWifi = { ...specLink({ rateBps: 10e6, rttMs: 30 }), lossRate: LOSS };
  const lossyCell = { ...specLink({ rateBps: 10e6, rttMs: 50 }), lossRate: LOSS };
  /** A write read later than this after it was written waited for a retransmission: any first copy would have arrived (the slower path's one-way delay, plus margin). */
  const WAITED_MS = 25 + 10;

  function run(pathManager: ReturnType<typeof policy>) {
    const { pair } = wifiCell({ pathManager, wifi: lossyWifi, cell: lossyCell, seed: 3 });
    const t0 = pair.sim.nowMs;
    const writes = paced(pair, t0 + 200, t0 + 30_000, 20, WRITE_BYTES);
    const counted = writes.filter((w) => w.atMs >= t0 + 5_000);
    const delays = counted.map((w) => (w.readMs ?? Infinity) - w.atMs);
    return {
      p50: percentile(delays, 50),
      p99: percentile(delays, 99),
      waited: delays.filter((d) => d > WAITED_MS).length / delays.length,
      duplication: pair.connection.duplication,
      sent: pair.connection.paths.reduce((n, p) => n + p.stats.streamBytesSent, 0) / (writes.length * WRITE_BYTES),
    };
  }

  test('duplication keeps the share of bytes that waited for a retransmission under the tolerance and cuts the p99 delay', () => {
    const tolerance = POLICY_PRESETS.interactive.duplication!.lossTolerance;
    const dup = run(policy('interactive'));
    const minRtt = run(policy('aggregate'));
    for (const [label, r] of [['interactive (duplication)', dup], ['aggregate (minRTT alone)  ', minRtt]] as const) {
      console.log(
        `${label}: delivery p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms; ${(r.waited * 100).toFixed(2)}% of bytes waited for a retransmission; stream bytes sent ${r.sent.toFixed(2)}x written`,
      );
    }
    expect(dup.duplication).toHaveLength(2);
    expect(minRtt.duplication).toHaveLength(0);
    expect(dup.waited).toBeLessThan(tolerance);
    expect(minRtt.waited).toBeGreaterThan(3 * tolerance);
    expect(dup.p99).toBeLessThan(minRtt.p99 / 2);
    expect(dup.sent).toBeGreaterThan(1.8); // it is duplication: about twice the bytes sent
  });
});
