import { describe, expect, it } from 'vitest';
import { enginePair } from '../support/engine-pair.js';

// Issue #3.1: keepalive. A quiet connection with a 5 s idle timeout survives a minute of
// silence when one side pings every 2 s, and closes after 5 s without.
describe('keepalive', () => {
  const idle = { transport: { idleTimeoutMs: 5_000 } };

  it('PINGs keep a quiet connection open past the idle timeout', () => {
    const p = enginePair({ link: { delayMs: 20 }, client: { transport: { idleTimeoutMs: 5_000, keepAliveIntervalMs: 2_000 } }, server: idle });
    p.runUntil(() => p.serverSink?.connected === true, 5_000);
    p.sim.runFor(60_000);
    p.pump();
    expect(p.clientSink.closed).toBeUndefined();
    expect(p.serverSink!.closed).toBeUndefined();
    expect(p.connection.state).toBe('established');
    // About 30 PINGs in a minute, each answered by an ACK.
    expect(p.connection.paths[0]!.stats.packetsSent).toBeGreaterThanOrEqual(25);
  });

  it('without keepalive the same connection closes on the idle timeout', () => {
    const p = enginePair({ link: { delayMs: 20 }, client: idle, server: idle });
    p.runUntil(() => p.serverSink?.connected === true, 5_000);
    p.sim.runFor(60_000);
    p.pump();
    expect(p.clientSink.closed?.initiator).toBe('idle-timeout');
    expect(p.serverSink!.closed?.initiator).toBe('idle-timeout');
  });
});
