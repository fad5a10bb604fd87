// The per-path progress lines (src/cli/path-progress.ts).
import { describe, expect, it } from 'vitest';
import { PathProgress } from '../../src/cli/path-progress.js';
import type { MptPathInfo } from '../../src/index.js';

function path(id: number, streamBytesSent: number, bytesReceived: number, status: MptPathInfo['status'] = 'active'): MptPathInfo {
  return {
    id,
    local: { host: '127.0.0.1', port: 1000 + id },
    remote: { host: id === 0 ? '127.0.0.1' : '::1', port: 4433 },
    status,
    srttMs: 1.25 * (id + 1),
    minRttMs: 1,
    cwndBytes: 0,
    bytesInFlight: 0,
    mtuBytes: 1452,
    bytesSent: 0,
    bytesReceived,
    streamBytesSent,
    packetsSent: 0,
    packetsReceived: 0,
    packetsLost: 0,
    bytesRetransmitted: 0,
    validated: true,
  };
}

describe('PathProgress', () => {
  it('gives each path its addresses, status, RTT, rate since the last look and share of the bytes', () => {
    const sender = new PathProgress('send');
    expect(sender.lines([path(0, 0, 0), path(1, 0, 0, 'validating')], 0)).toEqual([
      'path 0 127.0.0.1:1000 -> 127.0.0.1:4433  active      rtt 1.3 ms  0 B/s  0% of bytes',
      'path 1 127.0.0.1:1001 -> [::1]:4433  validating  rtt 2.5 ms  0 B/s  0% of bytes',
    ]);
    // 500 ms later: 3 MiB over path 0, 1 MiB over path 1.
    expect(sender.lines([path(0, 3 * 1048576, 0), path(1, 1048576, 0, 'failed')], 500)).toEqual([
      'path 0 127.0.0.1:1000 -> 127.0.0.1:4433  active      rtt 1.3 ms  6.0 MiB/s  75% of bytes',
      'path 1 127.0.0.1:1001 -> [::1]:4433  failed      rtt 2.5 ms  2.0 MiB/s  25% of bytes',
    ]);
  });

  it('counts what arrived on the receiving side, and colours the status on request', () => {
    const receiver = new PathProgress('receive', true);
    const [line] = receiver.lines([path(0, 99, 2048)], 0);
    expect(receiver.bytesOf(path(0, 99, 2048))).toBe(2048);
    expect(line).toContain('\x1b[32mactive    \x1b[0m');
    expect(line).toContain('100% of bytes');
  });
});
