// The sampler's arithmetic on made-up path snapshots: interval deltas, rates, shares, losses, the RTT
// summary, and a path that leaves the connection's list keeping what it carried.
import { describe, expect, it } from 'vitest';
import type { MptPathInfo } from '../../../src/index.js';
import { BenchSampler, mbps } from '../../../src/cli/bench/bench-sampler.js';

function path(id: number, figures: Partial<MptPathInfo>): MptPathInfo {
  return {
    id,
    local: { host: `127.0.0.${id + 1}`, port: 5000 + id },
    remote: { host: '127.0.0.1', port: 6000 + id },
    status: 'active',
    srttMs: 10,
    minRttMs: 8,
    cwndBytes: 64_000,
    bytesInFlight: 0,
    mtuBytes: 1452,
    bytesSent: 0,
    bytesReceived: 0,
    streamBytesSent: 0,
    packetsSent: 0,
    packetsReceived: 0,
    packetsLost: 0,
    bytesRetransmitted: 0,
    validated: true,
    ...figures,
  };
}

describe('BenchSampler', () => {
  it('turns cumulative counts into per-interval bytes, rates, shares and losses', () => {
    const sampler = new BenchSampler(500);
    const first = sampler.sample([path(0, { streamBytesSent: 750_000, packetsLost: 2, srttMs: 12 }), path(1, { streamBytesSent: 250_000, status: 'validating' })], 1500);
    expect(first).toMatchObject({ startS: 0, endS: 1, bytes: 1_000_000, totalMbps: 8 });
    expect(first.paths).toEqual([
      { id: 0, local: '127.0.0.1:5000', remote: '127.0.0.1:6000', bytes: 750_000, mbps: 6, rttMs: 12, cwndBytes: 64_000, share: 0.75, lost: 2, status: 'active' },
      { id: 1, local: '127.0.0.2:5001', remote: '127.0.0.1:6001', bytes: 250_000, mbps: 2, rttMs: 10, cwndBytes: 64_000, share: 0.25, lost: 0, status: 'validating' },
    ]);
    const second = sampler.sample([path(0, { streamBytesSent: 1_000_000, packetsLost: 5, srttMs: 20 }), path(1, { streamBytesSent: 500_000 })], 2000);
    expect(second).toMatchObject({ startS: 1, endS: 1.5, bytes: 500_000 });
    expect(second.totalMbps).toBeCloseTo(8);
    expect(second.paths.map((p) => [p.bytes, p.share, p.lost])).toEqual([
      [250_000, 0.5, 3],
      [250_000, 0.5, 0],
    ]);
  });

  it('keeps a path that left the list, as closed, with what it carried', () => {
    const sampler = new BenchSampler(0);
    sampler.sample([path(0, { streamBytesSent: 100 }), path(1, { streamBytesSent: 300, bytesRetransmitted: 40, packetsLost: 1 })], 1000);
    const second = sampler.sample([path(0, { streamBytesSent: 200 })], 2000);
    expect(second.paths.map((p) => [p.id, p.bytes, p.status])).toEqual([
      [0, 100, 'active'],
      [1, 0, 'closed'],
    ]);
    expect(second.paths[0]!.share).toBe(1);
    const totals = sampler.totals();
    expect(totals.map((p) => [p.id, p.bytes, p.retransmittedBytes, p.lost])).toEqual([
      [0, 200, 0, 0],
      [1, 300, 40, 1],
    ]);
    expect(totals.map((p) => p.share)).toEqual([0.4, 0.6]);
    expect(totals.map((p) => p.mbps)).toEqual([mbps(200, 2000), mbps(300, 2000)]);
  });

  it('makes path totals add up to the intervals, and averages the RTT of active intervals only', () => {
    const sampler = new BenchSampler(0);
    const intervals = [
      sampler.sample([path(0, { streamBytesSent: 1000, srttMs: 10, minRttMs: 6, status: 'validating' })], 1000),
      sampler.sample([path(0, { streamBytesSent: 5000, srttMs: 20, minRttMs: 5 })], 2000),
      sampler.sample([path(0, { streamBytesSent: 9000, srttMs: 40, minRttMs: 5, status: 'backup' })], 2250),
      sampler.sample([path(0, { streamBytesSent: 9000, srttMs: 90, status: 'failed' })], 3000),
    ];
    const [total] = sampler.totals();
    expect(intervals.reduce((sum, i) => sum + i.bytes, 0)).toBe(total!.bytes);
    expect(total!.meanRttMs).toBe(30);
    expect(total!.minRttMs).toBe(8);
    expect(total!.mbps).toBeCloseTo(mbps(9000, 3000));
  });

  it('reports no RTT without a sample and no share without bytes', () => {
    const sampler = new BenchSampler(0);
    const interval = sampler.sample([path(0, { minRttMs: Infinity, status: 'validating' })], 1000);
    expect(interval.paths[0]!.share).toBe(0);
    expect(interval.totalMbps).toBe(0);
    expect(sampler.totals()[0]).toMatchObject({ bytes: 0, share: 0, minRttMs: null, meanRttMs: null });
  });

  it('gives 0 Mbit/s for an empty interval rather than dividing by zero', () => {
    expect(mbps(1000, 0)).toBe(0);
    expect(mbps(125_000, 1000)).toBe(1);
  });
});
