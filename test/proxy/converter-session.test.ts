// What the converter does with a request that rides in the client's first flight (0-RTT), observed
// through a relay that passes the client's first datagram and holds the rest: the destination is
// dialled and the reply sent on that flight alone, but no byte is spliced until the client has proven
// it holds the session keys; and a replayed first flight opens a TCP connection that carries nothing
// and is reset after requestTimeout.
import { once } from 'node:events';
import type { Socket as TcpSocket } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { connect, generateKeyPair } from '../../src/index.js';
import { encodeRequest } from '../../src/proxy/converter-protocol.js';
import { HoldRelay, replayDatagram, replayUntilAnswered } from '../support/hold-relay.js';
import { cleanup, closeError, readAll, startConverter, tcpServer, track, tunnel } from './helpers.js';

afterEach(cleanup);

const client = generateKeyPair();
const keyPair = generateKeyPair();

/** A destination that records its connections and echoes; `connected` resolves with the first. */
async function recordingEcho(): Promise<Awaited<ReturnType<typeof tcpServer>> & { connected: Promise<TcpSocket> }> {
  let resolveFirst: (socket: TcpSocket) => void = () => {};
  const connected = new Promise<TcpSocket>((resolve) => (resolveFirst = resolve));
  const server = await tcpServer((socket) => {
    resolveFirst(socket);
    socket.pipe(socket);
  });
  return Object.assign(server, { connected });
}

describe('a 0-RTT request', () => {
  test('with a pinned key the request goes in the first flight: the converter dials and replies before the client sends a second datagram', async () => {
    const destination = await recordingEcho();
    const converter = await startConverter({ keyPair, clientKeys: [client.publicKey], allow: ['127.0.0.1/32'] });
    const relay = await HoldRelay.start(converter.port, 1);
    const socket = await tunnel({ port: relay.port, keyPair: client, serverKey: converter.publicKey, destination: { host: '127.0.0.1', port: destination.port } });
    // openTunnel resolved: the success reply came, and the converter had only the client's first datagram.
    expect(relay.passedToServer).toBe(1);
    await destination.connected;
    expect(destination.accepted).toHaveLength(1);
    relay.release();
    socket.end('after the proof');
    expect(String(await readAll(socket))).toBe('after the proof');
    expect(await converter.tunnel()).toMatchObject({ earlyData: true, replyCode: 0, bytesToDestination: 15, bytesFromDestination: 15 });
  });

  test('with a psk (no static keys, so nothing to pin) the request is not early data', async () => {
    const destination = await recordingEcho();
    const psk = new Uint8Array(32).fill(7);
    const converter = await startConverter({ keyPair, psk, allow: ['127.0.0.1/32'] });
    const socket = await tunnel({ port: converter.port, psk, destination: { host: '127.0.0.1', port: destination.port } });
    socket.end('x');
    await readAll(socket);
    expect(await converter.tunnel()).toMatchObject({ earlyData: false, replyCode: 0 });
  });

  test('payload in the early data is not passed to the destination until the client has proven itself', async () => {
    let received = Buffer.alloc(0);
    const destination = await tcpServer((socket) => socket.on('data', (d: Buffer) => (received = Buffer.concat([received, d]))));
    const converter = await startConverter({ keyPair, clientKeys: [client.publicKey], allow: ['127.0.0.1/32'] });
    let halfOpenAtConnection: boolean | undefined;
    converter.server.on('connection', (s) => (halfOpenAtConnection = s.halfOpen));
    const relay = await HoldRelay.start(converter.port, 1);
    const request = encodeRequest({ host: '127.0.0.1', port: destination.port });
    const socket = track(connect({ host: '127.0.0.1', port: relay.port, keyPair: client, serverKey: converter.publicKey, earlyData: Buffer.concat([request, Buffer.from('early payload')]) }));
    // The reply arrives while the client's datagrams after the first are held.
    const [reply] = (await once(socket, 'data')) as [Buffer];
    expect([...reply.subarray(0, 3)]).toEqual([1, 0, 0]);
    expect(halfOpenAtConnection).toBe(true);
    expect(destination.accepted).toHaveLength(1);
    // Give a wrong converter every chance to pass the payload on (it would do so as it replied).
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(received.length).toBe(0);
    expect(relay.passedToServer).toBe(1);
    relay.release();
    while (received.length < 13) await once(destination.accepted[0] as TcpSocket, 'data');
    expect(String(received)).toBe('early payload');
  });
});

describe('a replayed first flight', () => {
  test('dials the destination again, carries nothing, and the connection is reset after requestTimeout', async () => {
    const destination = await recordingEcho();
    const converter = await startConverter({ keyPair, clientKeys: [client.publicKey], allow: ['127.0.0.1/32'], requestTimeout: 1000 });
    const relay = await HoldRelay.start(converter.port);
    const socket = await tunnel({ port: relay.port, keyPair: client, serverKey: converter.publicKey, destination: { host: '127.0.0.1', port: destination.port } });
    socket.end('genuine');
    expect(String(await readAll(socket))).toBe('genuine');
    expect(await converter.tunnel(0)).toMatchObject({ earlyData: true, replyCode: 0, bytesToDestination: 7 });
    // An attacker who recorded the client's first datagram sends it again, from its own address. While
    // the converter still knows the genuine connection (it drains for a few round trips after the
    // close) the copy is taken for a repeat of it: the attacker sends it until it is a new connection.
    const second = (async (): Promise<TcpSocket> => {
      while (destination.accepted.length < 2) {
        await replayDatagram(relay.fromClient[0] as Buffer, converter.port);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return destination.accepted[1] as TcpSocket;
    })();
    const replayed = await second;
    const ended = closeError(replayed);
    let bytes = 0;
    replayed.on('data', (d: Buffer) => (bytes += d.length));
    // The converter resets it once the requestTimeout passed without the client's proof.
    expect((await ended)?.code).toBe('ECONNRESET');
    expect(bytes).toBe(0);
    const event = await converter.tunnel(1);
    expect(event).toMatchObject({ earlyData: true, replyCode: 0, bytesToDestination: 0, bytesFromDestination: 0 });
    expect(event.reason).toContain('did not prove');
  });

  test('with acceptEarlyData: false the replayed flight never reaches the converter: no tunnel, nothing dialled', async () => {
    const destination = await recordingEcho();
    const converter = await startConverter({ keyPair, clientKeys: [client.publicKey], allow: ['127.0.0.1/32'], requestTimeout: 1000, acceptEarlyData: false });
    const relay = await HoldRelay.start(converter.port);
    const socket = await tunnel({ port: relay.port, keyPair: client, serverKey: converter.publicKey, destination: { host: '127.0.0.1', port: destination.port } });
    socket.end('genuine');
    expect(String(await readAll(socket))).toBe('genuine');
    // The genuine request was ignored as early data and came again after the handshake.
    expect(await converter.tunnel(0)).toMatchObject({ earlyData: false, replyCode: 0 });
    // A copy with a fresh DCID is a new connection to the converter's engine, which answers it; but the
    // copy's sender never proves it holds the keys, so the converter (which takes no early data) is never
    // handed the connection: it sees no request, sends no reply, dials nothing. The copy ends by its idle timeout.
    let handed = 0;
    converter.server.on('connection', () => handed++);
    await replayUntilAnswered(relay.fromClient[0] as Buffer, converter.port);
    await new Promise((resolve) => setImmediate(resolve));
    expect(handed).toBe(0);
    expect(converter.tunnels).toHaveLength(1);
    expect(destination.accepted).toHaveLength(1);
  });
});
