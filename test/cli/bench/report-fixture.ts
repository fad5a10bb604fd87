// A made-up finished run for the report tests: two paths over 2.5 s, the second closed at the end.
import type { BenchReport } from '../../../src/cli/bench/bench-json.js';
import type { BenchRunResult } from '../../../src/cli/bench/bench-run.js';
import { parsePathSpec } from '../../../src/cli/path-spec.js';

export const SPECS = [parsePathSpec('127.0.0.1,delay=5ms,rate=20mbit')._unsafeUnwrap(), parsePathSpec('127.0.0.2,loss=1%')._unsafeUnwrap()];

export const RUN: BenchRunResult = {
  handshakeMs: 3.14159,
  serverKey: new Uint8Array(32).fill(0xab),
  sendS: 2,
  durationS: 2.5,
  intervals: [
    {
      startS: 0,
      endS: 1,
      paths: [
        { id: 0, local: '127.0.0.1:5000', remote: '127.0.0.1:6000', bytes: 1_500_000, mbps: 12, rttMs: 11.25, cwndBytes: 65_536, share: 0.6, lost: 1, status: 'active' },
        { id: 1, local: '127.0.0.2:5001', remote: '127.0.0.1:6001', bytes: 1_000_000, mbps: 8, rttMs: 20.5, cwndBytes: 32_768, share: 0.4, lost: 0, status: 'active' },
      ],
      bytes: 2_500_000,
      totalMbps: 20,
    },
    {
      startS: 1,
      endS: 2.5,
      paths: [
        { id: 0, local: '127.0.0.1:5000', remote: '127.0.0.1:6000', bytes: 1_500_000, mbps: 8, rttMs: 12, cwndBytes: 65_536, share: 1, lost: 0, status: 'active' },
        { id: 1, local: '127.0.0.2:5001', remote: '127.0.0.1:6001', bytes: 0, mbps: 0, rttMs: 20.5, cwndBytes: 32_768, share: 0, lost: 2, status: 'closed' },
      ],
      bytes: 1_500_000,
      totalMbps: 8,
    },
  ],
  paths: [
    { id: 0, local: '127.0.0.1:5000', localHost: '127.0.0.1', remote: '127.0.0.1:6000', bytes: 3_000_000, mbps: 9.6, share: 0.75, retransmittedBytes: 2048, lost: 1, minRttMs: 10.12345, meanRttMs: 11.625 },
    { id: 1, local: '127.0.0.2:5001', localHost: '127.0.0.2', remote: '127.0.0.1:6001', bytes: 1_000_000, mbps: 3.2, share: 0.25, retransmittedBytes: 0, lost: 2, minRttMs: null, meanRttMs: null },
  ],
  totalBytes: 4_000_000,
  deliveredBytes: 4_000_000,
  goodputMbps: 12.8,
  outcome: 'complete',
  undeliveredBytes: 0,
  drainLimitMs: 10_000,
  interrupted: false,
};

export const REPORT: BenchReport = {
  mode: 'local',
  server: '127.0.0.1:6000',
  specs: SPECS,
  run: RUN,
  tcp: { bytes: 100_000_000, mbps: 400, durationS: 2 },
  serverKey: 'ab'.repeat(32),
};
