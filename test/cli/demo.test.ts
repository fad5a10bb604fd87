// The demo is the README's main job: it must really connect, seal every
// packet and deliver the stream intact through the public API.
import { describe, expect, it } from 'vitest';
import { demoPayload, runDemo } from '../../src/cli/demo/run-demo.js';

describe('mpt demo', () => {
  it('moves a stream intact over two emulated loopback paths, both carrying data', async () => {
    const seen: number[] = [];
    const bytes = 8 * 1024 * 1024 + 17;
    const summary = await runDemo({ bytes, onProgress: (_paths, delivered) => seen.push(delivered), progressIntervalMs: 20 });
    expect(summary.receivedSha256).toBe(summary.sentSha256);
    expect(summary.serverKeyVerified).toBe(true);
    expect(seen.at(-1)).toBe(summary.bytes);
    if (summary.singlePathReason !== undefined) {
      // No 127.0.0.2 here: the demo says so and runs over path A alone.
      expect(summary.paths).toHaveLength(1);
      return;
    }
    expect(summary.paths).toHaveLength(2);
    expect(summary.paths.map((p) => p.validated)).toEqual([true, true]);
    expect(summary.paths[1]?.local.host).toBe('127.0.0.2');
    for (const p of summary.paths) expect(p.bytesSent - p.bytesRetransmitted).toBeGreaterThan(0);
    // What each emulated link delivered to the server: both carried a real share.
    expect(summary.links.map((l) => l.name)).toEqual(['A', 'B']);
    for (const l of summary.links) expect(l.bytesToServer).toBeGreaterThan(bytes / 20);
    // Link A went down mid-transfer; everything after that came over B, and the hash above still matched.
    expect(summary.linkADownAtBytes).toBeGreaterThan(0.5 * bytes);
    expect(summary.linkADownAtBytes).toBeLessThan(bytes);
    expect(summary.links[1]!.bytesToServer).toBeGreaterThan(bytes - summary.linkADownAtBytes!);
  }, 30_000);

  it('uses a payload in which every 4-byte word differs from its neighbours', () => {
    const a = demoPayload(4096);
    const words = new Uint32Array(a.buffer);
    for (let i = 1; i < words.length; i++) expect(words[i]).not.toBe(words[i - 1]);
    expect(demoPayload(4096)).toEqual(a);
  });
});
