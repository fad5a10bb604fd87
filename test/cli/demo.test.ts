// The demo is the README's main job: it must really connect, seal every
// packet and deliver the stream intact through the public API.
import { describe, expect, it } from 'vitest';
import { demoPayload, runDemo } from '../../src/cli/demo/run-demo.js';

describe('mpt demo', () => {
  it('moves a stream intact over loopback UDP and reports its path', async () => {
    const seen: number[] = [];
    const summary = await runDemo({ bytes: 4 * 1024 * 1024 + 17, onProgress: (_paths, delivered) => seen.push(delivered), progressIntervalMs: 20 });
    expect(summary.receivedSha256).toBe(summary.sentSha256);
    expect(summary.serverKeyVerified).toBe(true);
    expect(summary.paths).toHaveLength(1);
    expect(summary.paths[0]?.packetsSent).toBeGreaterThan(0);
    expect(seen.at(-1)).toBe(summary.bytes);
  });

  it('uses a payload in which every 4-byte word differs from its neighbours', () => {
    const a = demoPayload(4096);
    const words = new Uint32Array(a.buffer);
    for (let i = 1; i < words.length; i++) expect(words[i]).not.toBe(words[i - 1]);
    expect(demoPayload(4096)).toEqual(a);
  });
});
