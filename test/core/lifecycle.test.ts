import { describe, expect, it } from 'vitest';
import { ReasonCode } from '../../src/core/wire/index.js';
import { MptErrorCode } from '../../src/errors.js';
import { enginePair, payload, sha256, type PairOptions } from '../support/engine-pair.js';
import { nullProvider } from '../support/null-provider.js';
import { TapEndpoint, firstN, isHandshakePacket } from '../support/scenarios.js';

// Issue #3.3: handshake latency, idle timeout, close, reset and half-close,
// each seen by the peer, asserted on virtual time. Real AEAD unless noted.
const ONE_WAY_MS = 25;
const RTT_MS = 2 * ONE_WAY_MS;
const LINK = { delayMs: ONE_WAY_MS };

/** Virtual ms from connect() (at 0) until the server read the first application byte. */
function firstByteMs(options: PairOptions, write = true): number {
  const p = enginePair({ link: LINK, ...options });
  if (write) p.connection.write(payload(1000));
  p.runUntil(() => p.serverSink?.firstByteAtMs !== undefined, 10_000);
  return p.serverSink!.firstByteAtMs!;
}

describe('handshake latency (one-way 25 ms, no loss)', () => {
  it('XX: first bytes reach the server within 1.5 RTT', () => {
    const ms = firstByteMs({});
    console.log(`XX: first byte at ${ms} ms = ${(ms / RTT_MS).toFixed(2)} RTT`);
    expect(ms).toBeLessThanOrEqual(1.5 * RTT_MS);
  });

  it('IK: first bytes reach the server within 1.5 RTT', () => {
    const probe = enginePair();
    const ms = firstByteMs({ serverKeys: probe.serverKeys, connect: { serverKey: probe.serverKeys.publicKey } });
    console.log(`IK: first byte at ${ms} ms = ${(ms / RTT_MS).toFixed(2)} RTT`);
    expect(ms).toBeLessThanOrEqual(1.5 * RTT_MS);
  });

  it('IK: both ends have an RTT sample from the handshake, so the first PTOs are not the 333 ms guess', () => {
    const probe = enginePair();
    const p = enginePair({ link: LINK, serverKeys: probe.serverKeys, connect: { serverKey: probe.serverKeys.publicKey } });
    p.connection.write(payload(10));
    p.runUntil(() => (p.serverSink?.bytes ?? 0) > 0, 5_000);
    for (const c of [p.connection, p.serverSink!.connection]) {
      const rtt = c.paths[0]!.loss.rtt;
      expect(rtt.hasSample).toBe(true);
      expect(rtt.smoothedRttMs).toBeCloseTo(RTT_MS, 0);
    }
  });

  it('IK + 0-RTT: early data reaches the server within 0.5 RTT, once', () => {
    const probe = enginePair();
    const early = payload(800, 9);
    const p = enginePair({
      link: LINK,
      serverKeys: probe.serverKeys,
      connect: { serverKey: probe.serverKeys.publicKey, earlyData: early },
      server: { server: { acceptEarlyData: true } },
    });
    const rest = payload(50_000, 10);
    p.connection.write(rest);
    p.connection.shutdown();
    p.runUntil(() => p.serverSink?.finished === true, 10_000);
    const ms = p.serverSink!.firstByteAtMs!;
    console.log(`IK + 0-RTT: first byte at ${ms} ms = ${(ms / RTT_MS).toFixed(2)} RTT`);
    expect(ms).toBeLessThanOrEqual(0.5 * RTT_MS);
    // The early bytes are also sent again after the handshake; the receiver keeps one copy.
    expect(sha256(p.serverSink!.data())).toBe(sha256(Buffer.concat([early, rest])));
  });

  it('IK + 0-RTT refused by the server: the data still arrives, after the handshake', () => {
    const probe = enginePair();
    const early = payload(800, 9);
    const p = enginePair({ link: LINK, serverKeys: probe.serverKeys, connect: { serverKey: probe.serverKeys.publicKey, earlyData: early } });
    p.connection.shutdown();
    p.runUntil(() => p.serverSink?.finished === true, 10_000);
    expect(p.serverSink!.firstByteAtMs!).toBeGreaterThan(RTT_MS);
    expect(sha256(p.serverSink!.data())).toBe(sha256(early));
  });

  it('XX with message 3 lost: the server repeats message 2 and the data arrives at 2.5 RTT, not after a timeout', () => {
    const ms = firstByteMs({ wrapServer: (e) => new TapEndpoint(e, () => false, firstN(1, isHandshakePacket)) });
    console.log(`XX, message 3 lost: first byte at ${ms} ms = ${(ms / RTT_MS).toFixed(2)} RTT`);
    expect(ms).toBeLessThanOrEqual(2.5 * RTT_MS);
  });

  it('IK with message 2 lost: the repeated Initial gets message 2 again', () => {
    const probe = enginePair();
    const ms = firstByteMs({
      serverKeys: probe.serverKeys,
      connect: { serverKey: probe.serverKeys.publicKey },
      wrapClient: (e) => new TapEndpoint(e, () => false, firstN(1, isHandshakePacket)),
    });
    console.log(`IK, message 2 lost: first byte at ${ms} ms`);
    // The client repeats its Initial after 2 x 333 ms (no RTT known yet), then 1.5 RTT as usual.
    expect(ms).toBeLessThanOrEqual(2 * 333 + 1.5 * RTT_MS);
  });

  it('XX over a 30% lossy link still connects and delivers', () => {
    // 30% loss both ways on the first exchanges; the test only needs the connection up and data through.
    const p = enginePair({ seed: 4, link: { delayMs: ONE_WAY_MS, lossRate: 0.3 }, client: { provider: nullProvider }, server: { provider: nullProvider } });
    const data = payload(20_000);
    p.connection.write(data);
    p.connection.shutdown();
    p.runUntil(() => p.serverSink?.finished === true, 60_000);
    expect(sha256(p.serverSink!.data())).toBe(sha256(data));
  });
});

describe('endings reach the peer', () => {
  it('idle timeout closes both sides with ETIMEDOUT after the idle time', () => {
    const idle = { transport: { idleTimeoutMs: 5_000 } };
    const p = enginePair({ link: LINK, client: idle, server: idle });
    p.runUntil(() => p.clientSink.connected && p.serverSink?.connected === true, 5_000);
    const connectedAt = p.sim.nowMs;
    p.runUntil(() => p.clientSink.closed !== undefined && p.serverSink?.closed !== undefined, 30_000);
    for (const sink of [p.clientSink, p.serverSink!]) {
      expect(sink.closed!.reasonCode).toBe(ReasonCode.IdleTimeout);
      expect(sink.closed!.initiator).toBe('idle-timeout');
      expect((sink.closed!.error as { code: string }).code).toBe(MptErrorCode.IdleTimeout);
    }
    const after = p.sim.nowMs - connectedAt;
    console.log(`idle timeout 5000 ms: both closed ${after.toFixed(0)} ms after connecting`);
    expect(after).toBeGreaterThanOrEqual(5_000 - RTT_MS);
    // The idle clock restarts with the last packet received, up to 1.5 RTT after both reported 'connected'.
    expect(after).toBeLessThanOrEqual(5_000 + 2 * RTT_MS);
    expect(p.connection.state).toBe('closed');
  });

  it('a client whose server never answers fails cleanly within the idle timeout, backing off its Initial', () => {
    const p = enginePair({ link: { delayMs: ONE_WAY_MS, blackhole: true }, client: { transport: { idleTimeoutMs: 10_000 } } });
    p.runUntil(() => p.clientSink.closed !== undefined, 20_000);
    const closed = p.clientSink.closed!;
    expect(closed.initiator).toBe('idle-timeout');
    expect((closed.error as { code: string }).code).toBe(MptErrorCode.IdleTimeout);
    expect(p.sim.nowMs).toBeLessThanOrEqual(10_000 + 1);
    const initials = p.sim.stats().endpoints.client!.datagramsSent;
    console.log(`no server: failed at ${p.sim.nowMs} ms after ${initials} Initials`);
    // 0, 0.67, 2, 4.7 s: exponential backoff, not a flood.
    expect(initials).toBeLessThanOrEqual(5);
    expect(p.client.connections.size).toBe(0);
  });

  it('close with an application code and reason reaches the peer', () => {
    const p = enginePair({ link: LINK });
    p.runUntil(() => p.serverSink?.connected === true && p.clientSink.connected, 5_000);
    p.sim.after(10, () => p.connection.close(p.sim.nowMs, ReasonCode.ApplicationClose, 42, 'bye now'));
    p.runUntil(() => p.serverSink!.closed !== undefined, 5_000);
    const seen = p.serverSink!.closed!;
    expect(seen).toMatchObject({ reasonCode: ReasonCode.ApplicationClose, applicationErrorCode: 42, reason: 'bye now', initiator: 'peer' });
    expect(seen.error).toBeUndefined();
    expect(p.clientSink.closed).toMatchObject({ initiator: 'local', applicationErrorCode: 42 });
    // Both ends end up closed once the closing / draining period (three PTOs) is over.
    p.runUntil(() => p.connection.state === 'closed' && p.serverSink!.connection.state === 'closed', 10_000);
    expect(p.client.connections.size + p.server.connections.size).toBe(0);
  });

  it('close survives the loss of the first CLOSE packets', () => {
    const p = enginePair({ link: LINK, client: { provider: nullProvider }, server: { provider: nullProvider } });
    p.runUntil(() => p.serverSink?.connected === true && p.clientSink.connected, 5_000);
    // The server sends CLOSE into a blackhole; the client keeps sending data, which the closing server answers with CLOSE again.
    p.sim.blackhole(p.link.reverse, p.sim.nowMs, p.sim.nowMs + 30);
    p.sim.after(1, () => p.serverSink!.connection.close(p.sim.nowMs, ReasonCode.ApplicationClose, 3, 'later'));
    p.sim.after(40, () => p.connection.write(payload(5_000)));
    p.runUntil(() => p.clientSink.closed !== undefined, 5_000);
    expect(p.clientSink.closed).toMatchObject({ applicationErrorCode: 3, reason: 'later', initiator: 'peer' });
  });

  it('reset reaches the peer with its code', () => {
    const p = enginePair({ link: LINK });
    p.connection.write(payload(10_000));
    p.runUntil(() => (p.serverSink?.bytes ?? 0) >= 10_000, 5_000);
    p.sim.after(1, () => p.connection.reset(77));
    p.runUntil(() => p.serverSink!.reset !== undefined, 5_000);
    expect(p.serverSink!.reset).toBe(77);
  });

  it('half-close: the client finishes first, the server keeps sending', () => {
    const p = enginePair({ link: { delayMs: 10, rateBps: 20e6, lossRate: 0.02 }, seed: 5 });
    const up = payload(100_000, 1);
    const down = payload(300_000, 2);
    p.connection.write(up);
    p.connection.shutdown();
    p.runUntil(() => p.serverSink?.finished === true, 20_000);
    // The client's direction is done; the server's is still open.
    expect(p.clientSink.finished).toBe(false);
    p.sim.after(1, () => {
      p.serverSink!.connection.write(down);
      p.serverSink!.connection.shutdown();
    });
    p.runUntil(() => p.clientSink.finished && p.connection.writeEnded && p.serverSink!.connection.writeEnded, 20_000);
    expect(sha256(p.serverSink!.data())).toBe(sha256(up));
    expect(sha256(p.clientSink.data())).toBe(sha256(down));
    expect(p.connection.state).toBe('established');
  });

  it('half-close: the server finishes first, the client keeps sending', () => {
    const p = enginePair({ link: { delayMs: 10, rateBps: 20e6, lossRate: 0.02 }, seed: 6 });
    const down = payload(100_000, 3);
    const up = payload(300_000, 4);
    p.runUntil(() => p.serverSink?.connected === true, 5_000);
    p.sim.after(1, () => {
      p.serverSink!.connection.write(down);
      p.serverSink!.connection.shutdown();
    });
    p.runUntil(() => p.clientSink.finished, 20_000);
    expect(p.serverSink!.finished).toBe(false);
    p.sim.after(1, () => {
      p.connection.write(up);
      p.connection.shutdown();
    });
    p.runUntil(() => p.serverSink!.finished && p.connection.writeEnded, 20_000);
    expect(sha256(p.clientSink.data())).toBe(sha256(down));
    expect(sha256(p.serverSink!.data())).toBe(sha256(up));
  });
});

