// The engine's path manager behind the Node API, over real UDP on 127.x: the default fullmesh learns a
// server's other address from ADD_ADDRESS and opens a path to it; a plugin given as `pathManager`
// steers a real connection; a throwing plugin is an event, not an error.
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, test } from 'vitest';
import { createServer, type MptPathManagerErrorEvent, type MptRemoteAddressEvent, type MptServer, type MptSocket, type PathManager } from '../../src/index.js';
import { accepted, cleanup, dial, hashAll, listen, pathUp, sha256 } from './helpers.js';

const servers: MptServer[] = [];
afterEach(async () => {
  await cleanup();
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => (s.listening ? s.close(() => resolve()) : resolve()))));
});


/** Writes `bytes` in 1 MiB chunks with backpressure, then ends. */
async function writeAll(socket: MptSocket, bytes: Uint8Array): Promise<void> {
  for (let offset = 0; offset < bytes.length; offset += 1 << 20) {
    if (!socket.write(bytes.subarray(offset, offset + (1 << 20)))) await once(socket, 'drain');
  }
  socket.end();
}

describe('the default path manager (fullmesh)', () => {
  test("a client that reached one of a server's two addresses learns the other (ADD_ADDRESS) and opens a path to it; both carry the stream", async () => {
    const server = createServer();
    servers.push(server);
    server.listen({ port: 0, host: ['127.0.0.3', '127.0.0.4'] });
    await once(server, 'listening');
    const [first, second] = server.addresses();
    if (first === undefined || second === undefined) throw new Error('the server should listen on two addresses');
    const peerSocket = accepted(server);
    const startMs = performance.now();
    const client = dial({ host: '127.0.0.3', port: first.port });
    const learnt: MptRemoteAddressEvent[] = [];
    client.on('remoteAddress', (e) => learnt.push(e));
    const [peer] = await Promise.all([peerSocket, once(client, 'connect')]);
    const connectMs = performance.now();
    const up = await pathUp(client, 1);
    const upMs = performance.now();
    console.log(`ADD_ADDRESS: connected in ${(connectMs - startMs).toFixed(1)} ms, path 1 to ${up.path?.remote.host} up ${(upMs - connectMs).toFixed(1)} ms later`);

    expect(learnt).toEqual([{ change: 'added', address: { host: '127.0.0.4', port: second.port } }]);
    expect(up.path).toMatchObject({ remote: { host: '127.0.0.4', port: second.port }, validated: true });
    // The client's one socket (connected to 127.0.0.3) reaches 127.0.0.4 through its unconnected twin,
    // from the same local address.
    expect(client.addresses()).toHaveLength(1);

    const bytes = 32 * 1024 * 1024;
    const data = randomBytes(bytes);
    const got = hashAll(peer);
    const sendStartMs = performance.now();
    await writeAll(client, data);
    expect(await got).toEqual({ bytes, sha256: sha256(data) });
    const sendMs = performance.now() - sendStartMs;

    const paths = client.paths;
    expect(paths.map((p) => [p.remote.host, p.status, p.validated])).toEqual([
      ['127.0.0.3', 'active', true],
      ['127.0.0.4', 'active', true],
    ]);
    expect(paths[0]?.local).toEqual(paths[1]?.local);
    for (const p of paths) expect(p.streamBytesSent).toBeGreaterThan(0);
    expect(peer.paths.map((p) => p.local.host)).toEqual(['127.0.0.3', '127.0.0.4']);
    console.log(
      `ADD_ADDRESS: ${bytes / 1024 / 1024} MiB in ${sendMs.toFixed(0)} ms; stream bytes by path: ` +
        paths.map((p) => `${p.id} (${p.remote.host}) ${(p.streamBytesSent / 1024 / 1024).toFixed(1)} MiB`).join(', '),
    );
  });
});

describe('a custom path manager (`pathManager`)', () => {
  test('a plugin that opens one extra path on onEstablished steers a real connection, and hears its hooks', async () => {
    const calls: string[] = [];
    let made = 0;
    const oneExtraPath = (): PathManager => {
      made++;
      return {
        name: 'one-extra-path',
        onEstablished(ctx) {
          calls.push(`onEstablished locals=${ctx.localAddresses().map((a) => a.host).join(',')} remotes=${ctx.remoteAddresses().length}`);
          const from = ctx.localAddresses()[1];
          const to = ctx.remoteAddresses()[0];
          if (from !== undefined && to !== undefined) calls.push(`openPath -> ${String(ctx.openPath(from, to))}`);
        },
        onPathUp(_ctx, path) {
          calls.push(`onPathUp ${path.id} ${path.local.host}`);
        },
        onClosed() {
          calls.push('onClosed');
        },
      };
    };
    const server = await listen();
    const client = dial({ port: server.port, localAddresses: ['127.0.0.1', '127.0.0.2', '127.0.0.3'], pathManager: oneExtraPath });
    const [peer] = await Promise.all([accepted(server), once(client, 'connect')]);
    await pathUp(client, 1);

    const data = randomBytes(2_000_000);
    const got = hashAll(peer);
    client.end(data);
    expect(await got).toEqual({ bytes: data.length, sha256: sha256(data) });
    // Exactly the path the plugin asked for: fullmesh would have opened one from 127.0.0.3 as well.
    expect(client.paths.map((p) => [p.id, p.local.host, p.validated])).toEqual([
      [0, '127.0.0.1', true],
      [1, '127.0.0.2', true],
    ]);
    expect(made).toBe(1);
    expect(calls.slice(0, 4)).toEqual(['onEstablished locals=127.0.0.1,127.0.0.2,127.0.0.3 remotes=1', 'openPath -> 1', 'onPathUp 0 127.0.0.1', 'onPathUp 1 127.0.0.2']);
    client.destroy();
    await once(client, 'close');
  });

  test("a plugin that throws becomes a 'pathManagerError' event; the connection carries on", async () => {
    const server = await listen({
      pathManager: {
        name: 'broken-server',
        onEstablished() {
          throw new Error('server boom');
        },
      },
    });
    const serverErrors: MptPathManagerErrorEvent[] = [];
    server.on('connection', (s: MptSocket) => s.on('pathManagerError', (e) => serverErrors.push(e)));
    const client = dial({
      port: server.port,
      pathManager: {
        name: 'broken',
        onPathUp() {
          throw new TypeError('client boom');
        },
      },
    });
    const clientErrors: MptPathManagerErrorEvent[] = [];
    client.on('pathManagerError', (e) => clientErrors.push(e));
    const [peer] = await Promise.all([accepted(server), once(client, 'connect')]);
    const data = randomBytes(1_000_000);
    const got = hashAll(peer);
    client.end(data);
    expect(await got).toEqual({ bytes: data.length, sha256: sha256(data) });
    expect(clientErrors).toEqual([{ pathManager: 'broken', hook: 'onPathUp', error: new TypeError('client boom') }]);
    expect(serverErrors).toEqual([{ pathManager: 'broken-server', hook: 'onEstablished', error: new Error('server boom') }]);
  });
});
