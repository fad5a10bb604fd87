import { describe, expect, it } from 'vitest';
import type { Connection } from '../../src/core/connection.js';
import type { Reassembly } from '../../src/core/reassembly.js';
import type { SocketAddress } from '../../src/core/socket-address.js';
import { encodeVersionNegotiation, ReasonCode, versionNegotiationLength, type Frame } from '../../src/core/wire/index.js';
import { CLIENT, SERVER, enginePair, payload, sha256, type PairOptions } from '../support/engine-pair.js';
import { sealAs } from '../support/hostile.js';
import { SendLog } from '../support/send-log.js';
import { nullProvider } from '../support/null-provider.js';
import { TapEndpoint } from '../support/scenarios.js';

// Hostile input that authenticates (a keyed but malicious peer, built by
// sealing frames with a real Connection's keys) or that is spoofed (no keys):
// it may end the connection with a reason code, but must never cost more
// than bounded memory and CPU, and spoofed packets must change nothing.

const ATTACKER: SocketAddress = { host: '6.6.6.6', port: 6666 };

/** A pair with an established connection that has moved 1000 bytes client -> server. */
function established(options: PairOptions = {}) {
  const p = enginePair({ seed: 3, client: { provider: nullProvider }, server: { provider: nullProvider }, ...options });
  p.connection.write(payload(1000));
  p.runUntil(() => (p.serverSink?.bytes ?? 0) >= 1000, 5_000);
  return p;
}

function versionNegotiation(dcid: Uint8Array): Uint8Array {
  const vn = { dcid, scid: new Uint8Array(8).fill(3), supportedVersions: [0x0a0a0a0a, 0xabcdef01] };
  const bytes = new Uint8Array(versionNegotiationLength(vn));
  encodeVersionNegotiation(bytes, 0, vn);
  return bytes;
}

function reassemblyOf(c: Connection): Reassembly {
  return (c as unknown as { stream: { reassembly: Reassembly } }).stream.reassembly;
}

describe('spoofed Version Negotiation', () => {
  it('changes nothing at an established client or server, even from the peer address', () => {
    const p = established();
    const server = p.serverSink!.connection;
    p.client.handleDatagram(p.sim.nowMs, CLIENT, SERVER, versionNegotiation(p.connection.localCids[0]!));
    p.server.handleDatagram(p.sim.nowMs, SERVER, CLIENT, versionNegotiation(server.localCids[0]!));
    p.server.handleDatagram(p.sim.nowMs, SERVER, ATTACKER, versionNegotiation(server.localCids[0]!));
    expect(p.connection.state).toBe('established');
    expect(server.state).toBe('established');
    expect(p.client.connections.has(p.connection)).toBe(true);
    expect(p.server.connections.has(server)).toBe(true);
    const data = payload(200_000, 7);
    p.connection.write(data);
    p.connection.shutdown();
    p.runUntil(() => p.serverSink!.finished, 10_000);
    expect(sha256(p.serverSink!.data().subarray(1000))).toBe(sha256(data));
    expect(p.clientSink.closed).toBeUndefined();
  });

  it('before the handshake, one from another address than the server is ignored', () => {
    const p = enginePair({ link: { delayMs: 15 } });
    p.sim.at(5, () => p.client.handleDatagram(p.sim.nowMs, CLIENT, ATTACKER, versionNegotiation(p.connection.localCids[0]!)));
    p.runUntil(() => p.clientSink.connected || p.clientSink.closed !== undefined, 10_000);
    expect(p.clientSink.connected).toBe(true);
    expect(p.client.connections.size).toBe(1);
  });
});

describe('PATH_CHALLENGE flood from an authenticated peer', () => {
  it('keeps one pending PATH_RESPONSE, sends a bounded number, and the connection keeps working', () => {
    const p = established();
    const server = p.serverSink!.connection;
    const challenges: Frame[] = [];
    for (let i = 0; i < 150; i++) challenges.push({ type: 'pathChallenge', data: new Uint8Array(8).fill(i) });
    const packets = 2_000;
    for (let k = 0; k < packets; k++) {
      p.server.handleDatagram(p.sim.nowMs, SERVER, CLIENT, sealAs(p.connection, challenges, p.sim.nowMs));
      expect(server.paths[0]!.pathResponsePending).toBe(true);
      if (k % 100 === 99) p.serverNode.wake(); // let some responses out in between
    }
    const data = payload(300_000, 9);
    p.connection.write(data);
    p.connection.shutdown();
    p.serverNode.wake();
    p.runUntil(() => p.serverSink!.finished, 10_000);
    expect(sha256(p.serverSink!.data().subarray(1000))).toBe(sha256(data));
    const sent = server.paths[0]!.stats.pathResponsesSent;
    // At most one per packet that carried challenges, not one per challenge (300 000 of them).
    expect(sent).toBeGreaterThanOrEqual(1);
    expect(sent).toBeLessThanOrEqual(packets);
    expect(server.paths[0]!.pathResponsePending).toBe(false);
    expect(server.state).toBe('established');
  });
});

describe('reassembly fragmentation from an authenticated peer', () => {
  it('1-byte DATA frames at every other offset, descending, end in LackOfResources with bounded state', () => {
    const p = established();
    const server = p.serverSink!.connection;
    const window = 1 << 20;
    let offset = window - 2;
    let packets = 0;
    while (server.state === 'established' && offset > 1000 && packets < 1_000) {
      const frames: Frame[] = [];
      for (let i = 0; i < 190 && offset > 1000; i++, offset -= 2) frames.push({ type: 'data', offset, data: new Uint8Array([offset & 0xff]), fin: false, explicitLength: true });
      p.server.handleDatagram(p.sim.nowMs, SERVER, CLIENT, sealAs(p.connection, frames, p.sim.nowMs));
      packets++;
    }
    const r = reassemblyOf(server);
    expect(server.state).toBe('closing');
    // 4096 segments, plus one per KiB of the 16 MiB largest window; a few hundred packets, not 524 288 frames.
    expect(r.segmentCount).toBeLessThanOrEqual(4096 + 16 * 1024 + 1);
    expect(packets).toBeLessThan(200);
    // Memory follows the bytes stored (one per frame), not the packets they came in.
    expect(r.bufferedBytes).toBe(r.segmentCount);
    expect(r.heldBytes).toBeLessThanOrEqual(2 * r.bufferedBytes);
    p.runUntil(() => p.clientSink.closed !== undefined, 5_000);
    expect(p.clientSink.closed!.reasonCode).toBe(ReasonCode.LackOfResources);
  });
});

describe('RESET and final size from an authenticated peer', () => {
  it('a repeated RESET is reported once', () => {
    const p = established();
    const server = p.serverSink!.connection;
    for (let k = 0; k < 10; k++) {
      const resets: Frame[] = [];
      for (let i = 0; i < 20; i++) resets.push({ type: 'reset', applicationErrorCode: 7, finalSize: 1000 });
      p.server.handleDatagram(p.sim.nowMs, SERVER, CLIENT, sealAs(p.connection, resets, p.sim.nowMs));
    }
    let resets = 0;
    for (let e = server.pollEvent(); e !== undefined; e = server.pollEvent()) if (e.type === 'reset') resets++;
    expect(resets).toBe(1);
    expect(server.state).toBe('established');
  });

  it('a RESET below the data received closes with FinalSizeError (RFC 9000 §4.5)', () => {
    const p = established();
    p.server.handleDatagram(p.sim.nowMs, SERVER, CLIENT, sealAs(p.connection, [{ type: 'reset', applicationErrorCode: 7, finalSize: 500 }], p.sim.nowMs));
    p.runUntil(() => p.clientSink.closed !== undefined, 5_000);
    expect(p.clientSink.closed!.reasonCode).toBe(ReasonCode.FinalSizeError);
  });

  it('DATA past a RESET final size closes with FinalSizeError', () => {
    const p = established();
    const frames: Frame[] = [
      { type: 'reset', applicationErrorCode: 7, finalSize: 1000 },
      { type: 'data', offset: 1000, data: new Uint8Array(10), fin: false, explicitLength: true },
    ];
    p.server.handleDatagram(p.sim.nowMs, SERVER, CLIENT, sealAs(p.connection, frames, p.sim.nowMs));
    p.runUntil(() => p.clientSink.closed !== undefined, 5_000);
    expect(p.clientSink.closed!.reasonCode).toBe(ReasonCode.FinalSizeError);
  });

  it('a changed FIN final size closes with FinalSizeError, not ProtocolError', () => {
    const p = established();
    const frames: Frame[] = [
      { type: 'data', offset: 1000, data: new Uint8Array(0), fin: true, explicitLength: true },
      { type: 'data', offset: 1000, data: new Uint8Array(5), fin: true, explicitLength: true },
    ];
    p.server.handleDatagram(p.sim.nowMs, SERVER, CLIENT, sealAs(p.connection, frames, p.sim.nowMs));
    p.runUntil(() => p.clientSink.closed !== undefined, 5_000);
    expect(p.clientSink.closed!.reasonCode).toBe(ReasonCode.FinalSizeError);
  });
});

describe('PATH_ABANDON from an authenticated peer', () => {
  it('of the only open path closes with ProtocolError, instead of leaving a connection that can neither send nor receive', () => {
    const p = established();
    const server = p.serverSink!.connection;
    p.server.handleDatagram(p.sim.nowMs, SERVER, CLIENT, sealAs(p.connection, [{ type: 'pathAbandon', pathId: 0, reasonCode: ReasonCode.NoError }], p.sim.nowMs));
    expect(server.state).toBe('closing');
    expect(server.paths.map((path) => path.closed)).toEqual([false]); // still there, to carry the CLOSE
    p.runUntil(() => p.clientSink.closed !== undefined, 5_000);
    expect(p.clientSink.closed!.reasonCode).toBe(ReasonCode.ProtocolError);
    expect(p.clientSink.closed!.reason).toContain('PATH_ABANDON of the only open path');
  });
});

describe('closing state', () => {
  it('answers a flood of packets with CLOSE at exponentially spaced packets, not one each (RFC 9000 §10.2.1)', () => {
    const p = established();
    const server = p.serverSink!.connection;
    server.close(p.sim.nowMs);
    const out = new Uint8Array(65_536);
    let datagrams = 0;
    const drain = (): void => {
      while (p.server.pollTransmit(p.sim.nowMs, out) !== undefined) datagrams++;
    };
    drain();
    expect(datagrams).toBe(1);
    for (let k = 0; k < 100; k++) {
      p.server.handleDatagram(p.sim.nowMs, SERVER, CLIENT, sealAs(p.connection, [{ type: 'ping' }], p.sim.nowMs));
      drain();
    }
    // The 1st, 2nd, 4th, ... 64th packet: 7 answers, plus the first CLOSE.
    expect(datagrams).toBe(8);
  });
});

describe("the peer's address", () => {
  const isShort = (b: Uint8Array): boolean => ((b[0] ?? 0) & 0x80) === 0;

  it('does not follow an older (reordered) packet from another address', () => {
    let seen = 0;
    let dropped = false;
    let tap: TapEndpoint | undefined;
    // Hold back the client's 20th 1-RTT datagram; deliver it later, re-sourced, after newer ones.
    const keep = (b: Uint8Array): boolean => isShort(b) && ++seen === 20;
    const drop = (b: Uint8Array): boolean => isShort(b) && seen === 20 && !dropped && (dropped = true);
    const p = established({ wrapServer: (e) => (tap = new TapEndpoint(e, keep, drop)) });
    const data = payload(400_000, 5);
    p.connection.write(data);
    // Soon after, while it is still within the receiver's duplicate window.
    p.runUntil(() => seen >= 23, 10_000);
    const server = p.serverSink!.connection;
    p.server.handleDatagram(p.sim.nowMs, SERVER, ATTACKER, tap!.received[0]!);
    expect(server.paths[0]!.remote).toEqual(CLIENT);
    expect(server.paths[0]!.stats.addressChanges).toBe(0);
    p.connection.shutdown();
    p.runUntil(() => p.serverSink!.finished, 10_000);
    expect(sha256(p.serverSink!.data().subarray(1000))).toBe(sha256(data));
  });

  it('follows the newest packet, but sends a new address at most 3x what came from it until it answers a challenge', () => {
    let counter: SendLog | undefined;
    let capture = false;
    let captured: Uint8Array | undefined;
    const p = established({
      wrapServer: (e) =>
        (counter = new SendLog(
          new TapEndpoint(e, () => false, (b) => {
            if (!capture || !isShort(b)) return false;
            capture = false;
            captured = b.slice();
            return true;
          }),
          ATTACKER.host,
        )),
    });
    const server = p.serverSink!.connection;
    // The server is the bulk sender, so it has plenty to send wherever the path points.
    const data = payload(2_000_000, 11);
    server.write(data);
    server.shutdown();
    p.runUntil(() => p.clientSink.bytes > 300_000, 10_000);
    capture = true;
    p.runUntil(() => captured !== undefined, 1_000);
    // An attacker re-sources the client's newest packet (it never reached the server itself).
    p.server.handleDatagram(p.sim.nowMs, SERVER, ATTACKER, captured!);
    // Garbage for the connection's CID from elsewhere does not raise what the new address may get.
    for (let i = 0; i < 50; i++) {
      const junk = payload(1200, 100 + i);
      junk[0] = 0x40;
      junk.set(server.localCids[0]!, 1);
      p.server.handleDatagram(p.sim.nowMs, SERVER, { host: '7.7.7.7', port: 7 }, junk);
    }
    p.serverNode.wake();
    expect(server.paths[0]!.remote).toEqual(ATTACKER);
    p.runUntil(() => p.clientSink.finished, 20_000);
    expect(sha256(p.clientSink.data())).toBe(sha256(data));
    // The next client packet moved the path back; the attacker's address got at most 3x its datagram.
    expect(server.paths[0]!.remote).toEqual(CLIENT);
    expect(server.paths[0]!.stats.addressChanges).toBe(2);
    expect(server.paths[0]!.stats.recoveryRestarts).toBe(0); // restored as it was, not restarted
    expect(counter!.bytes).toBeGreaterThan(0);
    expect(counter!.bytes).toBeLessThanOrEqual(3 * captured!.length);
  });

  it('on a quiet path, pings the last validated address, so the peer still there takes the path back at once (RFC 9000 §9.3.3)', () => {
    let counter: SendLog | undefined;
    let capture = false;
    let captured: Uint8Array | undefined;
    const p = established({
      wrapServer: (e) =>
        (counter = new SendLog(
          new TapEndpoint(e, () => false, (b) => {
            if (!capture || !isShort(b)) return false;
            capture = false;
            captured = b.slice();
            return true;
          }),
          ATTACKER.host,
        )),
    });
    const server = p.serverSink!.connection;
    // Quiet: nothing to send either way. The server writes 10 bytes; the client's answer, an ACK alone
    // (nothing it would send again), is taken off the link and re-sourced by an attacker, so the server
    // hears it from the attacker's address only, and the client, with nothing outstanding, stays quiet.
    p.sim.runFor(2_000);
    p.pump();
    capture = true;
    server.write(payload(10, 9));
    p.serverNode.wake();
    p.runUntil(() => captured !== undefined, 1_000);
    p.server.handleDatagram(p.sim.nowMs, SERVER, ATTACKER, captured!);
    p.serverNode.wake();
    const movedAt = p.sim.nowMs;
    expect(server.paths[0]!.remote).toEqual(ATTACKER);
    // The PING to the client's address is answered (an ACK from there, the newest packet): the path is
    // back within a round trip and an ACK delay, long before the challenge to the attacker would time out
    // (three PTOs), and the peer's own packet sent nothing more its way.
    p.runUntil(() => server.paths[0]!.remote.host === CLIENT.host, 1_000);
    expect(p.sim.nowMs - movedAt).toBeLessThan(100);
    expect(server.paths[0]!.state).toBe('active');
    expect(server.paths[0]!.stats.recoveryRestarts).toBe(0);
    expect(counter!.bytes).toBeLessThanOrEqual(3 * captured!.length);
    expect(p.clientSink.bytes).toBe(10);
  });
});
