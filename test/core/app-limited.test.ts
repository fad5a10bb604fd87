import { describe, expect, it } from 'vitest';
import { enginePair, payload } from '../support/engine-pair.js';

describe('an application that sends less than the path carries', () => {
  it('does not inflate the congestion window (RFC 9002 §7.8)', () => {
    // 10 Mbit/s, 20 ms RTT: the path holds a 25 kB BDP. The app writes 4 kB every 50 ms for 20 s.
    const p = enginePair({ link: { delayMs: 10, rateBps: 10e6, queueBytes: 64 * 1024 } });
    const chunk = payload(4000);
    for (let t = 50; t <= 20_000; t += 50) p.sim.at(t, () => void p.connection.write(chunk));
    p.runUntil(() => (p.serverSink?.bytes ?? 0) >= 400 * 4000, 30_000);
    const cwnd = p.connection.paths[0]!.cc.cwnd;
    // Without the app-limited rule every ACK of those 1.6 MB grows the window (to ~1.6 MB in slow start).
    expect(cwnd).toBeLessThan(64 * 1024);
  });
});
