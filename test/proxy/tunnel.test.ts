// openTunnel(), the client side, against hand-made converters (plain mpt servers that answer as told):
// the socket it resolves with starts right after the reply, even when destination bytes came in the
// same chunk; each way of failing rejects with its error.
import { once } from 'node:events';
import { afterEach, describe, expect, test } from 'vitest';
import { ClientKeyRefusedError, ConverterKeyMismatchError, createServer, generateKeyPair, MptErrorCode, openTunnel, TunnelError, TunnelReplyCode, type MptServer, type MptSocket } from '../../src/index.js';
import { formatPublicKey } from '../../src/crypto/public-key-text.js';
import { encodeReply, RequestDecoder, type ConverterRequest } from '../../src/proxy/converter-protocol.js';
import { cleanup, readAll, track } from './helpers.js';

const servers = new Set<MptServer>();
const accepted = new Set<MptSocket>();

afterEach(async () => {
  for (const socket of accepted) socket.destroy();
  accepted.clear();
  await Promise.all([...servers].map((s) => new Promise<void>((resolve) => (s.listening ? s.close(() => resolve()) : resolve()))));
  servers.clear();
  await cleanup();
});

const keyPair = generateKeyPair();

/**
 * An mpt server on 127.0.0.1 that reads each request and calls `answer` with the socket and the
 * request; `requests` collects them.
 */
async function fakeConverter(
  answer: (socket: MptSocket, request: ConverterRequest) => void,
  verifyClientKey?: (key: Uint8Array) => boolean,
): Promise<{ port: number; requests: ConverterRequest[]; sockets: MptSocket[] }> {
  const requests: ConverterRequest[] = [];
  const sockets: MptSocket[] = [];
  const server = createServer({ keyPair, acceptEarlyData: true, allowHalfOpen: true, verifyClientKey }, (socket) => {
    sockets.push(socket);
    accepted.add(socket);
    socket.on('error', () => {});
    const decoder = new RequestDecoder();
    const onData = (chunk: Buffer): void => {
      const result = decoder.push(chunk);
      if (result.state === 'pending') return;
      socket.removeListener('data', onData);
      socket.pause();
      if (result.state === 'done') {
        requests.push(result.value);
        answer(socket, result.value);
      } else socket.destroy();
    };
    socket.on('data', onData);
  });
  servers.add(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as { port: number }).port, requests, sockets };
}

async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: Error & { code?: string }) => e,
  );
}

describe('openTunnel', () => {
  test('destination bytes in the same write as the reply are the socket\'s first bytes', async () => {
    const converter = await fakeConverter((socket) => socket.write(Buffer.concat([encodeReply(0), Buffer.from('first bytes of the destination')])));
    const socket = track(await openTunnel({ host: '127.0.0.1', port: converter.port, serverKey: keyPair.publicKey, destination: { host: 'example.com', port: 443 } }));
    expect(converter.requests).toEqual([{ addressType: 3, host: 'example.com', port: 443 }]);
    // Not flowing until read, as a fresh socket.
    expect(socket.readableFlowing).toBe(null);
    const [chunk] = (await once(socket, 'data')) as [Buffer];
    expect(String(chunk)).toBe('first bytes of the destination');
    socket.destroy();
  });

  test('written bytes go to the destination after the request, and the stream carries on both ways', async () => {
    const converter = await fakeConverter((socket) => {
      socket.write(encodeReply(0));
      socket.resume();
      socket.pipe(socket); // echo
    });
    const socket = track(await openTunnel({ host: '127.0.0.1', port: converter.port, destination: { host: '192.0.2.1', port: 80 }, allowHalfOpen: true }));
    socket.end('echo me');
    expect(String(await readAll(socket))).toBe('echo me');
    expect(converter.requests).toEqual([{ addressType: 1, host: '192.0.2.1', port: 80 }]);
  });

  test('a failure reply rejects with a TunnelError carrying the reply code and reason', async () => {
    const converter = await fakeConverter((socket) => socket.end(encodeReply(TunnelReplyCode.TtlExpired, 'connecting to 192.0.2.1:80 timed out')));
    const error = await rejection(openTunnel({ host: '127.0.0.1', port: converter.port, serverKey: keyPair.publicKey, destination: { host: '192.0.2.1', port: 80 } }));
    expect(error).toBeInstanceOf(TunnelError);
    expect(error.code).toBe(MptErrorCode.TunnelRefused);
    expect(error.name).toBe('TunnelError');
    expect((error as TunnelError).replyCode).toBe(6);
    expect((error as TunnelError).reason).toBe('connecting to 192.0.2.1:80 timed out');
    expect(error.message).toContain('TTL expired');
  });

  test('a converter that ends without a reply, or replies nonsense: ERR_MPT_PROTOCOL_VIOLATION', async () => {
    const silent = await fakeConverter((socket) => socket.end());
    const ended = await rejection(openTunnel({ host: '127.0.0.1', port: silent.port, serverKey: keyPair.publicKey, destination: { host: 'example.com', port: 1 } }));
    expect(ended.code).toBe(MptErrorCode.ProtocolViolation);
    const garbled = await fakeConverter((socket) => socket.write('HTTP/1.1 400 Bad Request\r\n'));
    const bad = await rejection(openTunnel({ host: '127.0.0.1', port: garbled.port, serverKey: keyPair.publicKey, destination: { host: 'example.com', port: 1 } }));
    expect(bad.code).toBe(MptErrorCode.ProtocolViolation);
  });

  test('no reply within replyTimeout: ERR_MPT_CONNECT_TIMEOUT', async () => {
    const mute = await fakeConverter(() => {});
    const error = await rejection(openTunnel({ host: '127.0.0.1', port: mute.port, replyTimeout: 200, destination: { host: 'example.com', port: 1 } }));
    expect(error.code).toBe(MptErrorCode.ConnectTimeout);
    expect(error.message).toContain('replyTimeout');
  });

  test('a converter that presents another key than the pinned one: ConverterKeyMismatchError naming both keys', async () => {
    const converter = await fakeConverter(() => {});
    const pinned = generateKeyPair().publicKey;
    const error = await rejection(openTunnel({ host: '127.0.0.1', port: converter.port, serverKey: pinned, replyTimeout: 600_000, destination: { host: 'example.com', port: 1 } }));
    expect(error).toBeInstanceOf(ConverterKeyMismatchError);
    expect(error).toMatchObject({ code: MptErrorCode.ServerKeyMismatch, name: 'ConverterKeyMismatchError', pinnedKey: pinned, presentedKey: keyPair.publicKey });
    expect(error.message).toContain(`presents ${formatPublicKey(keyPair.publicKey)}, not the pinned serverKey ${formatPublicKey(pinned)}`);
    expect(converter.requests).toEqual([]);
  });

  test('a converter that refuses our client key: ClientKeyRefusedError naming it, with or without serverKey (not the reply timeout)', async () => {
    const converter = await fakeConverter(() => {}, () => false);
    const ours = generateKeyPair();
    for (const serverKey of [keyPair.publicKey, undefined]) {
      // replyTimeout so long that only the refusal can end the wait.
      const error = await rejection(
        openTunnel({ host: '127.0.0.1', port: converter.port, serverKey, keyPair: ours, replyTimeout: 600_000, destination: { host: 'example.com', port: 1 } }),
      );
      expect(error).toBeInstanceOf(ClientKeyRefusedError);
      expect(error).toMatchObject({ code: MptErrorCode.HandshakeFailed, name: 'ClientKeyRefusedError', clientKey: ours.publicKey, serverKey: keyPair.publicKey });
      expect(error.message).toContain(`does not accept our client key ${formatPublicKey(ours.publicKey)}`);
    }
    expect(converter.requests).toEqual([]);
  });

  test('without serverKey, verifyServerKey judges the key the converter presents: rejected, ERR_MPT_SERVER_KEY_MISMATCH and no request', async () => {
    const converter = await fakeConverter(() => {});
    const seen: Uint8Array[] = [];
    const verifyServerKey = (key: Uint8Array): boolean => (seen.push(key), false);
    const error = await rejection(openTunnel({ host: '127.0.0.1', port: converter.port, verifyServerKey, destination: { host: 'example.com', port: 1 } }));
    expect(error.code).toBe(MptErrorCode.ServerKeyMismatch);
    expect(error.message).toContain(`presented ${formatPublicKey(keyPair.publicKey)}, which verifyServerKey rejected`);
    expect(seen.map((k) => Buffer.from(k))).toEqual([Buffer.from(keyPair.publicKey)]);
    expect(converter.requests).toEqual([]);
  });

  test('an abort signal aborts the wait for the reply', async () => {
    const mute = await fakeConverter(() => {});
    const controller = new AbortController();
    const pending = rejection(openTunnel({ host: '127.0.0.1', port: mute.port, signal: controller.signal, destination: { host: 'example.com', port: 1 } }));
    while (mute.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    controller.abort();
    expect((await pending).code).toBe(MptErrorCode.Aborted);
  });

  test('bad options reject with ERR_MPT_INVALID_CONFIG naming the option', async () => {
    const expectInvalid = async (options: unknown, name: string): Promise<void> => {
      const error = await rejection(openTunnel(options as Parameters<typeof openTunnel>[0]));
      expect(error.code).toBe(MptErrorCode.InvalidConfig);
      expect(error.message).toContain(name);
    };
    await expectInvalid({ port: 1 }, 'destination');
    await expectInvalid({ port: 1, destination: { host: 'example.com', port: 0 } }, 'destination.port');
    await expectInvalid({ port: 1, destination: { host: '', port: 80 } }, 'destination.host');
    await expectInvalid({ port: 1, destination: { host: 'example.com', port: 80 }, earlyData: new Uint8Array(1) }, 'earlyData');
    await expectInvalid({ port: 1, destination: { host: 'example.com', port: 80 }, replyTimeout: 0 }, 'replyTimeout');
    await expectInvalid({ port: 1, destination: { host: 'example.com', port: 80 }, idleTimeout: 5 }, 'idleTimeout');
    await expectInvalid(null, 'options');
  });
});
