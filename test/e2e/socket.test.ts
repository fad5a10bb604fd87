// End-to-end over real UDP on 127.0.0.1: the Node layer around the engine.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { afterEach, describe, expect, test } from 'vitest';
import { generateKeyPair, MptErrorCode } from '../../src/index.js';
import { accepted, cleanup, dial, dialed, hashAll, listen, outcome, readAll, sha256, udp } from './helpers.js';

/** Bytes of the big transfer each way; MPT_E2E_BYTES overrides (default 50 MB). */
const BIG_BYTES = Number(process.env.MPT_E2E_BYTES ?? 50_000_000);

afterEach(cleanup);

describe('e2e over loopback UDP', () => {
  test('echo, with the server key learned (XX) and the client key seen by the server', async () => {
    const clientKeys = generateKeyPair();
    const server = await listen({}, (s) => s.pipe(s));
    const client = await dialed({ port: server.port, keyPair: clientKeys });
    const closed = outcome(client);
    expect(Buffer.from(client.remotePublicKey as Uint8Array)).toEqual(Buffer.from(server.publicKey));
    expect(client.remoteAddress).toBe('127.0.0.1');
    expect(client.remotePort).toBe(server.port);
    expect(client.remoteFamily).toBe('IPv4');
    expect(client.localAddress).toBe('127.0.0.1');
    expect(client.readyState).toBe('open');
    expect(client.pending).toBe(false);
    const echoed = readAll(client);
    client.write('hello ');
    client.end('mpt');
    expect((await echoed).toString()).toBe('hello mpt');
    const { hadError } = await closed;
    expect(hadError).toBe(false);
    expect(client.bytesWritten).toBe(9);
    expect(client.bytesRead).toBe(9);
  });

  test('pins the server key (IK) and reports paths and stats', async () => {
    const clientKeys = generateKeyPair();
    const server = await listen({}, (s) => s.pipe(s));
    // As net's: the server's 'connection' may come after the client's 'connect' (here once the client
    // has proven it holds its keys, one flight later).
    const serverSide = accepted(server);
    const client = await dialed({ port: server.port, serverKey: server.publicKey, keyPair: clientKeys });
    expect(Buffer.from((await serverSide).remotePublicKey as Uint8Array)).toEqual(Buffer.from(clientKeys.publicKey));
    const echoed = readAll(client);
    client.end(Buffer.alloc(100_000, 1));
    expect((await echoed).length).toBe(100_000);
    const [path] = client.paths;
    expect(path?.id).toBe(0);
    expect(path?.remote).toEqual({ host: '127.0.0.1', port: server.port });
    expect(path?.bytesSent).toBeGreaterThan(100_000);
    expect(path?.srttMs).toBeGreaterThan(0);
    expect(client.stats.bytesWritten).toBe(100_000);
  });

  test(`moves ${BIG_BYTES} bytes each way at once, intact (SHA-256)`, async () => {
    const up = randomBytes(BIG_BYTES);
    const down = randomBytes(BIG_BYTES);
    const server = await listen();
    const client = dial({ port: server.port, serverKey: server.publicKey });
    const serverSide = await accepted(server);
    const atServer = hashAll(serverSide);
    const atClient = hashAll(client);
    const closed = Promise.all([outcome(client), outcome(serverSide)]);
    serverSide.end(down);
    client.end(up);
    const t0 = performance.now();
    const [gotUp, gotDown] = await Promise.all([atServer, atClient]);
    const seconds = (performance.now() - t0) / 1000;
    expect(gotUp).toEqual({ bytes: BIG_BYTES, sha256: sha256(up) });
    expect(gotDown).toEqual({ bytes: BIG_BYTES, sha256: sha256(down) });
    console.log(`[e2e] ${BIG_BYTES} B each way in ${seconds.toFixed(2)} s: ${((2 * BIG_BYTES) / 1e6 / seconds).toFixed(1)} MB/s total`);
    expect((await closed).map((o) => o.hadError)).toEqual([false, false]);
  });

  test('half-close: the client ends, the server keeps writing (allowHalfOpen)', async () => {
    const reply = randomBytes(1_000_000);
    const server = await listen({ allowHalfOpen: true }, (s) => {
      void readAll(s).then(async (request) => {
        expect(request.toString()).toBe('request');
        // Our read side is over; the write side still works.
        for (let i = 0; i < reply.length; i += 100_000) {
          if (!s.write(reply.subarray(i, i + 100_000))) await once(s, 'drain');
        }
        s.end();
      });
    });
    const client = await dialed({ port: server.port, allowHalfOpen: true });
    const closed = outcome(client);
    const got = readAll(client);
    client.end('request');
    await once(client, 'finish');
    expect(client.readyState).toBe('readOnly');
    expect(sha256(await got)).toBe(sha256(reply));
    expect((await closed).hadError).toBe(false);
  });

  test('half-close: the server ends, the client keeps writing (allowHalfOpen)', async () => {
    const upload = randomBytes(1_000_000);
    let uploaded: Promise<Buffer> | undefined;
    const server = await listen({ allowHalfOpen: true }, (s) => {
      uploaded = readAll(s);
      s.end('bye');
    });
    const client = await dialed({ port: server.port, allowHalfOpen: true });
    const closed = outcome(client);
    expect((await readAll(client)).toString()).toBe('bye');
    expect(client.readyState).toBe('writeOnly');
    client.end(upload);
    expect(sha256(await (uploaded as Promise<Buffer>))).toBe(sha256(upload));
    expect((await closed).hadError).toBe(false);
  });

  test('without allowHalfOpen, the peer ending ends us too and both close', async () => {
    let serverClosed: ReturnType<typeof outcome> | undefined;
    const server = await listen({}, (s) => {
      serverClosed = outcome(s);
      s.resume(); // as with net, 'end' (and so the close) needs a reader
      s.end('done');
    });
    const client = await dialed({ port: server.port });
    const clientClosed = outcome(client);
    expect((await readAll(client)).toString()).toBe('done');
    expect((await clientClosed).hadError).toBe(false);
    expect((await (serverClosed as ReturnType<typeof outcome>)).hadError).toBe(false);
  });

  test('the server destroying mid-transfer: the client gets an error and closes', async () => {
    const server = await listen({}, (s) => s.once('data', () => s.destroy()));
    const client = await dialed({ port: server.port });
    const closed = outcome(client);
    client.write(randomBytes(5_000_000));
    const { error, hadError } = await closed;
    expect(hadError).toBe(true);
    expect(error?.code).toBe(MptErrorCode.ConnectionReset);
  });

  test('the client destroying mid-transfer: the server side gets an error and closes', async () => {
    const server = await listen();
    const client = await dialed({ port: server.port });
    const serverSide = await accepted(server);
    const closed = outcome(serverSide);
    serverSide.write(randomBytes(5_000_000));
    client.once('data', () => client.destroy());
    const { error } = await closed;
    expect(error?.code).toBe(MptErrorCode.ConnectionReset);
    expect(serverSide.destroyed).toBe(true);
  });

  test('nothing listening on the port: ECONNREFUSED', async () => {
    const hole = await udp();
    const port = hole.port;
    hole.close(); // the port is now closed: the kernel answers with ICMP port unreachable
    const { error } = await outcome(dial({ port, connectTimeout: 5_000 }));
    expect(error?.code).toBe(MptErrorCode.ConnectionRefused);
  });

  test('nothing answering (a blackhole): ERR_MPT_CONNECT_TIMEOUT within the connect timeout', async () => {
    const hole = await udp();
    const client = dial({ port: hole.port, connectTimeout: 1_000 });
    const { error } = await outcome(client);
    expect(error?.code).toBe(MptErrorCode.ConnectTimeout);
    expect(error?.message).toMatch(/within 1000 ms/);
  });

  test('a wrong pinned server key: ERR_MPT_SERVER_KEY_MISMATCH', async () => {
    const server = await listen();
    const wrong = generateKeyPair().publicKey;
    const { error } = await outcome(dial({ port: server.port, serverKey: wrong, connectTimeout: 5_000 }));
    expect(error?.code).toBe(MptErrorCode.ServerKeyMismatch);
    expect(error?.message).toMatch(/serverKey/);
  });

  test('a rejected server key (verifyServerKey) fails the handshake', async () => {
    const server = await listen();
    const { error } = await outcome(dial({ port: server.port, verifyServerKey: () => false, connectTimeout: 5_000 }));
    expect(error?.code).toBe(MptErrorCode.ServerKeyMismatch);
  });

  test('garbage datagrams at the server during a transfer are dropped; the stream arrives intact', async () => {
    const data = randomBytes(10_000_000);
    const server = await listen();
    const client = dial({ port: server.port, serverKey: server.publicKey });
    const serverSide = await accepted(server);
    const got = hashAll(serverSide);
    const noise = await udp();
    let sent = 0;
    const timer = setInterval(() => {
      for (let i = 0; i < 20; i++) {
        const size = [1, 20, 1200, 1500][i % 4] as number;
        const junk = randomBytes(size);
        if (i % 3 === 0) junk[0] = 0x40 | ((junk[0] as number) & 0x3f); // looks like a short header
        if (i % 3 === 1) junk[0] = 0xc0 | ((junk[0] as number) & 0x3f); // looks like a long header
        noise.send(junk, server.port, '127.0.0.1');
        sent++;
      }
    }, 1);
    client.end(data);
    const result = await got.finally(() => clearInterval(timer));
    expect(sent).toBeGreaterThan(0);
    expect(result).toEqual({ bytes: data.length, sha256: sha256(data) });
  });

  test('server.close() stops accepting and closes once its connections are gone', async () => {
    const server = await listen({}, (s) => s.pipe(s));
    const client = await dialed({ port: server.port });
    const clientClosed = outcome(client);
    let closed = false;
    const closing = new Promise<void>((resolve) => server.close(() => resolve()));
    void closing.then(() => (closed = true));
    // The accepted connection still works.
    const echoed = readAll(client);
    client.end('still here');
    expect((await echoed).toString()).toBe('still here');
    expect((await clientClosed).hadError).toBe(false);
    await closing;
    expect(closed).toBe(true);
    expect(server.listening).toBe(false);
    expect(server.address()).toBeNull();
    // A new client finds the port closed.
    const { error } = await outcome(dial({ port: server.port, connectTimeout: 3_000 }));
    // Refused by the kernel once the socket is gone, or by the endpoint while its last CLOSE frames go out.
    expect([MptErrorCode.ConnectionRefused, MptErrorCode.HandshakeFailed, MptErrorCode.PeerClosed]).toContain(error?.code);
  });

  test('AbortSignal on connect', async () => {
    const hole = await udp();
    const controller = new AbortController();
    const client = dial({ port: hole.port, signal: controller.signal });
    const result = outcome(client);
    setTimeout(() => controller.abort(), 50);
    const { error } = await result;
    expect(error?.code).toBe(MptErrorCode.Aborted);
    const already = outcome(dial({ port: hole.port, signal: AbortSignal.abort() }));
    expect((await already).error?.code).toBe(MptErrorCode.Aborted);
  });

  test('AbortSignal on listen', async () => {
    const controller = new AbortController();
    const server = await listen();
    server.close();
    const { createServer } = await import('../../src/index.js');
    const s2 = createServer();
    s2.listen({ port: 0, host: '127.0.0.1', signal: controller.signal });
    await once(s2, 'listening');
    const closed = once(s2, 'close');
    controller.abort();
    await closed;
    expect(s2.listening).toBe(false);
  });

  test('setTimeout reports inactivity without closing', async () => {
    const server = await listen();
    const client = await dialed({ port: server.port });
    const timedOut = new Promise<void>((resolve) => client.setTimeout(50, resolve));
    await timedOut;
    expect(client.destroyed).toBe(false);
    client.setTimeout(0);
  });

  test('port 0 and an unresolvable host are errors on the socket, not throws (as net)', async () => {
    const { error } = await outcome(dial({ port: 0 }));
    expect(error?.code).toBe(MptErrorCode.ConnectionRefused);
    expect(String(error)).toBe('Error: connect ECONNREFUSED 127.0.0.1:0');
    const dns = await outcome(dial({ port: 9, host: 'nonexistent.invalid', lookup: (_h, _o, cb) => cb(Object.assign(new Error('nope'), { code: 'ENOTFOUND' }), '') }));
    expect(dns.error?.code).toBe(MptErrorCode.DnsLookupFailed);
  });
});
