// The TCP comparison on its own, briefly: it moves data over loopback and its figures agree.
import { describe, expect, it } from 'vitest';
import { runTcpBench } from '../../../src/cli/bench/tcp-run.js';

describe('runTcpBench', () => {
  it('sends over loopback TCP for the time given and reports bytes, duration and rate that agree', async () => {
    const result = await runTcpBench(0.3, new AbortController().signal, new AbortController().signal);
    expect(result.bytes).toBeGreaterThan(0);
    expect(result.durationS).toBeGreaterThan(0);
    expect(result.mbps).toBeCloseTo((result.bytes * 8) / result.durationS / 1e6, 6);
  });

  it('sends nothing when told to stop before it starts (Ctrl-C during the mpt run)', async () => {
    const stop = new AbortController();
    stop.abort();
    const result = await runTcpBench(3600, stop.signal, new AbortController().signal);
    expect(result.bytes).toBe(0);
    expect(result.mbps).toBe(0);
  });
});
