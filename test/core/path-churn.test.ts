// Review findings on issue #4, kept as regression tests: closed paths and their
// CIDs are dropped (open/abandon churn costs no memory), a path the peer never
// saw still frees its id's CID, the path manager's queue stays bounded when the
// peer never issues a CID, and a NAT rebinding restarts recovery once, when validated.
import { describe, expect, test } from 'vitest';
import { ReasonCode } from '../../src/core/wire/index.js';
import { fullmesh } from '../../src/path-managers/index.js';
import type { SocketAddress } from '../../src/core/socket-address.js';
import { SERVER, enginePair, payload } from '../support/engine-pair.js';
import { nullProvider } from '../support/null-provider.js';
import { CLIENT_B, bdpLink, twoPaths } from '../support/two-paths.js';

const SERVER_B: SocketAddress = { host: '10.0.2.2', port: 443 };

describe('path churn and CID accounting', () => {
  test('200 open / abandon cycles: both ends keep a bounded set of paths and CIDs', () => {
    const { pair } = twoPaths({ maxPaths: 2 });
    const client = pair.connection;
    const server = pair.serverSink!.connection;
    let opened: number | undefined = 1;
    for (let i = 0; i < 200; i++) {
      if (i > 0) pair.runUntil(() => (opened = client.openPath(pair.sim.nowMs, CLIENT_B, SERVER)) !== undefined, 10_000);
      pair.clientNode.wake();
      const id = opened!;
      pair.runUntil(() => server.pathById(id) !== undefined, 10_000);
      expect(client.abandonPath(id)).toBe(true);
      pair.clientNode.wake();
      pair.runUntil(() => server.pathById(id)?.closed !== false, 10_000);
    }
    pair.sim.runFor(5_000);
    pair.pump();
    const routes = (pair.server as unknown as { byCid: Map<number, unknown> }).byCid.size;
    console.log(`after 200 cycles: server ${server.paths.length} paths, ${server.localCids.length} CIDs, endpoint routes ${routes}; client ${client.paths.length} paths`);
    expect(server.paths.length).toBeLessThanOrEqual(2);
    expect(client.paths.length).toBeLessThanOrEqual(2);
    expect(server.localCids.length).toBeLessThanOrEqual(3);
    expect(routes).toBeLessThanOrEqual(3);
    expect(client.openPathCount).toBe(1);
  });

  test('a path whose validation failed before the peer ever saw it still frees its id: a new path can open (maxPaths 2)', () => {
    const transport = { maxPaths: 2 };
    const pair = enginePair({
      link: bdpLink(20e6, 20),
      extraClientAddresses: [{ address: CLIENT_B, link: bdpLink(10e6, 40) }],
      extraServerAddresses: [{ address: SERVER_B, link: bdpLink(10e6, 30) }], // no CLIENT_B -> SERVER_B route
      client: { provider: nullProvider, transport },
      server: { provider: nullProvider, transport },
    });
    pair.runUntil(() => pair.serverSink !== undefined && pair.clientSink.connected, 10_000);
    const c = pair.connection;
    let id: number | undefined;
    let next: number | undefined;
    pair.runUntil(() => (id = c.openPath(pair.sim.nowMs, CLIENT_B, SERVER_B)) !== undefined, 10_000);
    pair.clientNode.wake();
    pair.runUntil(() => c.pathById(id!)?.closed !== false, 30_000);
    expect(pair.clientSink.pathEvents).toContainEqual({ type: 'path', pathId: id, change: 'closed', reasonCode: ReasonCode.PathValidationFailed });
    pair.runUntil(() => (next = c.openPath(pair.sim.nowMs, CLIENT_B, SERVER)) !== undefined, 20_000);
    expect(next).toBeGreaterThan(id!);
    pair.clientNode.wake();
    pair.runUntil(() => c.pathById(next!)?.validated === true, 5_000);
  });
});

describe('path manager queue', () => {
  test('a peer that allows several paths but never issues a CID: onEstablished runs after a wait, the queue stays small', () => {
    const transport = { maxPaths: 4 };
    const pair = enginePair({
      client: { provider: nullProvider, transport },
      server: { provider: nullProvider, transport },
      connect: { pathManager: fullmesh() },
      // The server lists max_paths 4 but never sends NEW_CONNECTION_ID (a minimal or hostile peer).
      wrapServer: (s) => {
        (s as unknown as { issueCid: undefined }).issueCid = undefined;
        return s;
      },
    });
    pair.runUntil(() => pair.serverSink !== undefined && pair.clientSink.connected, 10_000);
    const data = payload(8 << 20);
    pair.serverSink!.connection.write(data);
    pair.serverNode.wake();
    pair.runUntil(() => pair.clientSink.bytes >= data.length, 60_000);
    pair.sim.runFor(4_000); // past READY_WAIT_MS
    pair.pump();
    const runner = (pair.connection as unknown as { pathManager: { queue: unknown[]; established: boolean } }).pathManager;
    expect(runner.queue.length).toBeLessThan(10);
    expect(runner.established).toBe(true);
  });
});

describe('NAT rebinding', () => {
  test('restarts the moved path\'s recovery state once, when the new address is validated', () => {
    const { pair } = twoPaths({ linkA: bdpLink(20e6, 20), linkB: bdpLink(10e6, 40) });
    const server = pair.serverSink!.connection;
    pair.runUntil(() => server.pathById(1)?.validated === true, 5_000);
    pair.sim.rebind(CLIENT_B.host, CLIENT_B.port, CLIENT_B.port + 7, pair.sim.nowMs + 300);
    const data = payload(3_000_000, 31);
    pair.connection.write(data);
    pair.connection.shutdown();
    pair.clientNode.wake();
    pair.runUntil(() => pair.serverSink!.finished, 30_000);
    const p1 = server.pathById(1)!;
    expect(p1.stats.addressChanges).toBe(1);
    expect(p1.stats.recoveryRestarts).toBe(1);
    expect(p1.validatedRemote).toEqual({ host: CLIENT_B.host, port: CLIENT_B.port + 7 });
  });
});
