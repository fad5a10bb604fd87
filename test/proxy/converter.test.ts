// The converter end to end on loopback: openTunnel() through a converter to node:net servers on
// 127.0.0.1 and ::1. Bytes intact both ways, half-close each way, backpressure, resets crossing the
// splice, refusals (connection refused, default refusals, an unlisted client key), and the 'tunnel'
// event that reports each connection.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { Socket as TcpSocket } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { ClientKeyRefusedError, connect, generateKeyPair, MptErrorCode, TunnelError, TunnelReplyCode } from '../../src/index.js';
import type { LookupFunction } from '../../src/node/options.js';
import { encodeRequest } from '../../src/proxy/converter-protocol.js';
import { cleanup, closeError, echoServer, hashAll, readAll, sha256, startConverter, tcpServer, track, tunnel } from './helpers.js';

afterEach(cleanup);

const client = generateKeyPair();
const converterKeys = generateKeyPair();

/** A converter that lets `client` in and may reach 127.0.0.1 (and ::1). */
function loopbackConverter(extra: Parameters<typeof startConverter>[0] = {}): ReturnType<typeof startConverter> {
  return startConverter({ keyPair: converterKeys, clientKeys: [client.publicKey], allow: ['127.0.0.1/32', '::1/128'], ...extra });
}

async function refusal(promise: Promise<unknown>): Promise<TunnelError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TunnelError);
  expect((error as TunnelError).code).toBe(MptErrorCode.TunnelRefused);
  return error as TunnelError;
}

describe('bytes', () => {
  test('3 MB each way, both intact (SHA-256), and the tunnel event counts them', async () => {
    const up = randomBytes(3 * 1024 * 1024);
    const down = randomBytes(3 * 1024 * 1024);
    let received: Promise<{ bytes: number; sha256: string }> | undefined;
    const destination = await tcpServer((socket) => {
      received = hashAll(socket);
      socket.end(down);
    });
    const converter = await loopbackConverter();
    const socket = await tunnel({ port: converter.port, keyPair: client, serverKey: converter.publicKey, destination: { host: '127.0.0.1', port: destination.port }, allowHalfOpen: true });
    const reading = hashAll(socket);
    socket.end(up);
    const [got, event] = await Promise.all([reading, converter.tunnel()]);
    expect(got).toEqual({ bytes: down.length, sha256: sha256(down) });
    expect(await received).toEqual({ bytes: up.length, sha256: sha256(up) });
    expect(event).toMatchObject({ host: '127.0.0.1', port: destination.port, address: '127.0.0.1', replyCode: 0, bytesToDestination: up.length, bytesFromDestination: down.length, error: undefined });
    expect(Buffer.from(event.clientKey as Uint8Array).equals(Buffer.from(client.publicKey))).toBe(true);
  });

  test('to an IPv6 destination (::1), without a pinned key (the key is learnt, then pinned: 0-RTT)', async () => {
    const destination = await tcpServer((socket) => socket.pipe(socket), '::1');
    const converter = await loopbackConverter();
    const socket = await tunnel({ port: converter.port, keyPair: client, destination: { host: '::1', port: destination.port } });
    expect(Buffer.from(socket.remotePublicKey as Uint8Array).equals(Buffer.from(converter.publicKey))).toBe(true);
    socket.end('over ::1');
    expect(String(await readAll(socket))).toBe('over ::1');
    expect(await converter.tunnel()).toMatchObject({ host: '::1', address: '::1', replyCode: 0, earlyData: true });
  });

  test('to a host name, resolved by the converter with its lookup', async () => {
    const destination = await echoServer();
    const asked: string[] = [];
    const lookup = ((host, _options, callback) => {
      asked.push(host);
      callback(null, [{ address: '127.0.0.1', family: 4 }]);
    }) as LookupFunction;
    const converter = await loopbackConverter({ lookup });
    const socket = await tunnel({ port: converter.port, keyPair: client, serverKey: converter.publicKey, destination: { host: 'echo.test', port: destination.port } });
    socket.end('by name');
    expect(String(await readAll(socket))).toBe('by name');
    expect(asked).toEqual(['echo.test']);
    expect(await converter.tunnel()).toMatchObject({ host: 'echo.test', address: '127.0.0.1', replyCode: 0 });
  });
});

describe('half-close', () => {
  test('the client ends first: the destination sees the end and its direction keeps flowing', async () => {
    const destination = await tcpServer((socket) => {
      let got = '';
      socket.on('data', (d: Buffer) => (got += String(d)));
      socket.on('end', () => {
        // After the client's end, several writes still reach the client.
        socket.write(`got ${got};`);
        setImmediate(() => socket.end('and more after your end'));
      });
    });
    const converter = await loopbackConverter();
    const socket = await tunnel({ port: converter.port, keyPair: client, serverKey: converter.publicKey, destination: { host: '127.0.0.1', port: destination.port }, allowHalfOpen: true });
    socket.end('question');
    expect(String(await readAll(socket))).toBe('got question;and more after your end');
  });

  test('the destination ends first: the client sees the end and its direction keeps flowing', async () => {
    let received: Promise<Buffer> | undefined;
    const destination = await tcpServer((socket) => {
      received = readAll(socket);
      socket.end('banner, then done');
    });
    const converter = await loopbackConverter();
    const socket = await tunnel({ port: converter.port, keyPair: client, serverKey: converter.publicKey, destination: { host: '127.0.0.1', port: destination.port }, allowHalfOpen: true });
    expect(String(await readAll(socket))).toBe('banner, then done');
    expect(socket.writable).toBe(true);
    socket.write('still ');
    socket.end('talking');
    expect(String(await received)).toBe('still talking');
    await once(socket, 'close');
  });
});

describe('backpressure', () => {
  test('a reader that does not read stops the destination: the converter buffers a bounded amount', async () => {
    const total = 64 * 1024 * 1024;
    const chunk = Buffer.alloc(64 * 1024, 7);
    let written = 0;
    let sender: TcpSocket | undefined;
    const destination = await tcpServer((socket) => {
      sender = socket;
      const pump = (): void => {
        while (written < total) {
          written += chunk.length;
          if (!socket.write(chunk)) return void socket.once('drain', pump);
        }
        socket.end();
      };
      pump();
    });
    // Small windows on both mpt ends, so what the converter may hold is small next to the total.
    // (maxWindowBytes below the default initialWindowBytes, 1 MiB, is refused even with a smaller initialWindowBytes.)
    const converter = await loopbackConverter({ sendBufferBytes: 256 * 1024, initialWindowBytes: 256 * 1024, maxWindowBytes: 1024 * 1024 });
    const socket = await tunnel({
      port: converter.port,
      keyPair: client,
      serverKey: converter.publicKey,
      destination: { host: '127.0.0.1', port: destination.port },
      initialWindowBytes: 256 * 1024,
      maxWindowBytes: 1024 * 1024,
    });
    // The client never reads. Wait until the destination's writes stop progressing.
    let last = -1;
    let still = 0;
    while (still < 5) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      still = written === last ? still + 1 : 0;
      last = written;
    }
    // Kernel socket buffers on the TCP leg hold some megabytes at most; without backpressure the
    // converter would have read all 64 MB.
    expect(written).toBeLessThan(total / 2);
    expect(sender?.writableNeedDrain).toBe(true);
    // Reading again drains everything, intact.
    const got = await hashAll(socket);
    expect(got.bytes).toBe(total);
    expect(written).toBe(total);
  });
});

describe('resets', () => {
  test('a TCP reset from the destination reaches the client as ECONNRESET', async () => {
    const destination = await tcpServer((socket) => socket.once('data', () => socket.resetAndDestroy()));
    const converter = await loopbackConverter();
    const socket = await tunnel({ port: converter.port, keyPair: client, serverKey: converter.publicKey, destination: { host: '127.0.0.1', port: destination.port } });
    const error = closeError(socket);
    socket.resume();
    socket.write('trigger');
    expect((await error)?.code).toBe('ECONNRESET');
    const event = await converter.tunnel();
    expect((event.error as { code?: string } | undefined)?.code).toBe('ECONNRESET');
    expect(event.reason).toContain('destination side');
  });

  test("the client's resetAndDestroy() reaches the destination as a TCP reset", async () => {
    let destinationError: Promise<(Error & { code?: string }) | undefined> | undefined;
    const destination = await tcpServer((socket) => {
      destinationError = closeError(socket);
      socket.resume();
      socket.write('hello');
    });
    const converter = await loopbackConverter();
    const socket = await tunnel({ port: converter.port, keyPair: client, serverKey: converter.publicKey, destination: { host: '127.0.0.1', port: destination.port } });
    await once(socket, 'data');
    socket.resetAndDestroy();
    await converter.tunnel();
    expect((await destinationError)?.code).toBe('ECONNRESET');
  });
});

describe('refusals', () => {
  test('a destination that refuses the connection: reply 5 through TunnelError.replyCode', async () => {
    const closed = await echoServer();
    const port = closed.port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const converter = await loopbackConverter();
    const error = await refusal(tunnel({ port: converter.port, keyPair: client, serverKey: converter.publicKey, destination: { host: '127.0.0.1', port } }));
    expect(error.replyCode).toBe(TunnelReplyCode.ConnectionRefused);
    expect(error.reason).toContain('ECONNREFUSED');
    expect(await converter.tunnel()).toMatchObject({ replyCode: 5, address: '127.0.0.1' });
  });

  test('127.0.0.1 and ::1 are refused by default with reply 2', async () => {
    const destination = await echoServer();
    const converter = await startConverter({ clientKeys: [client.publicKey] });
    for (const host of ['127.0.0.1', '::1', '::ffff:127.0.0.1']) {
      const error = await refusal(tunnel({ port: converter.port, keyPair: client, serverKey: converter.publicKey, destination: { host, port: destination.port } }));
      expect(error.replyCode).toBe(TunnelReplyCode.NotAllowed);
      expect(error.reason).toContain('loopback');
    }
    expect(destination.accepted).toEqual([]);
  });

  test('10.0.0.1 is refused by default with reply 2, and nothing is dialled', async () => {
    const converter = await loopbackConverter();
    const error = await refusal(tunnel({ port: converter.port, keyPair: client, serverKey: converter.publicKey, destination: { host: '10.0.0.1', port: 80 } }));
    expect(error.replyCode).toBe(TunnelReplyCode.NotAllowed);
    expect(error.reason).toContain('private');
    // `address` is set once a TCP connection is attempted: none was.
    expect(await converter.tunnel()).toMatchObject({ host: '10.0.0.1', replyCode: 2, address: undefined });
  });

  test('a name that resolves to a refused address: reply 2', async () => {
    const lookup = ((_host, _options, callback) => callback(null, [{ address: '192.168.1.1', family: 4 }])) as LookupFunction;
    const converter = await loopbackConverter({ lookup });
    const error = await refusal(tunnel({ port: converter.port, keyPair: client, serverKey: converter.publicKey, destination: { host: 'router.test', port: 80 } }));
    expect(error.replyCode).toBe(TunnelReplyCode.NotAllowed);
    expect(error.reason).not.toContain('192.168.1.1');
  });

  test("the converter's own listening address is refused even when its range is allowed; the address itself lifts it", async () => {
    // The converter listens on 127.0.0.1: 127.0.0.0/8 lifts the loopback refusal, not the own-address one.
    const own = await echoServer();
    const other = await tcpServer((socket) => socket.pipe(socket), '127.0.0.2');
    const converter = await startConverter({ clientKeys: [client.publicKey], allow: ['127.0.0.0/8'] });
    const error = await refusal(tunnel({ port: converter.port, keyPair: client, serverKey: converter.publicKey, destination: { host: '127.0.0.1', port: own.port } }));
    expect(error.replyCode).toBe(TunnelReplyCode.NotAllowed);
    expect(error.reason).toContain("converter's own address");
    const socket = await tunnel({ port: converter.port, keyPair: client, serverKey: converter.publicKey, destination: { host: '127.0.0.2', port: other.port } });
    socket.end('next door');
    expect(String(await readAll(socket))).toBe('next door');
    expect(own.accepted).toEqual([]);
  });

  test('a name that does not resolve within connectTimeout: reply 6', async () => {
    const hanging = (() => {}) as LookupFunction;
    const converter = await loopbackConverter({ lookup: hanging, connectTimeout: 200 });
    const error = await refusal(tunnel({ port: converter.port, keyPair: client, serverKey: converter.publicKey, destination: { host: 'slow.test', port: 80 } }));
    expect(error.replyCode).toBe(TunnelReplyCode.TtlExpired);
  });

  test('a name that does not exist: reply 4', async () => {
    const nx = ((host, _options, callback) => callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' }), [])) as LookupFunction;
    const converter = await loopbackConverter({ lookup: nx });
    const error = await refusal(tunnel({ port: converter.port, keyPair: client, serverKey: converter.publicKey, destination: { host: 'nowhere.test', port: 80 } }));
    expect(error.replyCode).toBe(TunnelReplyCode.HostUnreachable);
  });

  test('a destination on the deny list: reply 2, even when allowed', async () => {
    const destination = await echoServer();
    const converter = await loopbackConverter({ deny: ['127.0.0.1'] });
    const error = await refusal(tunnel({ port: converter.port, keyPair: client, serverKey: converter.publicKey, destination: { host: '127.0.0.1', port: destination.port } }));
    expect(error.replyCode).toBe(TunnelReplyCode.NotAllowed);
  });

  test('a client key not on clientKeys cannot open a tunnel, pinned key or not: ClientKeyRefusedError', async () => {
    const destination = await echoServer();
    const converter = await loopbackConverter();
    let accepted = 0;
    converter.server.on('connection', () => accepted++);
    const stranger = generateKeyPair();
    // The server drops the handshake without a word; the client's connect watchdog sees a server that
    // answers probes but not the handshake, and the converter, asked for its key, presents the pinned one.
    for (const serverKey of [converter.publicKey, undefined]) {
      const error = await tunnel({ port: converter.port, keyPair: stranger, serverKey, replyTimeout: 600_000, destination: { host: '127.0.0.1', port: destination.port } }).then(
        () => undefined,
        (e: { code?: string }) => e,
      );
      expect(error).toBeInstanceOf(ClientKeyRefusedError);
      expect(error?.code).toBe(MptErrorCode.HandshakeFailed);
    }
    expect(accepted).toBe(0);
    expect(converter.tunnels).toEqual([]);
    expect(destination.accepted).toEqual([]);
  });

  test('a PSK converter lets in the clients that know the key, with no static key to list', async () => {
    const psk = randomBytes(32);
    const destination = await echoServer();
    const converter = await startConverter({ psk, allow: ['127.0.0.1/32'] });
    const socket = await tunnel({ port: converter.port, psk, destination: { host: '127.0.0.1', port: destination.port } });
    socket.end('psk');
    expect(String(await readAll(socket))).toBe('psk');
    expect(await converter.tunnel()).toMatchObject({ clientKey: undefined, replyCode: 0 });
  });
});

describe('malformed and missing requests', () => {
  /** A raw mpt connection to the converter that sends `bytes` and reads everything until the end. */
  async function raw(port: number, bytes: Uint8Array | undefined): Promise<Buffer> {
    const socket = track(connect({ host: '127.0.0.1', port, keyPair: client }));
    socket.on('error', () => {});
    if (bytes !== undefined) socket.write(bytes);
    return readAll(socket);
  }

  test('bad magic -> reply 1, unknown address type -> reply 8, each stream then ended', async () => {
    const converter = await loopbackConverter();
    const bad = await raw(converter.port, Buffer.from('GET / HTTP/1.1\r\n\r\n'));
    expect([bad[0], bad[1]]).toEqual([1, TunnelReplyCode.GeneralFailure]);
    expect(String(bad.subarray(3))).toContain('magic');
    const request = encodeRequest({ host: '192.0.2.1', port: 80 });
    request[5] = 9;
    const type = await raw(converter.port, request);
    expect([type[0], type[1]]).toEqual([1, TunnelReplyCode.AddressTypeNotSupported]);
    expect(converter.tunnels.map((t) => t.replyCode)).toEqual([1, 8]);
  });

  test('a client that sends nothing is answered (reply 1) and ended after requestTimeout', async () => {
    const converter = await loopbackConverter({ requestTimeout: 300 });
    const reply = await raw(converter.port, undefined);
    expect([reply[0], reply[1]]).toEqual([1, TunnelReplyCode.GeneralFailure]);
    expect(String(reply.subarray(3))).toContain('300 ms');
    expect(converter.tunnels[0]).toMatchObject({ host: undefined, replyCode: 1 });
  });

  test('a request split over several writes still opens the tunnel, and payload after it in the same write is kept', async () => {
    const destination = await echoServer();
    const converter = await loopbackConverter();
    const socket = track(connect({ host: '127.0.0.1', port: converter.port, keyPair: client }));
    const request = encodeRequest({ host: '127.0.0.1', port: destination.port });
    socket.write(request.subarray(0, 3));
    await once(socket, 'connect');
    socket.write(request.subarray(3, 7));
    await new Promise((resolve) => setTimeout(resolve, 20));
    socket.end(Buffer.concat([request.subarray(7), Buffer.from('payload')]));
    const all = await readAll(socket);
    expect([...all.subarray(0, 3)]).toEqual([1, 0, 0]);
    expect(String(all.subarray(3))).toBe('payload');
  });
});
