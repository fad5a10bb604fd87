// One proxied connection, driven against a stand-in for openTunnel: a real mpt connection to an echo
// server on loopback, or a rejection of the test's choosing. What the client gets back (the reply
// bytes, the status), what the tunnel carries (early bytes, half-close), and the 'tunnel' report.
import { once } from 'node:events';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, createServer, MptError, MptErrorCode, type MptServer, type MptSocket } from '../../src/index.js';
import type { ProxyDestination } from '../../src/proxy/destination.js';
import { ProxyConnection, type OpenTunnel } from '../../src/proxy/proxy-connection.js';
import type { ProxyAuth } from '../../src/proxy/proxy-auth.js';
import type { MptProxyTunnelEvent } from '../../src/proxy/proxy-tunnel-event.js';
import { TunnelError } from '../../src/proxy/tunnel-error.js';
import { httpConnect, RawClient, socks5Connect } from './clients.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** An mpt server on loopback that echoes each stream, ending when the client ends. */
async function echoServer(): Promise<MptServer & { port: number }> {
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    socket.on('error', () => {});
    socket.pipe(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  return Object.assign(server, { port: (server.address() as { port: number }).port });
}

/** A TCP listener that hands each connection to a ProxyConnection over `open`; the reports and the destinations asked. */
async function harness(open: OpenTunnel, auth?: ProxyAuth): Promise<{ port: number; reports: MptProxyTunnelEvent[]; nextReport: () => Promise<MptProxyTunnelEvent> }> {
  const reports: MptProxyTunnelEvent[] = [];
  let waiting: ((e: MptProxyTunnelEvent) => void) | undefined;
  const connections = new Set<ProxyConnection>();
  const server: TcpServer = createTcpServer({ allowHalfOpen: true }, (socket) => {
    const connection = new ProxyConnection(socket, auth, open, (event) => {
      connections.delete(connection);
      reports.push(event);
      waiting?.(event);
    });
    connections.add(connection);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  closers.push(async () => {
    for (const c of connections) c.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return {
    port: (server.address() as { port: number }).port,
    reports,
    nextReport: () => (reports.length > 0 ? Promise.resolve(reports.shift() as MptProxyTunnelEvent) : new Promise((resolve) => (waiting = (e) => resolve(reports.shift() ?? e)))),
  };
}

/** An openTunnel stand-in that opens a real mpt connection to `server`, recording the destinations asked. */
function toEcho(server: { port: number }, asked: ProxyDestination[]): OpenTunnel {
  return async (destination) => {
    asked.push(destination);
    const socket: MptSocket = connect({ host: '127.0.0.1', port: server.port, allowHalfOpen: true });
    await once(socket, 'connect');
    return socket;
  };
}

const refusal = (replyCode: number): Error => new TunnelError(replyCode, 'test');

describe('a proxied connection', () => {
  it('SOCKS5: replies success with 0.0.0.0:0, forwards early bytes, echoes, and passes the half-close both ways', async () => {
    const asked: ProxyDestination[] = [];
    const { port, nextReport } = await harness(toEcho(await echoServer(), asked));
    const early = Buffer.from('sent before the reply');
    const { client, reply } = await socks5Connect(port, { host: 'dest.example', port: 4242 }, { early });
    expect(reply).toEqual(Buffer.of(5, 0, 0, 1, 0, 0, 0, 0, 0, 0));
    expect(asked).toEqual([{ host: 'dest.example', port: 4242 }]);
    client.write(' and after');
    // Our end goes through the tunnel; the echo server ends in turn; that end comes back to us.
    client.socket.end();
    const echoed = await client.readToEnd();
    expect(echoed.toString()).toBe('sent before the reply and after');
    const report = await nextReport();
    expect(report).toMatchObject({
      protocol: 'socks5',
      clientAddress: '127.0.0.1',
      destination: { host: 'dest.example', port: 4242 },
      outcome: 'tunneled',
      replyCode: 0,
      httpStatus: undefined,
      error: undefined,
      bytesToDestination: echoed.length,
      bytesFromDestination: echoed.length,
    });
  });

  it('HTTP CONNECT: 200, then bytes pipelined after the header reach the destination first', async () => {
    const asked: ProxyDestination[] = [];
    const { port, nextReport } = await harness(toEcho(await echoServer(), asked));
    const { client, head, status } = await httpConnect(port, '[::1]:8443', [], Buffer.from('pipelined'));
    expect(status).toBe(200);
    expect(head).toBe('HTTP/1.1 200 Connection established\r\n\r\n');
    expect(asked).toEqual([{ host: '::1', port: 8443 }]);
    client.socket.end('!');
    expect((await client.readToEnd()).toString()).toBe('pipelined!');
    expect(await nextReport()).toMatchObject({ protocol: 'http', outcome: 'tunneled', httpStatus: 200, bytesToDestination: 10, bytesFromDestination: 10 });
  });

  it('a large transfer both ways arrives intact through the splice (back-pressure on a client that reads late)', async () => {
    const { port } = await harness(toEcho(await echoServer(), []));
    const { client } = await socks5Connect(port, { host: '10.0.0.1', port: 1 });
    const data = Buffer.alloc(4 * 1024 * 1024);
    for (let i = 0; i < data.length; i += 4) data.writeUInt32LE(i * 2654435761 >>> 0, i);
    // Write everything first without reading: the echo fills every buffer, and the reader side must pause rather than lose bytes.
    client.socket.pause();
    client.socket.end(data);
    await new Promise((resolve) => setTimeout(resolve, 200));
    client.socket.resume();
    const back = await client.readToEnd();
    expect(back.length).toBe(data.length);
    expect(back.equals(data)).toBe(true);
  });

  it("the converter's refusal reaches the client as the SOCKS5 REP value, and as the HTTP status", async () => {
    for (const [code, httpStatus] of [
      [2, 403],
      [4, 502],
      [5, 502],
      [6, 504],
    ] as const) {
      const { port, nextReport } = await harness(() => Promise.reject(refusal(code)));
      const socks = await socks5Connect(port, { host: '127.0.0.1', port: 80 });
      expect(socks.reply).toEqual(Buffer.of(5, code, 0, 1, 0, 0, 0, 0, 0, 0));
      await socks.client.ended();
      expect(await nextReport()).toMatchObject({ outcome: 'refused', replyCode: code, destination: { host: '127.0.0.1', port: 80 } });
      const http = await httpConnect(port, '127.0.0.1:80');
      expect(http.status).toBe(httpStatus);
      expect(http.head).toContain('\r\nConnection: close\r\n');
      await http.client.ended();
      expect(await nextReport()).toMatchObject({ outcome: 'refused', httpStatus, replyCode: undefined });
    }
  });

  it('an mpt connect timeout is SOCKS5 reply 4 and HTTP 504; another mpt failure reply 1 and 502', async () => {
    const timeout = await harness(() => Promise.reject(new MptError(MptErrorCode.ConnectTimeout, 'no answer')));
    expect((await socks5Connect(timeout.port, { host: 'h.test', port: 1 })).reply?.[1]).toBe(4);
    expect((await httpConnect(timeout.port, 'h.test:1')).status).toBe(504);
    const failed = await harness(() => Promise.reject(new MptError(MptErrorCode.HandshakeFailed, 'key refused')));
    expect((await socks5Connect(failed.port, { host: 'h.test', port: 1 })).reply?.[1]).toBe(1);
    expect((await httpConnect(failed.port, 'h.test:1')).status).toBe(502);
    expect(await failed.nextReport()).toMatchObject({ outcome: 'failed', replyCode: 1 });
  });

  it('a client that resets its connection while its tunnel opens aborts it, and the late tunnel is closed', async () => {
    let signal: AbortSignal | undefined;
    let release: (() => void) | undefined;
    const late = connect({ host: '127.0.0.1', port: (await echoServer()).port });
    const { port, nextReport } = await harness(async (_destination, s) => {
      signal = s;
      await new Promise<void>((resolve) => (release = resolve));
      if (late.connecting) await once(late, 'connect');
      return late;
    });
    const client = await RawClient.open(port);
    client.write(Buffer.from([5, 1, 0, 5, 1, 0, 1, 127, 0, 0, 1, 0, 80]));
    await client.read(2);
    while (signal === undefined) await new Promise((resolve) => setTimeout(resolve, 5));
    const aborted = once(signal, 'abort');
    client.socket.resetAndDestroy();
    await aborted;
    release?.();
    const report = await nextReport();
    expect(report.outcome).toBe('aborted');
    expect(late.destroyed).toBe(true);
  });

  it('a client that sends bytes and ends its side while its tunnel opens: both reach the destination once it opens', async () => {
    let release: (() => void) | undefined;
    const echo = await echoServer();
    const { port, nextReport } = await harness(async () => {
      await new Promise<void>((resolve) => (release = resolve));
      const socket = connect({ host: '127.0.0.1', port: echo.port, allowHalfOpen: true });
      await once(socket, 'connect');
      return socket;
    });
    const client = await RawClient.open(port);
    client.write(Buffer.concat([Buffer.from([5, 1, 0, 5, 1, 0, 1, 127, 0, 0, 1, 0, 80]), Buffer.from('held ')]));
    client.socket.end('then ended');
    while (release === undefined) await new Promise((resolve) => setTimeout(resolve, 5));
    // Give the FIN time to arrive before the tunnel opens.
    await new Promise((resolve) => setTimeout(resolve, 50));
    release();
    const all = await client.readToEnd();
    expect(all.subarray(0, 12)).toEqual(Buffer.of(5, 0, 5, 0, 0, 1, 0, 0, 0, 0, 0, 0));
    expect(all.subarray(12).toString()).toBe('held then ended');
    expect(await nextReport()).toMatchObject({ outcome: 'tunneled', bytesToDestination: 15, bytesFromDestination: 15 });
  });

  it('SOCKS4 gets its own "rejected" reply; a bad request and wrong credentials are rejected without a tunnel', async () => {
    let opened = 0;
    const { port, nextReport } = await harness(() => {
      opened++;
      return Promise.reject(new Error('never'));
    }, { username: 'u', password: 'p' });
    const socks4 = await RawClient.open(port);
    socks4.write(Buffer.from([4, 1, 0, 80, 127, 0, 0, 1, 0]));
    expect(await socks4.readToEnd()).toEqual(Buffer.of(0, 0x5b, 0, 0, 0, 0, 0, 0));
    expect(await nextReport()).toMatchObject({ protocol: 'socks4', outcome: 'rejected' });
    const wrong = await socks5Connect(port, { host: 'h.test', port: 1 }, { auth: { username: 'u', password: 'x' } });
    expect(wrong.authStatus).toBe(1);
    expect(await nextReport()).toMatchObject({ protocol: 'socks5', outcome: 'rejected', destination: undefined });
    const garbage = await RawClient.open(port);
    garbage.write('GET / HTTP/1.1\r\n\r\n');
    expect((await garbage.readHead()).startsWith('HTTP/1.1 405 ')).toBe(true);
    expect(await nextReport()).toMatchObject({ protocol: 'http', outcome: 'rejected', httpStatus: 405 });
    expect(opened).toBe(0);
  });
});
