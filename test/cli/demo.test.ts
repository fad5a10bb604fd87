// The demo is the README's main job: it must really hand-shake, really seal
// every packet, spread the stream over every path and deliver it intact.
import { describe, expect, it } from 'vitest';
import { demoPayload, runDemo } from '../../src/cli/demo/run-demo.js';

describe('mpt demo', () => {
  it('moves a stream intact over three loopback paths and drops forgeries', async () => {
    const summary = await runDemo({ bytes: 3 * 1024 * 1024 + 17, paths: 3, timeoutMs: 60_000 });
    expect(summary.receivedSha256).toBe(summary.sentSha256);
    expect(summary.serverKeyVerified).toBe(true);
    expect(summary.paths).toHaveLength(3);
    for (const path of summary.paths) {
      expect(path.validated).toBe(true);
      expect(path.bytesAcked).toBeGreaterThan(0.1 * summary.bytes);
    }
    // One genuine packet with a flipped bit, one datagram of random bytes.
    expect(summary.server.dropped['failed-authentication']).toBe(1);
    expect(summary.server.dropped['unknown-cid'] + summary.server.dropped.undecodable).toBe(1);
    expect(summary.server.bytesDelivered).toBe(summary.bytes);
  });

  it('uses a payload in which every 4-byte word differs from its neighbours', () => {
    const a = demoPayload(4096);
    const words = new Uint32Array(a.buffer);
    for (let i = 1; i < words.length; i++) expect(words[i]).not.toBe(words[i - 1]);
    expect(demoPayload(4096)).toEqual(a);
  });
});
