// Issue #4, signalling and failure: ADD_ADDRESS / REMOVE_ADDRESS, PATH_STATUS
// and PATH_ABANDON acted on by both ends; paths declared failed and recovered;
// an outage of every path; NAT rebinding on a later path. Simulator, virtual time.
import { describe, expect, test } from 'vitest';
import type { Connection } from '../../src/core/connection.js';
import type { PathEvent } from '../../src/core/connection-events.js';
import type { SocketAddress } from '../../src/core/socket-address.js';
import { ReasonCode } from '../../src/core/wire/index.js';
import { CLIENT, SERVER, enginePair, payload, sha256, type Sink } from '../support/engine-pair.js';
import { nullProvider } from '../support/null-provider.js';
import { CLIENT_B, bdpLink, twoPaths } from '../support/two-paths.js';

const SERVER_B: SocketAddress = { host: '10.0.2.2', port: 443 };

function pathEvents(sink: Sink, pathId?: number): PathEvent[] {
  return sink.pathEvents.filter((e): e is PathEvent => e.type === 'path' && (pathId === undefined || e.pathId === pathId));
}

/** Sends `bytes` from the client and runs until the server read all of it; returns the data. */
function sendAll(pair: ReturnType<typeof twoPaths>['pair'], bytes: number, seed: number, limitMs = 60_000): Uint8Array {
  const data = payload(bytes, seed);
  pair.connection.write(data);
  pair.connection.shutdown();
  pair.clientNode.wake();
  pair.runUntil(() => pair.serverSink?.finished === true, limitMs);
  return data;
}

describe('ADD_ADDRESS and REMOVE_ADDRESS', () => {
  test('the server advertises a second address; the client opens a path to it; withdrawing it abandons that path on both ends', () => {
    const pair = enginePair({
      client: { provider: nullProvider, transport: { maxPaths: 4 } },
      server: { provider: nullProvider, transport: { maxPaths: 4 } },
      link: bdpLink(20e6, 20),
      extraServerAddresses: [{ address: SERVER_B, link: bdpLink(20e6, 30) }],
    });
    pair.runUntil(() => pair.serverSink !== undefined && pair.clientSink.connected, 10_000);
    const server = pair.serverSink!.connection;
    expect(server.advertiseAddress(SERVER_B)).toBe(true);
    pair.serverNode.wake();
    pair.runUntil(() => pair.clientSink.pathEvents.some((e) => e.type === 'remoteAddress'), 5_000);
    expect(pair.clientSink.pathEvents).toContainEqual({ type: 'remoteAddress', change: 'added', address: SERVER_B });
    expect(pair.connection.remoteAddresses()).toEqual([SERVER, SERVER_B]);

    let id: number | undefined;
    pair.runUntil(() => (id = pair.connection.openPath(pair.sim.nowMs, CLIENT, SERVER_B)) !== undefined, 5_000);
    pair.clientNode.wake();
    pair.runUntil(() => pair.connection.pathById(id!)!.validated && server.pathById(id!)?.validated === true, 5_000);
    expect(server.pathById(id!)!.local).toEqual(SERVER_B);
    expect(pathEvents(pair.clientSink, id)).toContainEqual({ type: 'path', pathId: id, change: 'up', reasonCode: 0 });

    expect(server.withdrawAddress(SERVER_B)).toBe(true);
    pair.serverNode.wake();
    pair.runUntil(() => server.pathById(id!)!.closed, 5_000);
    expect(pair.clientSink.pathEvents).toContainEqual({ type: 'remoteAddress', change: 'removed', address: SERVER_B });
    expect(pair.connection.pathById(id!)!.state).toBe('closed');
    expect(pathEvents(pair.clientSink, id).at(-1)).toEqual({ type: 'path', pathId: id, change: 'closed', reasonCode: ReasonCode.AddressRemoved });
    expect(pathEvents(pair.serverSink!, id).at(-1)).toEqual({ type: 'path', pathId: id, change: 'closed', reasonCode: ReasonCode.AddressRemoved });
    expect(pair.connection.remoteAddresses()).toEqual([SERVER]);
    // The connection goes on over path 0.
    const data = payload(300_000, 3);
    pair.connection.write(data);
    pair.connection.shutdown();
    pair.clientNode.wake();
    pair.runUntil(() => pair.serverSink!.finished, 10_000);
    expect(sha256(pair.serverSink!.data())).toBe(sha256(data));
  });
});

describe('PATH_STATUS', () => {
  test('a path is backup while either end asks for it; both ends see the same status and report each change', () => {
    const { pair } = twoPaths();
    const client = pair.connection;
    const server = pair.serverSink!.connection;
    pair.runUntil(() => server.pathById(1)?.validated === true, 5_000);
    expect(client.setPathStatus(1, 'backup')).toBe(true);
    expect(client.pathById(1)!.state).toBe('backup');
    pair.clientNode.wake();
    pair.runUntil(() => server.pathById(1)!.backup, 5_000);
    expect(pathEvents(pair.serverSink!, 1).at(-1)).toEqual({ type: 'path', pathId: 1, change: 'status', reasonCode: 0 });
    // The server's "available" does not override the client's "backup": both still see backup.
    expect(server.setPathStatus(1, 'available')).toBe(true);
    pair.serverNode.wake();
    pair.sim.runFor(500);
    pair.pump();
    expect(server.pathById(1)!.backup).toBe(true);
    expect(client.pathById(1)!.backup).toBe(true);
    // Once the client says available too, both ends make it available.
    expect(client.setPathStatus(1, 'available')).toBe(true);
    pair.clientNode.wake();
    pair.runUntil(() => !server.pathById(1)!.backup, 5_000);
    expect(client.pathById(1)!.backup).toBe(false);
    expect(pathEvents(pair.clientSink, 1).filter((e) => e.change === 'status')).toHaveLength(2);
    expect(pathEvents(pair.serverSink!, 1).filter((e) => e.change === 'status')).toHaveLength(2);
    expect(client.setPathStatus(9, 'backup')).toBe(false);
  });
});

describe('PATH_ABANDON', () => {
  test('abandoning the faster path mid-transfer: its data moves to the other, the peer closes it too, the stream arrives intact, and a new path takes a fresh id', () => {
    const { pair } = twoPaths({ linkA: bdpLink(10e6, 80), linkB: bdpLink(20e6, 20) });
    const client = pair.connection;
    const server = pair.serverSink!.connection;
    pair.runUntil(() => client.pathById(1)!.validated, 5_000);
    const data = payload(4_000_000, 8);
    client.write(data);
    client.shutdown();
    pair.clientNode.wake();
    pair.runUntil(() => pair.serverSink!.bytes > 1_000_000, 20_000);
    expect(client.pathById(1)!.loss.bytesInFlight).toBeGreaterThan(0);
    expect(client.abandonPath(1, ReasonCode.AdministrativelyProhibited)).toBe(true);
    expect(client.abandonPath(1)).toBe(false);
    expect(client.pathById(1)!.loss.bytesInFlight).toBe(0); // requeued, not waited for
    pair.clientNode.wake();
    pair.runUntil(() => pair.serverSink!.finished, 30_000);
    expect(sha256(pair.serverSink!.data())).toBe(sha256(data));
    // Closed on both ends, then its state dropped a few PTOs later (its CIDs out of the routing table).
    expect(server.pathById(1)?.closed ?? true).toBe(true);
    pair.sim.runFor(3_000);
    pair.pump();
    expect(server.pathById(1)).toBeUndefined();
    expect(client.pathById(1)).toBeUndefined();
    expect(server.localCidPathIds).not.toContain(1);
    expect(pathEvents(pair.serverSink!, 1).at(-1)).toEqual({ type: 'path', pathId: 1, change: 'closed', reasonCode: ReasonCode.AdministrativelyProhibited });
    // Path ids are never reused: the replacement gets the next id, with CIDs both ends issued when path 1 closed.
    let id: number | undefined;
    pair.runUntil(() => (id = client.openPath(pair.sim.nowMs, CLIENT_B, SERVER)) !== undefined, 5_000);
    expect(id).toBeGreaterThan(1);
    pair.clientNode.wake();
    pair.runUntil(() => client.pathById(id!)!.validated, 5_000);
    expect(server.pathById(id!)!.remote).toEqual(CLIENT_B);
  });
});

describe('path failure', () => {
  test('a blackholed path is declared failed after consecutive PTOs, the stream moves on, and it recovers when the link returns', () => {
    const { pair } = twoPaths({ linkA: bdpLink(10e6, 80), linkB: bdpLink(20e6, 20) });
    const client = pair.connection;
    pair.runUntil(() => client.pathById(1)!.validated, 5_000);
    const linkB = pair.extraLinks[0]!;
    const t = pair.sim.nowMs;
    pair.sim.blackhole(linkB.forward, t + 500, t + 4_500);
    pair.sim.blackhole(linkB.reverse, t + 500, t + 4_500);
    const data = payload(8_000_000, 9);
    client.write(data);
    client.shutdown();
    pair.clientNode.wake();
    pair.runUntil(() => client.pathById(1)!.failed, 5_000);
    const failedAt = pair.sim.nowMs - (t + 500);
    console.log(`path 1 declared failed ${failedAt.toFixed(0)} ms after its link went dark`);
    expect(failedAt).toBeLessThan(1_000); // two PTOs of a 20 ms path, backed off
    expect(client.pathById(1)!.state).toBe('failed');
    pair.runUntil(() => pair.sim.nowMs > t + 4_500 && !client.pathById(1)!.failed, 5_000);
    const recoveredAfter = pair.sim.nowMs - (t + 4_500);
    console.log(`path 1 recovered ${recoveredAfter.toFixed(0)} ms after its link returned`);
    // Probes are at most MAX_PROBE_INTERVAL_MS (2 s) apart, plus a round trip.
    expect(recoveredAfter).toBeLessThan(2_200);
    expect(pathEvents(pair.clientSink, 1).map((e) => e.change)).toEqual(['up', 'failed', 'recovered']);
    pair.runUntil(() => pair.serverSink!.finished, 30_000);
    expect(sha256(pair.serverSink!.data())).toBe(sha256(data));
  });

  test('outage: every path blackholed for 10 s, then one restored: the connection continues, bytes intact', () => {
    const { pair } = twoPaths({ linkA: bdpLink(10e6, 80), linkB: bdpLink(20e6, 20) });
    const client = pair.connection;
    pair.runUntil(() => client.pathById(1)!.validated, 5_000);
    const data = payload(6_000_000, 10);
    client.write(data);
    client.shutdown();
    pair.clientNode.wake();
    pair.runUntil(() => pair.serverSink!.bytes > 1_500_000, 20_000);
    const t = pair.sim.nowMs;
    const a = pair.link;
    const b = pair.extraLinks[0]!;
    for (const l of [a.forward, a.reverse]) pair.sim.blackhole(l, t, t + 10_000);
    for (const l of [b.forward, b.reverse]) pair.sim.blackhole(l, t, t + 60_000); // B never returns in this test's time
    const before = pair.serverSink!.bytes;
    pair.sim.runFor(9_900);
    pair.pump();
    const during = pair.serverSink!.bytes;
    expect(client.state).toBe('established');
    expect(client.pathById(0)!.failed && client.pathById(1)!.failed).toBe(true);
    pair.runUntil(() => pair.serverSink!.bytes > during, 5_000);
    const resumedAfter = pair.sim.nowMs - (t + 10_000);
    console.log(`outage: ${before} bytes before, ${during - before} during, first new byte ${resumedAfter.toFixed(0)} ms after path 0 returned`);
    expect(resumedAfter).toBeLessThan(2_500);
    pair.runUntil(() => pair.serverSink!.finished, 30_000);
    expect(sha256(pair.serverSink!.data())).toBe(sha256(data));
    expect(pair.serverSink!.closed).toBeUndefined();
  });
});

describe('NAT rebinding', () => {
  for (const which of ['path 0', 'path 1'] as const) {
    test(`${which}: the client's NAT picks a new port mid-transfer; the server validates it, moves the path, and no data is lost`, () => {
      const { pair } = twoPaths({ linkA: bdpLink(20e6, 20), linkB: bdpLink(10e6, 40) });
      const client = pair.connection;
      const server = pair.serverSink!.connection;
      pair.runUntil(() => client.pathById(1)!.validated, 5_000);
      const address = which === 'path 0' ? CLIENT : CLIENT_B;
      const id = which === 'path 0' ? 0 : 1;
      pair.sim.rebind(address.host, address.port, address.port + 1000, pair.sim.nowMs + 400);
      const data = sendAll(pair, 6_000_000, 12);
      expect(sha256(pair.serverSink!.data())).toBe(sha256(data));
      const moved = server.pathById(id)!;
      expect(moved.remote).toEqual({ host: address.host, port: address.port + 1000 });
      expect(moved.stats.addressChanges).toBe(1);
      // Validated at the new address: it carries data again.
      expect(id === 0 ? moved.validated : moved.validated && moved.state === 'active').toBe(true);
    });
  }
});

/** The peer's view: `conn` holds no event beyond these kinds, and its paths are unchanged. */
function snapshot(conn: Connection): string {
  return JSON.stringify(conn.paths.map((p) => [p.id, p.state, p.remote, p.backup]));
}

describe('security: signals without the keys change nothing', () => {
  test('forged ADD_ADDRESS, PATH_STATUS, PATH_ABANDON and CLOSE for the right CIDs are dropped', async () => {
    const { encodeFrames } = await import('../support/hostile.js');
    const { pair } = twoPaths();
    const server = pair.serverSink!.connection;
    pair.runUntil(() => server.pathById(1)?.validated === true, 5_000);
    pair.sim.runFor(200);
    pair.pump();
    const before = snapshot(server);
    const eventsBefore = pair.serverSink!.pathEvents.length;
    const droppedBefore = server.stats.packetsDropped;
    const frames = encodeFrames([
      { type: 'addAddress', addressId: 1, sequenceNumber: 0, family: 4, address: new Uint8Array([6, 6, 6, 6]), port: 666 },
      { type: 'pathStatus', pathId: 1, sequenceNumber: 100, status: 'backup' },
      { type: 'pathAbandon', pathId: 1, reasonCode: 1 },
      { type: 'close', reasonCode: ReasonCode.ApplicationClose, applicationErrorCode: 0, reason: new Uint8Array(0) },
    ] as never);
    let n = 0;
    for (const cid of server.localCids.slice(0, 2)) {
      for (let pn = 0; pn < 50; pn++) {
        // A short header for the server's CID, then the frames in the clear or under a made-up key: either way
        // the AEAD tag cannot verify.
        const datagram = new Uint8Array(1 + cid.length + 4 + frames.length + 16);
        datagram[0] = 0x43;
        datagram.set(cid, 1);
        datagram.set([0, 0, 0, 200 + pn], 1 + cid.length);
        datagram.set(frames, 5 + cid.length);
        pair.server.handleDatagram(pair.sim.nowMs, SERVER, n++ % 2 === 0 ? CLIENT : { host: '6.6.6.6', port: 666 }, datagram);
      }
    }
    pair.pump();
    expect(server.stats.packetsDropped - droppedBefore).toBe(100);
    expect(snapshot(server)).toBe(before);
    expect(pair.serverSink!.pathEvents.length).toBe(eventsBefore);
    expect(server.remoteAddresses()).toEqual([CLIENT]);
    expect(server.state).toBe('established');
    const data = sendAll(pair, 500_000, 13);
    expect(sha256(pair.serverSink!.data())).toBe(sha256(data));
  });
});

describe('security: a later path towards an unvalidated address', () => {
  test('an attacker re-sourcing a packet of path 1 gets at most 3x its datagram, and the path comes back', () => {
    const ATTACKER: SocketAddress = { host: '10.6.6.6', port: 6666 };
    let capture = false;
    let captured: Uint8Array | undefined;
    const { pair, counter } = twoPaths({
      linkA: bdpLink(10e6, 40),
      linkB: bdpLink(20e6, 20),
      serverDrop: (remote, bytes) => {
        if (!capture || remote.host !== CLIENT_B.host) return false;
        capture = false;
        captured = bytes.slice();
        return true;
      },
    });
    const server = pair.serverSink!.connection;
    pair.runUntil(() => server.pathById(1)?.validated === true, 5_000);
    // The server is the bulk sender, so path 1 has plenty to send wherever it points.
    const data = payload(3_000_000, 14);
    server.write(data);
    server.shutdown();
    pair.serverNode.wake();
    pair.runUntil(() => pair.clientSink.bytes > 500_000, 10_000);
    capture = true;
    pair.runUntil(() => captured !== undefined, 2_000);
    // The client's newest path-1 packet arrives from the attacker's address instead.
    pair.server.handleDatagram(pair.sim.nowMs, SERVER, ATTACKER, captured!);
    expect(server.pathById(1)!.remote).toEqual(ATTACKER);
    expect(server.pathById(1)!.validated).toBe(false);
    pair.serverNode.wake();
    pair.runUntil(() => pair.clientSink.finished, 20_000);
    expect(sha256(pair.clientSink.data())).toBe(sha256(data));
    const toAttacker = counter.sentTo.get(ATTACKER.host) ?? 0;
    console.log(`attacker got ${toAttacker} bytes for a ${captured!.length}-byte datagram`);
    expect(toAttacker).toBeGreaterThan(0);
    expect(toAttacker).toBeLessThanOrEqual(3 * captured!.length);
    // The client's next packet on path 1 moved it back; validated again, it carries data.
    expect(server.pathById(1)!.remote).toEqual(CLIENT_B);
    expect(server.pathById(1)!.stats.addressChanges).toBe(2);
    // Back on its validated address as it was: the spoof cost it no RTT or congestion state.
    expect(server.pathById(1)!.stats.recoveryRestarts).toBe(0);
  });
});
