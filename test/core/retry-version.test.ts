import { describe, expect, it } from 'vitest';
import {
  WIRE_VERSION,
  decodeLongHeader,
  decodeVersionNegotiation,
  encodeLongHeader,
  encodeVersionNegotiation,
  longHeaderLength,
  versionNegotiationLength,
} from '../../src/core/wire/index.js';
import { MptErrorCode } from '../../src/errors.js';
import { CLIENT, SERVER, enginePair, payload, sha256 } from '../support/engine-pair.js';
import { TapEndpoint } from '../support/scenarios.js';

// Issue #3.5: a client connects through a stateless Retry, and the CIDs of
// the Retry are verified against the server's authenticated transport
// parameters; version negotiation both ways.
const longType = (bytes: Uint8Array): number => ((bytes[0] ?? 0) & 0x80) !== 0 ? ((bytes[0] ?? 0) >> 4) & 3 : -1;
const isVersionNegotiation = (bytes: Uint8Array): boolean =>
  ((bytes[0] ?? 0) & 0x80) !== 0 && bytes.length >= 5 && new DataView(bytes.buffer, bytes.byteOffset).getUint32(1) === 0;

describe('stateless retry', () => {
  it('a client connects through a Retry, and the Retry CIDs match the authenticated parameters', () => {
    let clientTap: TapEndpoint | undefined;
    let serverTap: TapEndpoint | undefined;
    const p = enginePair({
      link: { delayMs: 15 },
      server: { server: { retry: true } },
      wrapClient: (e) => (clientTap = new TapEndpoint(e, (b) => longType(b) === 3)),
      wrapServer: (e) => (serverTap = new TapEndpoint(e, (b) => longType(b) === 0)),
    });
    const data = payload(200_000);
    p.connection.write(data);
    p.connection.shutdown();
    p.runUntil(() => p.serverSink?.finished === true, 10_000);
    expect(sha256(p.serverSink!.data())).toBe(sha256(data));
    expect(p.server.stats.retries).toBe(1);
    // One extra round trip: first bytes at 2.5 RTT (XX after a Retry).
    expect(p.serverSink!.firstByteAtMs!).toBeLessThanOrEqual(2.5 * 30);

    const retry = decodeLongHeader(clientTap!.received[0]!)._unsafeUnwrap();
    const firstInitial = decodeLongHeader(serverTap!.received[0]!)._unsafeUnwrap();
    const secondInitial = decodeLongHeader(serverTap!.received[1]!)._unsafeUnwrap();
    expect(retry.type).toBe('retry');
    expect(secondInitial.type === 'initial' && secondInitial.token.length).toBeGreaterThan(0);
    expect(Buffer.from(secondInitial.dcid).equals(Buffer.from(retry.scid))).toBe(true);
    const peer = p.connection.outcome!.peerParams;
    expect(Buffer.from(peer.retrySourceConnectionId!).equals(Buffer.from(retry.scid))).toBe(true);
    expect(Buffer.from(peer.originalDestinationConnectionId!).equals(Buffer.from(firstInitial.dcid))).toBe(true);
  });

  it('a forged Retry makes the handshake fail instead of being followed silently', () => {
    const p = enginePair({ link: { delayMs: 15 } });
    const scid = p.connection.localCids[0]!;
    const forged = { type: 'retry', version: WIRE_VERSION, dcid: scid, scid: new Uint8Array(8).fill(0xee), retryToken: new Uint8Array(40).fill(7) } as const;
    const bytes = new Uint8Array(longHeaderLength(forged));
    encodeLongHeader(bytes, 0, forged);
    p.sim.at(5, () => p.client.handleDatagram(p.sim.nowMs, CLIENT, SERVER, bytes));
    p.runUntil(() => p.clientSink.closed !== undefined, 10_000);
    expect((p.clientSink.closed!.error as { code: string }).code).toBe(MptErrorCode.HandshakeFailed);
    expect(p.clientSink.closed!.reason).toMatch(/retry_source_connection_id|original_destination/);
    expect(p.clientSink.connected).toBe(false);
  });

  it('an Initial with a forged token is refused', () => {
    const p = enginePair({ link: { delayMs: 15 }, server: { server: { retry: true } } });
    p.runUntil(() => p.clientSink.connected, 5_000);
    const initial = { type: 'initial', version: WIRE_VERSION, dcid: new Uint8Array(8).fill(1), scid: new Uint8Array(8).fill(2), token: new Uint8Array(60).fill(9), packetNumber: 0, packetNumberLength: 4 } as const;
    const bytes = new Uint8Array(1200);
    encodeLongHeader(bytes, 0, initial, 1200 - longHeaderLength(initial, 0) - 4);
    const refusedBefore = p.server.stats.refused;
    p.sim.after(1, () => p.server.handleDatagram(p.sim.nowMs, SERVER, CLIENT, bytes));
    p.runUntil(() => p.server.stats.refused > refusedBefore, 1_000);
    expect(p.server.connections.size).toBe(1);
  });
});

describe('version negotiation', () => {
  it('a server answers an unknown version with the versions it speaks, echoing the CIDs', () => {
    let tap: TapEndpoint | undefined;
    const p = enginePair({ link: { delayMs: 15 }, wrapClient: (e) => (tap = new TapEndpoint(e, isVersionNegotiation)) });
    p.runUntil(() => p.clientSink.connected, 5_000);
    const probe = new Uint8Array(1200);
    probe.set([0xc0, 0x1a, 0x2a, 0x3a, 0x4a, 8, 1, 1, 1, 1, 1, 1, 1, 1, 8, 2, 2, 2, 2, 2, 2, 2, 2]);
    p.sim.after(1, () => p.server.handleDatagram(p.sim.nowMs, SERVER, CLIENT, probe));
    p.runUntil(() => tap!.received.length > 0, 1_000);
    const vn = decodeVersionNegotiation(tap!.received[0]!)._unsafeUnwrap();
    expect(vn.supportedVersions).toContain(WIRE_VERSION);
    expect([...vn.dcid]).toEqual(new Array(8).fill(2));
    expect([...vn.scid]).toEqual(new Array(8).fill(1));
    expect(p.server.stats.versionNegotiations).toBe(1);
    // A small datagram is not answered (no amplification).
    p.sim.after(1, () => p.server.handleDatagram(p.sim.nowMs, SERVER, CLIENT, probe.subarray(0, 100)));
    p.sim.runFor(100);
    expect(p.server.stats.versionNegotiations).toBe(1);
  });

  function negotiation(versions: number[]) {
    const p = enginePair({ link: { delayMs: 15 } });
    const vn = { dcid: p.connection.localCids[0]!, scid: new Uint8Array(8).fill(3), supportedVersions: versions };
    const bytes = new Uint8Array(versionNegotiationLength(vn));
    encodeVersionNegotiation(bytes, 0, vn);
    p.sim.at(5, () => p.client.handleDatagram(p.sim.nowMs, CLIENT, SERVER, bytes));
    p.runUntil(() => p.clientSink.closed !== undefined || p.clientSink.connected, 10_000);
    return p;
  }

  it('a client told of no common version fails with ERR_MPT_VERSION_NEGOTIATION', () => {
    const p = negotiation([0x0a0a0a0a, 0xff00001d]);
    expect(p.clientSink.connected).toBe(false);
    expect((p.clientSink.closed!.error as { code: string }).code).toBe(MptErrorCode.VersionNegotiation);
    expect(p.client.connections.size).toBe(0);
  });

  it('a Version Negotiation that lists our own version is ignored (RFC 9000 §6.2)', () => {
    const p = negotiation([0x0a0a0a0a, WIRE_VERSION]);
    expect(p.clientSink.connected).toBe(true);
    expect(p.clientSink.closed).toBeUndefined();
  });
});
