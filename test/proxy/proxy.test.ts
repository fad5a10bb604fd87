// createProxy end to end with a real converter on loopback: options checked at once, listen/close,
// refusals (the converter's policy, a proxy key the converter does not know), and credentials, over
// SOCKS5 and HTTP CONNECT, checked byte for byte with raw clients and, for the good cases, with curl.
import { once } from 'node:events';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { formatPublicKey } from '../../src/crypto/public-key-text.js';
import {
  ClientKeyRefusedError,
  ConverterKeyMismatchError,
  createConverter,
  createProxy,
  generateKeyPair,
  MptErrorCode,
  type ConverterOptions,
  type MptConverter,
  type MptProxy,
  type MptProxyTunnelEvent,
  type MptSocket,
  type ProxyOptions,
} from '../../src/index.js';
import { httpConnect, socks5Connect } from './clients.js';
import { payloadServer, runCurl } from './curl.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function startConverter(options: ConverterOptions): Promise<MptConverter & { port: number }> {
  const converter = createConverter(options);
  const sockets = new Set<MptSocket>();
  converter.server.on('connection', (socket) => sockets.add(socket));
  converter.listen(0, '127.0.0.1');
  await once(converter, 'listening');
  closers.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => converter.close(() => resolve()));
  });
  return Object.assign(converter, { port: (converter.address() as { port: number }).port });
}

async function startProxy(options: ProxyOptions): Promise<MptProxy & { port: number; reports: MptProxyTunnelEvent[]; report: () => Promise<MptProxyTunnelEvent> }> {
  const proxy = createProxy(options);
  const reports: MptProxyTunnelEvent[] = [];
  proxy.on('tunnel', (event) => reports.push(event));
  proxy.listen(0, '127.0.0.1');
  await once(proxy, 'listening');
  closers.push(async () => {
    if (proxy.listening) await new Promise<void>((resolve) => proxy.close(() => resolve()));
  });
  const report = async (): Promise<MptProxyTunnelEvent> => {
    while (reports.length === 0) await once(proxy, 'tunnel');
    return reports.shift() as MptProxyTunnelEvent;
  };
  return Object.assign(proxy, { port: (proxy.address() as { port: number }).port, reports, report });
}

/** A TCP echo server on 127.0.0.1 that counts its connections. */
async function echoServer(): Promise<TcpServer & { port: number; accepted: Socket[] }> {
  const accepted: Socket[] = [];
  const server = createTcpServer({ allowHalfOpen: true }, (socket) => {
    accepted.push(socket);
    socket.on('error', () => {});
    socket.pipe(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  closers.push(async () => {
    for (const socket of accepted) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return Object.assign(server, { port: (server.address() as { port: number }).port, accepted });
}

/** A converter that lets `keyPair` in and may reach 127.0.0.1 (or not, with `allow` undefined), and a proxy in front of it. */
async function proxyAndConverter(
  converterOptions: Partial<ConverterOptions> = { allow: ['127.0.0.1/32'] },
  proxyOptions: Partial<ProxyOptions> = {},
): Promise<{ proxy: Awaited<ReturnType<typeof startProxy>>; converter: MptConverter & { port: number } }> {
  const keyPair = generateKeyPair();
  const converter = await startConverter({ clientKeys: [keyPair.publicKey], ...converterOptions });
  const proxy = await startProxy({ converter: { host: '127.0.0.1', port: converter.port }, serverKey: converter.publicKey, keyPair, ...proxyOptions });
  return { proxy, converter };
}

const invalid = (f: () => unknown, pattern: RegExp): void => {
  let error: unknown;
  try {
    f();
  } catch (e) {
    error = e;
  }
  expect(error).toMatchObject({ code: MptErrorCode.InvalidConfig });
  expect((error as Error).message).toMatch(pattern);
};

describe('createProxy and listen()', () => {
  const converter = { host: '127.0.0.1', port: 4433 };

  it('takes good options, and listen() checks its port and host', async () => {
    const keyPair = generateKeyPair();
    const proxy = createProxy({ converter, keyPair, auth: { username: 'u', password: 'p:w' }, connectTimeout: 5000, maxPaths: 2 });
    expect(Buffer.from(proxy.publicKey)).toEqual(Buffer.from(keyPair.publicKey));
    // Without a key pair the proxy makes one, the same for every tunnel.
    expect(createProxy({ converter }).publicKey).toHaveLength(32);
    invalid(() => proxy.listen(-1), /port must be an integer from 0 to 65535/);
    invalid(() => proxy.listen({ port: 0, host: 42 as unknown as string }), /host must be a non-empty string/);
    invalid(() => proxy.listen({ port: 0, backlog: 5 } as unknown as { port: number }), /unknown option backlog/);
    expect(proxy.address()).toBeNull();
    // listen({ port }) with the default host, 127.0.0.1.
    proxy.listen({ port: 0 });
    await once(proxy, 'listening');
    expect(proxy.listening).toBe(true);
    expect(proxy.address()).toMatchObject({ address: '127.0.0.1', family: 'IPv4' });
    const closed = once(proxy, 'close');
    proxy.close();
    await closed;
    expect(proxy.listening).toBe(false);
    // close() when not listening: node:net's error in the callback.
    const error = await new Promise<Error | undefined>((resolve) => proxy.close(resolve));
    expect(error).toMatchObject({ code: 'ERR_SERVER_NOT_RUNNING' });
  });
});

describe('the proxy with a real converter', () => {
  it("the converter's policy refusal (no allow list, destination 127.0.0.1): SOCKS5 reply 2, HTTP 403", async () => {
    const destination = await echoServer();
    const { proxy } = await proxyAndConverter({});
    const socks = await socks5Connect(proxy.port, { host: '127.0.0.1', port: destination.port });
    expect(socks.method).toBe(0);
    expect(socks.reply).toEqual(Buffer.of(5, 2, 0, 1, 0, 0, 0, 0, 0, 0));
    await socks.client.ended();
    expect(await proxy.report()).toMatchObject({ protocol: 'socks5', outcome: 'refused', replyCode: 2, destination: { host: '127.0.0.1', port: destination.port } });
    const http = await httpConnect(proxy.port, `127.0.0.1:${destination.port}`);
    expect(http.status).toBe(403);
    expect(await proxy.report()).toMatchObject({ protocol: 'http', outcome: 'refused', httpStatus: 403 });
    expect(destination.accepted).toHaveLength(0);
  });

  it("a proxy whose key is not on the converter's clientKeys: SOCKS5 reply 2, HTTP 403, an error naming the key, and nothing is dialled", async () => {
    const destination = await echoServer();
    const converter = await startConverter({ clientKeys: [generateKeyPair().publicKey], allow: ['127.0.0.1/32'] });
    const tunnels: unknown[] = [];
    converter.on('tunnel', (t) => tunnels.push(t));
    // The converter drops the handshake without a word; the connect watchdog finds a server there that
    // dropped it, then the converter is asked for its key: the pinned one, so it refused our client key.
    const proxy = await startProxy({ converter: { host: '127.0.0.1', port: converter.port }, serverKey: converter.publicKey, keyPair: generateKeyPair() });
    const socks = await socks5Connect(proxy.port, { host: '127.0.0.1', port: destination.port });
    expect(socks.reply).toEqual(Buffer.of(5, 2, 0, 1, 0, 0, 0, 0, 0, 0));
    const report = await proxy.report();
    expect(report).toMatchObject({ outcome: 'failed', replyCode: 2 });
    expect(report.error).toBeInstanceOf(ClientKeyRefusedError);
    expect(report.error).toMatchObject({ code: MptErrorCode.HandshakeFailed, clientKey: proxy.publicKey, serverKey: converter.publicKey });
    expect(report.reason).toContain(`does not accept our client key ${formatPublicKey(proxy.publicKey)}`);
    expect(report.reason).toContain('keyPair');
    const http = await httpConnect(proxy.port, `127.0.0.1:${destination.port}`);
    expect(http.status).toBe(403);
    expect((await http.client.readToEnd()).toString()).toContain(formatPublicKey(proxy.publicKey));
    expect(await proxy.report()).toMatchObject({ protocol: 'http', outcome: 'failed', httpStatus: 403 });
    expect(destination.accepted).toHaveLength(0);
    expect(tunnels).toHaveLength(0);
  });

  it("without serverKey, a proxy whose key is not on the converter's clientKeys gets SOCKS5 reply 2 and HTTP 403 too, not the reply timeout's 4 and 504", async () => {
    const destination = await echoServer();
    const converter = await startConverter({ clientKeys: [generateKeyPair().publicKey], allow: ['127.0.0.1/32'] });
    // Without serverKey a Noise XX handshake would complete on our side and the converter's silence
    // would end only at the 20 s reply timeout (SOCKS5 reply 4, HTTP 504).
    const proxy = await startProxy({ converter: { host: '127.0.0.1', port: converter.port }, keyPair: generateKeyPair() });
    const socks = await socks5Connect(proxy.port, { host: '127.0.0.1', port: destination.port });
    expect(socks.reply?.[1]).toBe(2);
    const report = await proxy.report();
    expect(report.error).toBeInstanceOf(ClientKeyRefusedError);
    expect(report.error?.message).toContain(formatPublicKey(proxy.publicKey));
    const http = await httpConnect(proxy.port, `127.0.0.1:${destination.port}`);
    expect(http.status).toBe(403);
    expect(destination.accepted).toHaveLength(0);
  });

  it("a converter key that changed (the proxy pins the old one): SOCKS5 reply 1, HTTP 502, ERR_MPT_SERVER_KEY_MISMATCH naming both keys", async () => {
    const destination = await echoServer();
    const keyPair = generateKeyPair();
    const converter = await startConverter({ clientKeys: [keyPair.publicKey], allow: ['127.0.0.1/32'] });
    const oldKey = generateKeyPair().publicKey;
    const proxy = await startProxy({ converter: { host: '127.0.0.1', port: converter.port }, serverKey: oldKey, keyPair });
    const socks = await socks5Connect(proxy.port, { host: '127.0.0.1', port: destination.port });
    expect(socks.reply).toEqual(Buffer.of(5, 1, 0, 1, 0, 0, 0, 0, 0, 0));
    const report = await proxy.report();
    expect(report).toMatchObject({ outcome: 'failed', replyCode: 1 });
    expect(report.error).toBeInstanceOf(ConverterKeyMismatchError);
    expect(report.error).toMatchObject({ code: MptErrorCode.ServerKeyMismatch, pinnedKey: oldKey, presentedKey: converter.publicKey });
    expect(report.reason).toContain(`presents ${formatPublicKey(converter.publicKey)}, not the pinned serverKey ${formatPublicKey(oldKey)}`);
    const http = await httpConnect(proxy.port, `127.0.0.1:${destination.port}`);
    expect(http.status).toBe(502);
    expect(destination.accepted).toHaveLength(0);
  });

  it("without serverKey the proxy pins the key its first tunnel learnt, and learns it again when the converter's key changes", async () => {
    const destination = await echoServer();
    const keyPair = generateKeyPair();
    const first = await startConverter({ clientKeys: [keyPair.publicKey], allow: ['127.0.0.1/32'] });
    const proxy = await startProxy({ converter: { host: '127.0.0.1', port: first.port }, keyPair });
    const one = await socks5Connect(proxy.port, { host: '127.0.0.1', port: destination.port });
    expect(one.reply?.[1]).toBe(0);
    one.client.socket.end();
    await one.client.ended();
    expect(await proxy.report()).toMatchObject({ outcome: 'tunneled' });
    // The first converter goes away (its connections with it), freeing its port.
    await closers.splice(closers.length - 2, 1)[0]!();
    // A converter with another key on the same port: the pinned key fails, the new one is learnt.
    const second = createConverter({ clientKeys: [keyPair.publicKey], allow: ['127.0.0.1/32'] });
    // The first one's UDP socket closes just after its 'close': try again until the port is free.
    for (let attempt = 0; !second.listening; attempt++) {
      try {
        second.listen(first.port, '127.0.0.1');
        await once(second, 'listening');
      } catch (error) {
        if ((error as { code?: string }).code !== 'EADDRINUSE' || attempt > 100) throw error;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    closers.push(() => new Promise<void>((resolve) => second.close(() => resolve())));
    const two = await socks5Connect(proxy.port, { host: '127.0.0.1', port: destination.port });
    expect(two.reply?.[1]).toBe(0);
    two.client.socket.end();
    await two.client.ended();
    expect(await proxy.report()).toMatchObject({ outcome: 'tunneled' });
  });

  it('a tunnel carries bytes both ways, its end passes through, and its report counts them', async () => {
    const destination = await echoServer();
    const { proxy } = await proxyAndConverter();
    const socks = await socks5Connect(proxy.port, { host: '127.0.0.1', port: destination.port }, { early: Buffer.from('early ') });
    expect(socks.reply?.[1]).toBe(0);
    socks.client.socket.end('and late');
    expect((await socks.client.readToEnd()).toString()).toBe('early and late');
    expect(await proxy.report()).toMatchObject({ outcome: 'tunneled', bytesToDestination: 14, bytesFromDestination: 14, error: undefined });
  });

  it('close() stops listening and ends the open tunnels; then close', async () => {
    const destination = await echoServer();
    const { proxy } = await proxyAndConverter();
    const socks = await socks5Connect(proxy.port, { host: '127.0.0.1', port: destination.port });
    const http = await httpConnect(proxy.port, `127.0.0.1:${destination.port}`);
    expect(socks.reply?.[1]).toBe(0);
    expect(http.status).toBe(200);
    const closed = once(proxy, 'close');
    proxy.close();
    await Promise.all([socks.client.ended(), http.client.ended(), closed]);
    expect(proxy.listening).toBe(false);
    expect(proxy.reports.map((r) => r.outcome)).toEqual(['tunneled', 'tunneled']);
  });
});

describe('credentials', () => {
  const auth = { username: 'alice', password: 'wonder:land' };

  it('SOCKS5: a no-auth offer gets 0xFF, wrong credentials status 1, right ones a tunnel (curl -U)', async () => {
    const server = await payloadServer(Buffer.from('through the proxy, authenticated\n'));
    closers.push(server.close);
    const { proxy } = await proxyAndConverter(undefined, { auth });
    const noAuth = await socks5Connect(proxy.port, { host: '127.0.0.1', port: server.port });
    expect(noAuth.method).toBe(0xff);
    await noAuth.client.ended();
    const wrong = await socks5Connect(proxy.port, { host: '127.0.0.1', port: server.port }, { auth: { username: 'alice', password: 'wonder' } });
    expect(wrong.method).toBe(2);
    expect(wrong.authStatus).toBe(1);
    await wrong.client.ended();
    const right = await socks5Connect(proxy.port, { host: '127.0.0.1', port: server.port }, { auth });
    expect(right.authStatus).toBe(0);
    expect(right.reply?.[1]).toBe(0);
    right.client.destroy();
    // curl speaks RFC 1929 with the same credentials.
    const curl = await runCurl(['--socks5-hostname', `127.0.0.1:${proxy.port}`, '-U', `${auth.username}:${auth.password}`, server.url]);
    expect(curl).toMatchObject({ code: 0, stderr: '' });
    const failing = await runCurl(['--socks5-hostname', `127.0.0.1:${proxy.port}`, '-U', 'alice:nope', server.url]);
    expect(failing.code).not.toBe(0);
    expect(server.connections()).toBe(2);
  });

  it('HTTP CONNECT: no or wrong credentials get 407 with Proxy-Authenticate, right ones 200 (curl -U)', async () => {
    const server = await payloadServer(Buffer.from('through the proxy, authenticated\n'));
    closers.push(server.close);
    const { proxy } = await proxyAndConverter(undefined, { auth });
    const none = await httpConnect(proxy.port, `127.0.0.1:${server.port}`);
    expect(none.status).toBe(407);
    expect(none.head).toContain('\r\nProxy-Authenticate: Basic realm="mpt"\r\n');
    const wrong = await httpConnect(proxy.port, `127.0.0.1:${server.port}`, [`Proxy-Authorization: Basic ${Buffer.from('alice:wonder').toString('base64')}`]);
    expect(wrong.status).toBe(407);
    const right = await httpConnect(proxy.port, `127.0.0.1:${server.port}`, [`Proxy-Authorization: Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`]);
    expect(right.status).toBe(200);
    right.client.destroy();
    const curl = await runCurl(['-p', '-x', `http://127.0.0.1:${proxy.port}`, '-U', `${auth.username}:${auth.password}`, server.url]);
    expect(curl).toMatchObject({ code: 0, stderr: '' });
    // -w prints the CONNECT response's status (on stderr: stdout is the body).
    const failing = await runCurl(['-p', '-x', `http://127.0.0.1:${proxy.port}`, '-U', 'alice:nope', '-w', '%{stderr}connect status %{http_connect}\n', server.url]);
    expect(failing.code).not.toBe(0);
    expect(failing.stderr).toContain('connect status 407');
    expect(server.connections()).toBe(2);
  });
});
