// When a server's socket reaches the application (src/node/server-admission.ts): an IK handshake completes
// on the client's first flight, which anyone who recorded it can send again. 'connection' and
// remotePublicKey wait until the client has proven it holds the session keys; with acceptEarlyData,
// 'connection' comes on the first flight, half-open and without a key, and 'proven' brings the key.
// Observed through a relay that holds the client's datagrams after its first, and an attacker's socket
// that replays that first datagram.
import { once } from 'node:events';
import { afterEach, describe, expect, test } from 'vitest';
import { generateKeyPair, type MptSocket } from '../../src/index.js';
import { HoldRelay, closeRelays, replayUntilAnswered } from '../support/hold-relay.js';
import { cleanup, dial, listen } from '../e2e/helpers.js';

afterEach(async () => {
  closeRelays();
  await cleanup();
});

const clientKeys = generateKeyPair();
const serverKeys = generateKeyPair();

describe("a server's 'connection'", () => {
  test("waits for the IK client's proof, and brings its key with it; path 0's 'up' follows it", async () => {
    const connections: MptSocket[] = [];
    const pathEvents: string[] = [];
    const server = await listen({ keyPair: serverKeys }, (socket) => {
      connections.push(socket);
      socket.on('path', (event) => pathEvents.push(`${event.id} ${event.change}`));
    });
    const relay = await HoldRelay.start(server.port, 1);
    const client = dial({ port: relay.port, keyPair: clientKeys, serverKey: serverKeys.publicKey });
    // The client is connected: the server has taken its first flight and answered it.
    await once(client, 'connect');
    expect(relay.passedToServer).toBe(1);
    expect(connections).toHaveLength(0);
    relay.release();
    client.write('proof');
    const [socket] = (await once(server, 'connection')) as [MptSocket];
    expect(socket.halfOpen).toBe(false);
    expect(Buffer.from(socket.remotePublicKey!).equals(Buffer.from(clientKeys.publicKey))).toBe(true);
    const [data] = (await once(socket, 'data')) as [Buffer];
    expect(String(data)).toBe('proof');
    // The path came up before 'connection', and its event was held for the application.
    expect(pathEvents).toContain('0 up');
  });

  test('is never emitted for a replayed first flight', async () => {
    const connections: MptSocket[] = [];
    const server = await listen({ keyPair: serverKeys }, (socket) => {
      connections.push(socket);
      socket.on('error', () => {});
    });
    const relay = await HoldRelay.start(server.port);
    const client = dial({ port: relay.port, keyPair: clientKeys, serverKey: serverKeys.publicKey });
    client.write('genuine');
    await once(server, 'connection');
    // An attacker who recorded the client's first datagram sends it again from its own address, until
    // the server answers it: the server then holds a connection for the copy.
    await replayUntilAnswered(relay.fromClient[0] as Buffer, server.port);
    // The replay's answer came after anything the server would have emitted for it.
    await new Promise((resolve) => setImmediate(resolve));
    expect(connections).toHaveLength(1);
    expect(connections[0]!.remotePort).toBe(relay.backPort);
  });
});

describe('with acceptEarlyData', () => {
  test("'connection' comes on the first flight, half-open and without a key; 'proven' brings the key", async () => {
    const server = await listen({ keyPair: serverKeys, acceptEarlyData: true });
    const relay = await HoldRelay.start(server.port, 1);
    const client = dial({ port: relay.port, keyPair: clientKeys, serverKey: serverKeys.publicKey, earlyData: Buffer.from('early') });
    const [socket] = (await once(server, 'connection')) as [MptSocket];
    socket.on('error', () => {});
    expect(socket.halfOpen).toBe(true);
    expect(socket.remotePublicKey).toBeUndefined();
    const [early] = (await once(socket, 'data')) as [Buffer];
    expect(String(early)).toBe('early');
    await once(client, 'connect');
    // The data that proves the client comes after 'proven', the key already set.
    const seen: string[] = [];
    socket.on('proven', () => seen.push('proven'));
    socket.on('data', (chunk: Buffer) => seen.push(`${String(chunk)} halfOpen=${socket.halfOpen} key=${socket.remotePublicKey !== undefined}`));
    relay.release();
    client.write('after');
    while (!seen.some((s) => s.startsWith('after'))) await once(socket, 'data');
    expect(seen).toEqual(['proven', 'after halfOpen=false key=true']);
    expect(Buffer.from(socket.remotePublicKey!).equals(Buffer.from(clientKeys.publicKey))).toBe(true);
  });

  test('a replayed first flight gives a socket that stays half-open, with no key', async () => {
    const connections: MptSocket[] = [];
    const server = await listen({ keyPair: serverKeys, acceptEarlyData: true }, (socket) => {
      connections.push(socket);
      socket.on('error', () => {});
    });
    const relay = await HoldRelay.start(server.port);
    const client = dial({ port: relay.port, keyPair: clientKeys, serverKey: serverKeys.publicKey, earlyData: Buffer.from('early') });
    await once(client, 'connect');
    await replayUntilAnswered(relay.fromClient[0] as Buffer, server.port);
    await new Promise((resolve) => setImmediate(resolve));
    const replayed = connections.find((s) => s.remotePort !== relay.backPort);
    expect(replayed).toBeDefined();
    expect(replayed!.halfOpen).toBe(true);
    expect(replayed!.remotePublicKey).toBeUndefined();
  });
});
