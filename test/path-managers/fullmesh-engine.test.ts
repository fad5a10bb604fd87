// Issue #4 part 5: the fullmesh path manager, run by the engine itself, in the
// simulator. Client on two addresses, server on two; three of the four pairs
// are routed. Fullmesh opens a path per pair, learns the server's second
// address from its ADD_ADDRESS, gives up on the unroutable pair (validation
// fails, back-off), and closes the paths of a local address that goes away.
import { describe, expect, test } from 'vitest';
import type { PathEvent } from '../../src/core/connection-events.js';
import { sameAddress, type SocketAddress } from '../../src/core/socket-address.js';
import { ReasonCode } from '../../src/core/wire/index.js';
import { fullmesh } from '../../src/path-managers/fullmesh.js';
import type { PathManager } from '../../src/core/path-manager.js';
import { CLIENT, SERVER, enginePair, payload, sha256 } from '../support/engine-pair.js';
import { nullProvider } from '../support/null-provider.js';
import { CLIENT_B, bdpLink } from '../support/two-paths.js';

const SERVER_B: SocketAddress = { host: '10.0.2.2', port: 443 };
const key = (a: SocketAddress): string => `${a.host}:${a.port}`;

function meshPair(clientManager: PathManager | (() => PathManager) = fullmesh(), serverManager: (() => PathManager) | null = fullmesh()) {
  const transport = { maxPaths: 8 };
  const pair = enginePair({
    link: bdpLink(20e6, 20),
    extraClientAddresses: [{ address: CLIENT_B, link: bdpLink(10e6, 40) }],
    extraServerAddresses: [{ address: SERVER_B, link: bdpLink(10e6, 30) }],
    client: { provider: nullProvider, transport },
    server: { provider: nullProvider, transport, server: { pathManager: serverManager ?? undefined, localAddresses: [SERVER, SERVER_B] } },
    connect: { pathManager: clientManager, localAddresses: [CLIENT, CLIENT_B] },
  });
  pair.runUntil(() => pair.serverSink !== undefined && pair.clientSink.connected, 10_000);
  return pair;
}

describe('fullmesh, run by the engine', () => {
  test('opens a path per routable (local, remote) pair, including the advertised server address, and they all carry the stream', () => {
    const pair = meshPair();
    const client = pair.connection;
    pair.sim.runFor(8_000);
    pair.pump();
    const live = client.paths.filter((p) => !p.closed);
    const validated = live.filter((p) => p.validated).map((p) => `${key(p.local)}>${key(p.remote)}`).sort();
    expect(validated).toEqual([`${key(CLIENT)}>${key(SERVER)}`, `${key(CLIENT)}>${key(SERVER_B)}`, `${key(CLIENT_B)}>${key(SERVER)}`].sort());
    // CLIENT_B -> SERVER_B has no route: every attempt ends in PathValidationFailed, retried with back-off.
    // (Closed paths are dropped a few PTOs after they close: their events are the record.)
    const failedAttempts = pair.clientSink.pathEvents.filter((e): e is PathEvent => e.type === 'path' && e.change === 'closed');
    expect(failedAttempts.every((e) => e.reasonCode === ReasonCode.PathValidationFailed)).toBe(true);
    expect(live.filter((p) => !p.validated).every((p) => p.local.host === CLIENT_B.host && p.remote.host === SERVER_B.host)).toBe(true);
    console.log(`fullmesh: ${live.length} paths open, ${failedAttempts.length} attempts on the unroutable pair in 8 s (back-off 1, 2, 4 s)`);
    expect(failedAttempts.length).toBeGreaterThanOrEqual(1);
    expect(failedAttempts.length).toBeLessThanOrEqual(3);

    const data = payload(6_000_000, 21);
    client.write(data);
    client.shutdown();
    pair.clientNode.wake();
    pair.runUntil(() => pair.serverSink!.finished, 30_000);
    expect(sha256(pair.serverSink!.data())).toBe(sha256(data));
    for (const p of live.filter((x) => x.validated)) expect(p.stats.streamBytesSent, `${key(p.local)}>${key(p.remote)}`).toBeGreaterThan(200_000);
  });

  test('a local address that goes away: its paths close with AddressRemoved, the stream carries on', () => {
    const pair = meshPair();
    const client = pair.connection;
    pair.sim.runFor(2_000);
    pair.pump();
    const data = payload(4_000_000, 22);
    client.write(data);
    client.shutdown();
    pair.clientNode.wake();
    pair.runUntil(() => pair.serverSink!.bytes > 1_000_000, 20_000);
    client.setLocalAddresses(pair.sim.nowMs, [CLIENT]);
    pair.clientNode.wake();
    const fromB = client.paths.filter((p) => p.local.host === CLIENT_B.host);
    expect(fromB.length).toBeGreaterThan(0);
    expect(fromB.every((p) => p.closed)).toBe(true);
    pair.runUntil(() => pair.serverSink!.finished, 30_000);
    expect(sha256(pair.serverSink!.data())).toBe(sha256(data));
    const serverClosed = pair.serverSink!.pathEvents.filter((e): e is PathEvent => e.type === 'path' && e.change === 'closed' && e.reasonCode === ReasonCode.AddressRemoved);
    expect(serverClosed.length).toBeGreaterThan(0);
  });

  test('a client on two addresses and a server on one: onEstablished opens the second path itself (waits for confirmation and CIDs)', () => {
    const transport = { maxPaths: 8 };
    const hooks: string[] = [];
    const pair = enginePair({
      link: bdpLink(20e6, 20),
      extraClientAddresses: [{ address: CLIENT_B, link: bdpLink(10e6, 40) }],
      client: { provider: nullProvider, transport },
      server: { provider: nullProvider, transport },
      connect: {
        pathManager: () => {
          const inner = fullmesh()();
          return {
            ...inner,
            onEstablished(ctx) {
              hooks.push(`onEstablished with ${ctx.paths().length} path(s)`);
              inner.onEstablished?.(ctx);
              hooks.push(`then ${ctx.paths().length}`);
            },
          };
        },
        localAddresses: [CLIENT, CLIENT_B],
      },
    });
    pair.runUntil(() => pair.clientSink.connected, 10_000);
    pair.runUntil(() => pair.connection.paths.some((p) => sameAddress(p.local, CLIENT_B) && p.validated), 5_000);
    expect(hooks).toEqual(['onEstablished with 1 path(s)', 'then 2']);
  });

  test('a server address the client knows of another way (addRemoteAddress) gets paths too', () => {
    const pair = meshPair(fullmesh(), null); // the server advertises nothing
    const client = pair.connection;
    pair.sim.runFor(1_000);
    pair.pump();
    expect(client.paths.some((p) => sameAddress(p.remote, SERVER_B))).toBe(false);
    expect(client.addRemoteAddress(pair.sim.nowMs, SERVER_B)).toBe(true);
    expect(client.addRemoteAddress(pair.sim.nowMs, SERVER_B)).toBe(false);
    // The path manager heard of it at once: the path is open before any datagram or timer.
    expect(client.paths.some((p) => sameAddress(p.remote, SERVER_B))).toBe(true);
    pair.clientNode.wake();
    pair.runUntil(() => client.paths.some((p) => sameAddress(p.local, CLIENT) && sameAddress(p.remote, SERVER_B) && p.validated), 5_000);
    expect(client.remoteAddresses()).toEqual([SERVER, SERVER_B]);
  });

  test('up to its limit: three local addresses, maxPaths 2; a slot freed by an interface going away goes to the next pair at once', () => {
    const CLIENT_C: SocketAddress = { host: '10.0.3.1', port: 40_003 };
    const transport = { maxPaths: 8 };
    const pair = enginePair({
      link: bdpLink(20e6, 20),
      extraClientAddresses: [
        { address: CLIENT_B, link: bdpLink(10e6, 40) },
        { address: CLIENT_C, link: bdpLink(10e6, 40) },
      ],
      client: { provider: nullProvider, transport },
      server: { provider: nullProvider, transport },
      connect: { pathManager: fullmesh({ maxPaths: 2 }), localAddresses: [CLIENT, CLIENT_B, CLIENT_C] },
    });
    pair.runUntil(() => pair.serverSink !== undefined && pair.clientSink.connected, 10_000);
    pair.sim.runFor(2_000);
    pair.pump();
    const client = pair.connection;
    const open = () => client.paths.filter((p) => !p.closed).map((p) => p.local.host);
    expect(open()).toEqual([CLIENT.host, CLIENT_B.host]);
    client.setLocalAddresses(pair.sim.nowMs, [CLIENT, CLIENT_C]);
    expect(open()).toEqual([CLIENT.host, CLIENT_C.host]);
    pair.clientNode.wake();
    pair.runUntil(() => client.paths.some((p) => !p.closed && p.local.host === CLIENT_C.host && p.validated), 1_000);
  });

  test('a plugin that throws is reported as an event and the connection lives on', () => {
    const pair = meshPair({
      name: 'broken',
      onEstablished() {
        throw new Error('boom');
      },
    });
    expect(pair.connection.pathManagerPlugin?.name).toBe('broken');
    const data = payload(500_000, 23);
    pair.connection.write(data);
    pair.connection.shutdown();
    pair.clientNode.wake();
    pair.runUntil(() => pair.serverSink!.finished, 10_000);
    expect(sha256(pair.serverSink!.data())).toBe(sha256(data));
    expect(pair.clientSink.pathManagerErrors).toEqual([{ type: 'pathManagerError', pathManager: 'broken', hook: 'onEstablished', error: new Error('boom') }]);
  });
});

describe('the engine keeps a plugin from stranding the connection', () => {
  test('the last validated path cannot be abandoned; a removed local address\'s paths close even if the plugin ignores it', () => {
    const quiet: PathManager = { name: 'quiet' }; // no hooks at all
    const pair = meshPair(quiet, null);
    const client = pair.connection;
    expect(client.abandonPath(0)).toBe(false);
    let id: number | undefined;
    pair.runUntil(() => (id = client.openPath(pair.sim.nowMs, CLIENT_B, SERVER)) !== undefined, 5_000);
    pair.clientNode.wake();
    pair.runUntil(() => client.pathById(id!)?.validated === true, 5_000);
    // CLIENT_B goes away; the plugin has no onLocalAddressRemoved: the engine closes its path itself.
    client.setLocalAddresses(pair.sim.nowMs, [CLIENT]);
    expect(pair.connection.pathById(id!)?.closed).toBe(true);
    pair.pump();
    expect(pair.clientSink.pathEvents).toContainEqual({ type: 'path', pathId: id, change: 'closed', reasonCode: ReasonCode.AddressRemoved });
    // And if the address of the only path goes, that path stays: nothing else could carry the stream.
    client.setLocalAddresses(pair.sim.nowMs, []);
    expect(client.pathById(0)!.closed).toBe(false);
    const data = payload(200_000, 24);
    client.write(data);
    client.shutdown();
    pair.clientNode.wake();
    pair.runUntil(() => pair.serverSink!.finished, 10_000);
    expect(sha256(pair.serverSink!.data())).toBe(sha256(data));
  });

  test('a server plugin sees the interface descriptions it was given', () => {
    let seen: unknown;
    const pair = enginePair({
      client: { provider: nullProvider, transport: { maxPaths: 4 } },
      server: {
        provider: nullProvider,
        transport: { maxPaths: 4 },
        server: {
          pathManager: { name: 'look', onEstablished: (ctx) => void (seen = ctx.localInterfaces()) },
          localAddresses: [SERVER],
          localInterfaces: [{ address: SERVER, name: 'eth0', type: 'ethernet', metered: false }],
        },
      },
    });
    pair.runUntil(() => pair.serverSink !== undefined && pair.clientSink.connected, 10_000);
    pair.sim.runFor(4_000);
    pair.pump();
    expect(seen).toEqual([{ address: SERVER, name: 'eth0', type: 'ethernet', metered: false }]);
  });
});
