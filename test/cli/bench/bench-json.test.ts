// The --json document from a made-up run: every field of the schema docs/cli.md lists, rounded as
// documented, with the SPEC of each path and the TCP ratio.
import { describe, expect, it } from 'vitest';
import { benchJson, tcpRatio } from '../../../src/cli/bench/bench-json.js';
import { REPORT, RUN } from './report-fixture.js';

describe('benchJson', () => {
  it('has the documented fields, in order, rounded', () => {
    const doc = benchJson(REPORT);
    expect(Object.keys(doc)).toEqual([
      'version', 'mode', 'server', 'serverKey', 'durationS', 'sendS', 'handshakeMs', 'paths', 'intervals',
      'totalBytes', 'deliveredBytes', 'goodputMbps', 'outcome', 'interrupted', 'tcp',
    ]);
    expect(doc).toMatchObject({ version: 1, mode: 'local', server: '127.0.0.1:6000', serverKey: 'ab'.repeat(32), durationS: 2.5, sendS: 2, handshakeMs: 3.142 });
    expect(doc.paths).toEqual([
      { id: 0, local: '127.0.0.1:5000', remote: '127.0.0.1:6000', spec: '127.0.0.1,delay=5ms,rate=20mbit', bytes: 3_000_000, mbps: 9.6, share: 0.75, retransmittedBytes: 2048, lost: 1, minRttMs: 10.123, meanRttMs: 11.625 },
      { id: 1, local: '127.0.0.2:5001', remote: '127.0.0.1:6001', spec: '127.0.0.2,loss=1%', bytes: 1_000_000, mbps: 3.2, share: 0.25, retransmittedBytes: 0, lost: 2, minRttMs: null, meanRttMs: null },
    ]);
    expect((doc.intervals as unknown[])[1]).toEqual({
      startS: 1,
      endS: 2.5,
      paths: [
        { id: 0, bytes: 1_500_000, mbps: 8, rttMs: 12, cwndBytes: 65_536, share: 1, lost: 0, status: 'active' },
        { id: 1, bytes: 0, mbps: 0, rttMs: 20.5, cwndBytes: 32_768, share: 0, lost: 2, status: 'closed' },
      ],
      bytes: 1_500_000,
      totalMbps: 8,
    });
    expect(doc).toMatchObject({ totalBytes: 4_000_000, deliveredBytes: 4_000_000, goodputMbps: 12.8, outcome: 'complete', interrupted: false });
    expect(doc.tcp).toEqual({ bytes: 100_000_000, mbps: 400, durationS: 2, ratio: 0.032 });
  });

  it('leaves out spec in remote mode and tcp without --tcp, and keeps unknowns null', () => {
    const doc = benchJson({ ...REPORT, mode: 'remote', specs: [], tcp: undefined, serverKey: null, run: { ...RUN, deliveredBytes: null, goodputMbps: null, outcome: 'timeout' } });
    expect('tcp' in doc).toBe(false);
    expect((doc.paths as Record<string, unknown>[]).some((p) => 'spec' in p)).toBe(false);
    expect(doc).toMatchObject({ mode: 'remote', serverKey: null, deliveredBytes: null, goodputMbps: null, outcome: 'timeout' });
  });

  it('has no ratio when TCP moved nothing or goodput is unknown', () => {
    expect(tcpRatio(REPORT)).toBeCloseTo(0.032);
    expect(tcpRatio({ ...REPORT, tcp: { bytes: 0, mbps: 0, durationS: 1 } })).toBeNull();
    expect(tcpRatio({ ...REPORT, run: { ...RUN, goodputMbps: null } })).toBeNull();
  });
});
