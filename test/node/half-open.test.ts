// MptSocket.halfOpen and 'proven': a server's socket accepted on an IK client's first flight alone is
// half-open until a packet under the session keys comes from the client. Observed through a relay
// that holds the client's datagrams after its first.
import { once } from 'node:events';
import { afterEach, describe, expect, test } from 'vitest';
import { generateKeyPair, type MptSocket } from '../../src/index.js';
import { HoldRelay, closeRelays } from '../support/hold-relay.js';
import { cleanup, dial, listen } from '../e2e/helpers.js';

afterEach(async () => {
  closeRelays();
  await cleanup();
});

describe('halfOpen', () => {
  test("an IK server's socket is half-open at 'connection' and 'proven' follows the client's next packet", async () => {
    const keyPair = generateKeyPair();
    const server = await listen({ keyPair, acceptEarlyData: true });
    const relay = await HoldRelay.start(server.port, 1);
    const client = dial({ port: relay.port, serverKey: keyPair.publicKey, earlyData: Buffer.from('early') });
    const [socket] = (await once(server, 'connection')) as [MptSocket];
    socket.on('error', () => {});
    expect(socket.halfOpen).toBe(true);
    // The early data is there, from the first flight alone.
    const [early] = (await once(socket, 'data')) as [Buffer];
    expect(String(early)).toBe('early');
    await once(client, 'connect');
    expect(client.halfOpen).toBe(false);
    expect(socket.halfOpen).toBe(true);
    const proven = once(socket, 'proven');
    relay.release();
    client.write('after');
    await proven;
    expect(socket.halfOpen).toBe(false);
  });

  test("an XX server's socket is not half-open once its client's data arrived, and a client's never is", async () => {
    let seen: boolean | undefined;
    const server = await listen({}, (socket) => socket.once('data', () => (seen = socket.halfOpen)));
    const client = dial({ port: server.port });
    client.write('hello');
    await once(server, 'connection');
    while (seen === undefined) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(seen).toBe(false);
    expect(client.halfOpen).toBe(false);
  });
});
