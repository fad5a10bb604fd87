import { describe, expect, it } from 'vitest';
import { enginePair, payload, sha256 } from '../support/engine-pair.js';

describe('connection over one simulated path', () => {
  it('hand-shakes (XX) and moves 1 MB intact on a clean 20 ms link', () => {
    const p = enginePair({ link: { delayMs: 10, rateBps: 20e6, queueBytes: 64 * 1024 } });
    const data = payload(1_000_000);
    p.connection.write(data);
    p.connection.shutdown();
    const ms = p.runUntil(() => p.serverSink?.finished === true, 30_000);
    expect(sha256(p.serverSink!.data())).toBe(sha256(data));
    expect(p.clientSink.connected).toBe(true);
    expect(Buffer.from(p.clientSink.remoteKey!).equals(p.serverKeys.publicKey)).toBe(true);
    console.log(`1 MB in ${ms.toFixed(0)} virtual ms`);
  });
});
