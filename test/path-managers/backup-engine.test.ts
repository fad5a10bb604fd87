// Issue #6 part 4: the backup path manager, run by the engine in the
// simulator. A wifi (20 Mbit/s, 20 ms RTT) + cellular (10 Mbit/s, 60 ms RTT)
// client streams 4 Mbit/s (10 kB every 20 ms) for 16 s; wifi is blackholed
// both ways from 4 s to 9 s. Wifi is the primary. Hot: the cellular path is
// opened at once and marked backup; cold: it is opened only when wifi fails.
// Measured side by side: the longest gap in the server application's reads
// around the cut, and where the stream bytes went before, during and after.
import { describe, expect, test } from 'vitest';
import { ReasonCode } from '../../src/core/wire/index.js';
import { backup, type BackupOptions } from '../../src/path-managers/backup.js';
import type { PathEvent } from '../../src/core/connection-events.js';
import { specLink } from '../support/multipath.js';
import { CELL, WIFI, bytesFrom, longestGapMs, paced, pathsFrom, wifiCell, creepWifiRtt } from './wifi-cell.js';

const WIFI_LINK = specLink({ rateBps: 20e6, rttMs: 20 });
const CELL_LINK = specLink({ rateBps: 10e6, rttMs: 60 });

function outage(options: BackupOptions) {
  const { pair, wifi } = wifiCell({ pathManager: backup(options), wifi: WIFI_LINK, cell: CELL_LINK });
  const t0 = pair.sim.nowMs;
  const cutMs = t0 + 4_000;
  const restoreMs = t0 + 9_000;
  const endMs = t0 + 16_000;
  pair.sim.blackhole(wifi.forward, cutMs, restoreMs);
  pair.sim.blackhole(wifi.reverse, cutMs, restoreMs);
  const client = pair.connection;
  const cell: number[] = [];
  const wifiBytes: number[] = [];
  let cellPathsAtCut = -1;
  const mark = (): void => {
    cell.push(bytesFrom(client, CELL));
    wifiBytes.push(bytesFrom(client, WIFI));
  };
  pair.sim.at(cutMs, () => {
    mark();
    cellPathsAtCut = pathsFrom(client, CELL).length;
  });
  pair.sim.at(restoreMs, mark);
  pair.sim.at(restoreMs + 3_000, mark); // traffic has had time to return (hold 1 s)
  const writes = paced(pair, t0 + 500, endMs, 20, 10_000);
  mark();
  const total = writes.length * 10_000;
  expect(pair.serverSink!.bytes).toBe(total);
  // Counters only grow: every path is counted, the closed ones too.
  for (let i = 1; i < cell.length; i++) expect(cell[i]!).toBeGreaterThanOrEqual(cell[i - 1]!);
  return {
    pair,
    gapMs: longestGapMs(writes, cutMs - 500, cutMs + 3_000),
    cellPathsAtCut,
    /** Stream bytes sent from the cellular address: before the cut, during the outage, in the 3 s after it, after that. */
    cell: [cell[0]!, cell[1]! - cell[0]!, cell[2]! - cell[1]!, cell[3]! - cell[2]!],
    wifi: [wifiBytes[0]!, wifiBytes[1]! - wifiBytes[0]!, wifiBytes[2]! - wifiBytes[1]!, wifiBytes[3]! - wifiBytes[2]!],
  };
}

const mb = (n: number): string => (n / 1e6).toFixed(2);

describe('backup path manager (engine, simulator)', () => {
  test('the primary fails, the backup carries the stream; hot and cold gaps side by side; traffic returns when wifi does', () => {
    const hot = outage({ mode: 'hot' });
    const cold = outage({ mode: 'cold' });
    for (const [label, r] of [['hot ', hot], ['cold', cold]] as const) {
      console.log(
        `backup ${label}: longest read gap at the cut ${r.gapMs} ms; cellular MB before/outage/after/later ${r.cell.map(mb).join(' / ')}; wifi MB ${r.wifi.map(mb).join(' / ')}`,
      );
    }
    // Hot: the cellular path is already validated when wifi dies; cold: it is not there yet.
    expect(hot.cellPathsAtCut).toBe(1);
    expect(cold.cellPathsAtCut).toBe(0);
    // Before the cut only wifi carries the stream (3.5 s of 4 Mbit/s = 1.75 MB).
    for (const r of [hot, cold]) {
      expect(r.cell[0]).toBe(0);
      expect(r.wifi[0]).toBeGreaterThan(1_700_000);
      // During the 5 s outage cellular carries it (2.5 MB written).
      expect(r.cell[1]).toBeGreaterThan(2_300_000);
      // Once wifi is back (and has worked for the 1 s hold), the stream returns to it: the last 4 s
      // (2 MB) go on wifi, nothing on cellular.
      expect(r.wifi[3]).toBeGreaterThan(1_900_000);
      expect(r.cell[3]).toBe(0);
    }
    // The hot backup takes over at wifi's first probe timeout; the cold one waits for two (failure),
    // then for the new path's validation on the 60 ms link.
    expect(hot.gapMs).toBeLessThan(300);
    expect(cold.gapMs).toBeGreaterThan(hot.gapMs);
    expect(cold.gapMs).toBeLessThan(1_000);
    // Cold: the backup path is closed once the traffic is back on wifi (and then dropped from the paths).
    expect(cold.pair.connection.paths.filter((p) => p.local.host === CELL.host && !p.closed)).toHaveLength(0);
    const closes = cold.pair.clientSink.pathEvents.filter((e): e is PathEvent => e.type === 'path' && e.change === 'closed');
    expect(closes).toHaveLength(1);
    expect(closes[0]!.pathId).toBeGreaterThan(0);
    expect(closes[0]!.reasonCode).toBe(ReasonCode.NoError);
  });

  test('returnToPrimary false: the backup keeps the traffic after the primary recovers', () => {
    const r = outage({ mode: 'hot', returnToPrimary: false });
    console.log(`backup hot, no return: cellular MB before/outage/after/later ${r.cell.map(mb).join(' / ')}; wifi MB ${r.wifi.map(mb).join(' / ')}`);
    expect(r.cell[1]).toBeGreaterThan(2_300_000);
    expect(r.cell[3]).toBeGreaterThan(1_900_000);
    expect(r.wifi[3]).toBe(0);
  });

  test('failure by RTT: a primary whose RTT rises above the threshold hands the traffic to the backup', () => {
    const { pair, wifi } = wifiCell({
      pathManager: backup({ mode: 'hot', failure: { rttAboveMs: 150, samples: 2 }, returnToPrimary: false }),
      wifi: WIFI_LINK,
      cell: CELL_LINK,
    });
    const t0 = pair.sim.nowMs;
    const changeMs = t0 + 3_000;
    const client = pair.connection;
    let cellAtChange = -1;
    let cellAt6s = -1;
    let promotedAfterMs = -1;
    // Wifi's queueing delay creeps up (bufferbloat): one-way 10 ms to 150 ms in 10 ms steps every 250 ms,
    // slowly enough that no probe timeout fires, so only the RTT threshold can see it.
    pair.sim.at(changeMs, () => void (cellAtChange = bytesFrom(client, CELL)));
    const crossed = creepWifiRtt(pair, wifi, changeMs);
    // When the manager made the cellular path available (checked every 100 ms).
    for (let t = changeMs; t < changeMs + 6_000; t += 100) {
      pair.sim.at(t, () => {
        if (promotedAfterMs < 0 && pathsFrom(client, CELL).some((p) => p.validated && !p.backup)) promotedAfterMs = pair.sim.nowMs - changeMs;
      });
    }
    pair.sim.at(t0 + 6_000, () => void (cellAt6s = bytesFrom(client, CELL)));
    const writes = paced(pair, t0 + 500, t0 + 10_000, 20, 2_000);
    const cellLater = bytesFrom(client, CELL) - cellAt6s;
    const writtenLater = writes.filter((w) => w.atMs >= t0 + 6_000).length * 2_000;
    const crossedMs = crossed();
    console.log(
      `backup, RTT failure (150 ms, 2 samples): wifi RTT 20 -> 300 ms over 3.5 s, over 150 ms after ${crossedMs} ms; cellular made available after ${promotedAfterMs} ms; ${mb(cellLater)} of ${mb(writtenLater)} MB written after 3 s went on cellular`,
    );
    expect(cellAtChange).toBe(0);
    // Wifi's RTT crossed 150 ms at `crossedMs`; the manager acts on the second stats sample (one a
    // second) whose srtt is over it, the srtt lagging the path's RTT a little.
    expect(pair.clientSink.pathEvents.some((e) => e.type === 'path' && e.change === 'failed')).toBe(false);
    expect(promotedAfterMs).toBeGreaterThan(crossedMs + 1_000);
    expect(promotedAfterMs).toBeLessThanOrEqual(crossedMs + 3_000);
    expect(cellLater).toBeGreaterThan(0.95 * writtenLater);
  });
});
