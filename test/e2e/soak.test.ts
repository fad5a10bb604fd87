// The soak's short form (issue #16; the long one is `npm run soak`, scripts/soak.ts): the same workload
// (test/support/soak/workload.ts) for 16 s of traffic in this process, real UDP on 127.x: connections
// opened at a steady rate, random sizes both ways, one to three paths added, closed and cut, closed in
// every way, the server replaced mid-traffic. Asserted: every byte that arrived matched the pattern, and
// whole where nothing cut the stream; no unexpected error; at each pause (nothing open) the server's
// per-connection tables are empty, getConnections() is 0, every client and server socket, client driver
// and link emulator was collected, file descriptors, handles and timers are no more than at the first
// pause; at the end no more than before the soak, and nothing the soak made is left. Counts, not durations.
import { expect, test } from 'vitest';
import { runSoak } from '../support/soak/workload.js';

test('soak, short form: every byte verified; tables, sockets, fds, handles and timers back to baseline at every pause and at the end', { timeout: 180_000 }, async () => {
  const report = await runSoak({
    durationMs: 16_000,
    sampleEveryMs: 8_000,
    concurrency: 10,
    bytesPerSecond: 4_000_000,
    opensPerSecond: 10,
    maxBytes: 1024 * 1024,
    seed: Number(process.env.MPT_SOAK_SEED ?? 1),
    replaceServerEvery: 1,
    drainLimitMs: 30_000,
  });
  const first = report.samples[0];
  const last = report.samples[report.samples.length - 1];
  console.log(
    `[soak] ${report.connections} connections in ${report.elapsedS.toFixed(0)} s, ${(report.bytesUp / 1e6).toFixed(1)} MB up, ${(report.bytesDown / 1e6).toFixed(1)} MB down, every byte checked; ` +
      `paths beyond the first ${report.pathsUp} up, ${report.pathsDown} down, ${report.pathsClosed} closed; servers closed ${report.serversClosed}; ` +
      `by close ${JSON.stringify(report.byClose)}; errors ${JSON.stringify(report.errors)}; ` +
      `heap after GC ${(report.initial.heapUsed / 1e6).toFixed(1)} MB before, ${((first?.heapUsed ?? 0) / 1e6).toFixed(1)} MB at the first pause, ${((last?.heapUsed ?? 0) / 1e6).toFixed(1)} MB at the last; ` +
      `fds ${report.initial.fds} before, ${first?.fds} and ${last?.fds} at the pauses, ${report.final.fds} after; CPU ${report.cpuPercent.toFixed(0)}%`,
  );

  expect(report.failures).toEqual([]);
  // The workload ran: connections of every path kind, and closed in the common ways.
  expect(report.connections).toBeGreaterThan(20);
  expect(Object.keys(report.byPaths).sort()).toEqual(['emulated', 'follow', 'multi', 'single']);
  for (const close of ['end', 'endServerFirst', 'halfClose', 'destroy', 'reset', 'serverDestroy', 'serverReset'] as const) expect(report.byClose[close] ?? 0, close).toBeGreaterThan(0);
  expect(report.pathsUp).toBeGreaterThan(0);
  expect(report.bytesUp + report.bytesDown).toBeGreaterThan(1_000_000);
  expect(report.serversClosed).toBeGreaterThanOrEqual(2);
  // What the failures above say in full: the pauses found the server's tables in use, then empty.
  expect(report.samples.length).toBeGreaterThanOrEqual(2);
  expect(report.samples.some((s) => s.busy.tables.connections > 0)).toBe(true);
  for (const s of report.samples) {
    expect(Object.values(s.tables).every((n) => n === 0)).toBe(true);
    expect(s.serverConnections).toBe(0);
    expect(s.fds).toBeLessThanOrEqual(first?.fds ?? 0);
    for (const [type, n] of Object.entries(s.resources)) expect(n, type).toBeLessThanOrEqual(first?.resources[type] ?? 0);
  }
  // No more than before the soak (fewer is a test-runner timer that ended meanwhile).
  expect(report.final.fds).toBeLessThanOrEqual(report.initial.fds);
  expect(report.final.resources.UDPWrap ?? 0).toBe(0);
  for (const [type, n] of Object.entries(report.final.resources)) expect(n, type).toBeLessThanOrEqual(report.initial.resources[type] ?? 0);
  expect(report.final.alive).toEqual({});
});
