// End-to-end over real UDP on 127.x: one socket per local address in the Node layer (issue #4, item 6).
import { randomBytes } from 'node:crypto';
import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { once } from 'node:events';
import type { NetworkInterfaceInfo } from 'node:os';
import { afterEach, describe, expect, test } from 'vitest';
import type { Endpoint } from '../../src/core/endpoint.js';
import type { SocketAddress } from '../../src/core/socket-address.js';
import type { Transmit } from '../../src/core/datagram-endpoint.js';
import { EndpointDriver } from '../../src/node/driver.js';
import { createServer, setInterfaceTableSource, usableLocalAddresses, type MptServer, type MptSocket } from '../../src/node/index.js';
import { makeVersionProbe, answersProbe } from '../../src/node/version-probe.js';
import { captureNextDriver, cleanup, dial, dialed, hashAll, sha256, udp } from './helpers.js';

const opened: { close(): void }[] = [];

afterEach(async () => {
  for (const o of opened.splice(0)) o.close();
  setInterfaceTableSource(undefined);
  await cleanup();
});

/** A server listening on every one of `hosts`, closed after the test. */
async function listenOn(host: string | string[], port = 0, onConnection?: (s: MptSocket) => void): Promise<MptServer> {
  const server = createServer({}, onConnection);
  server.on('connection', (s) => s.on('error', () => {}));
  opened.push({ close: () => server.listening && server.close() });
  server.listen({ port, host });
  await once(server, 'listening');
  return server;
}

/** A plain UDP socket bound to host:port, or the bind error's code. */
async function tryBind(host: string, port: number): Promise<string | undefined> {
  const socket = createSocket('udp4');
  return new Promise((resolve) => {
    socket.once('error', (e: NodeJS.ErrnoException) => {
      socket.close();
      resolve(e.code ?? 'error');
    });
    socket.bind({ address: host, port, exclusive: true }, () => {
      socket.close();
      resolve(undefined);
    });
  });
}

async function until(what: () => boolean | Promise<boolean>, limitMs = 5_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await what())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('a server on several addresses', () => {
  test('listens on 127.0.0.1 and 127.0.0.2 with one port, and a client on each address is echoed', async () => {
    const accepted: MptSocket[] = [];
    const server = await listenOn(['127.0.0.1', '127.0.0.2'], 0, (s) => {
      accepted.push(s);
      s.pipe(s);
    });
    const all = server.addresses();
    expect(all.map((a) => a.address)).toEqual(['127.0.0.1', '127.0.0.2']);
    const port = all[0]?.port as number;
    expect(all[1]?.port).toBe(port);
    expect(all.every((a) => a.family === 'IPv4')).toBe(true);
    expect(server.address()).toEqual(all[0]);

    for (const host of ['127.0.0.1', '127.0.0.2']) {
      const client = await dialed({ host, port, serverKey: server.publicKey });
      expect(client.remoteAddress).toBe(host);
      expect(client.localAddress).toBe('127.0.0.1'); // the kernel's source for any 127.x destination
      const payload = randomBytes(300_000);
      const echoed = hashAll(client);
      client.end(payload);
      const got = await echoed;
      expect(got.bytes).toBe(payload.length);
      expect(got.sha256).toBe(sha256(payload));
      expect(client.paths[0]?.remote).toEqual({ host, port });
    }
    // One engine behind both sockets: each accepted connection reports the address its client reached.
    expect(accepted.map((s) => s.localAddress)).toEqual(['127.0.0.1', '127.0.0.2']);
    expect(accepted.map((s) => s.localPort)).toEqual([port, port]);
    expect(accepted[1]?.addresses().map((a) => a.address)).toEqual(['127.0.0.1', '127.0.0.2']);
  });

  test('listen(port, [hosts], callback): the positional form takes an array too', async () => {
    const server = createServer((s) => s.on('error', () => {})); // destroyed abortively below
    opened.push({ close: () => server.listening && server.close() });
    await new Promise<void>((resolve) => server.listen(0, ['127.0.0.2', '127.0.0.3'], resolve));
    expect(server.addresses().map((a) => `${a.address}:${a.port}`)).toEqual([`127.0.0.2:${server.address()?.port}`, `127.0.0.3:${server.address()?.port}`]);
    const client = await dialed({ host: '127.0.0.3', port: server.address()?.port as number });
    expect(client.remoteAddress).toBe('127.0.0.3');
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    client.destroy();
    await closed;
    expect(server.addresses()).toEqual([]);
    expect(server.address()).toBeNull();
  });

  test('answers from the address it was reached on (a version probe to each socket)', async () => {
    const server = await listenOn(['127.0.0.1', '127.0.0.2']);
    const port = server.address()?.port as number;
    const prober = await udp();
    for (const host of ['127.0.0.2', '127.0.0.1']) {
      const probe = makeVersionProbe();
      const answer = new Promise<RemoteInfo>((resolve) => {
        const onMessage = (msg: Buffer, rinfo: RemoteInfo): void => {
          if (!answersProbe(msg, probe)) return;
          prober.off('message', onMessage);
          resolve(rinfo);
        };
        prober.on('message', onMessage);
      });
      prober.send(probe.datagram, port, host);
      const rinfo = await answer;
      expect(`${rinfo.address}:${rinfo.port}`).toBe(`${host}:${port}`);
    }
  });

  test('an explicit port taken on one address fails the listen and leaves no socket behind', async () => {
    const blocker = await udp(); // 127.0.0.1:<port>
    const server = createServer();
    server.listen({ port: blocker.port, host: ['127.0.0.2', '127.0.0.1'] });
    const [error] = (await once(server, 'error')) as [Error & { code: string }];
    expect(error.code).toBe('EADDRINUSE'); // node:net's code for a port taken
    expect(server.listening).toBe(false);
    expect(server.addresses()).toEqual([]);
    // 127.0.0.2 was bound first and must have been closed again.
    await until(async () => (await tryBind('127.0.0.2', blocker.port)) === undefined);
  });

  test('rejects a wildcard combined with other addresses, and an empty list', async () => {
    for (const host of [['0.0.0.0', '127.0.0.1'], []]) {
      const server = createServer();
      server.listen({ port: 0, host });
      const [error] = (await once(server, 'error')) as [Error & { code: string }];
      expect(error.code).toBe('ERR_MPT_INVALID_CONFIG');
    }
  });

  test('a failed socket closes only itself and its connections: the other address keeps serving', async () => {
    const captured = captureNextDriver();
    const accepted: MptSocket[] = [];
    const server = await listenOn(['127.0.0.1', '127.0.0.2'], 0, (s) => {
      accepted.push(s);
      s.pipe(s);
    });
    const port = server.address()?.port as number;
    // One path only: by default the server advertises 127.0.0.2 and the client opens a second path
    // there, which would (rightly) keep the connection alive when the 127.0.0.1 socket fails.
    await dialed({ host: '127.0.0.1', port, maxPaths: 1 });
    await until(() => accepted.length === 1);
    const serverSide = accepted[0] as MptSocket;
    const serverSideFailed = new Promise<string | undefined>((resolve) => serverSide.once('error', (e: Error & { code?: string }) => resolve(e.code)));
    const socketErrors: [string, string][] = [];
    server.on('socketError', (e, a) => socketErrors.push([e.code, a.address]));
    let serverError: Error | undefined;
    server.on('error', (e) => (serverError = e));
    // Fail the first socket as the OS would (an 'error' event on it).
    socketOf(await captured, 0).emit('error', Object.assign(new Error('boom'), { code: 'EIO' }));
    expect(socketErrors).toEqual([['ERR_MPT_SOCKET', '127.0.0.1']]);
    expect(await serverSideFailed).toBe('ERR_MPT_SOCKET');
    expect(serverError).toBeUndefined();
    expect(server.listening).toBe(true);
    expect(server.addresses().map((a) => a.address)).toEqual(['127.0.0.2']);
    expect(server.address()?.address).toBe('127.0.0.2');
    const onSecond = await dialed({ host: '127.0.0.2', port });
    const echoed = hashAll(onSecond);
    onSecond.end('still here');
    expect((await echoed).bytes).toBe(10);
  });
});

/** The dgram socket a driver bound `index`-th (private: the tests that simulate OS failures need it). */
function socketOf(driver: EndpointDriver, index: number): UdpSocket {
  return ((driver as unknown as { sockets: { socket: UdpSocket }[] }).sockets[index] as { socket: UdpSocket }).socket;
}

/** A fake engine: records datagrams in, hands out queued transmits, has no connections. */
class FakeEndpoint {
  readonly received: { local: SocketAddress; remote: SocketAddress; bytes: string }[] = [];
  readonly queued: { transmit: Transmit; bytes: Uint8Array }[] = [];
  readonly connections = new Set<never>();
  handleDatagram(_now: number, local: SocketAddress, remote: SocketAddress, bytes: Uint8Array): void {
    this.received.push({ local, remote, bytes: Buffer.from(bytes).toString() });
  }
  handleTimeout(): void {}
  nextTimeout(): number | undefined {
    return undefined;
  }
  pollEvent(): undefined {
    return undefined;
  }
  pollTransmit(_now: number, out: Uint8Array): Transmit | undefined {
    const next = this.queued.shift();
    if (next === undefined) return undefined;
    out.set(next.bytes);
    return next.transmit;
  }
  send(local: SocketAddress, remote: SocketAddress, text: string): void {
    const bytes = Buffer.from(text);
    this.queued.push({ transmit: { local, remote, length: bytes.length }, bytes });
  }
}

describe('the driver routes by local address', () => {
  test('each transmit leaves from the socket of its local address; an unknown local address is dropped and counted', async () => {
    const fake = new FakeEndpoint();
    const driver = EndpointDriver.bindSync(
      fake as unknown as Endpoint,
      [
        { type: 'udp4', host: '127.0.0.1', port: 0 },
        { type: 'udp4', host: '127.0.0.2', port: 0 },
      ],
      { sharePort: true },
    );
    opened.push({ close: () => driver.destroy() });
    const [a, b] = driver.addresses() as [SocketAddress, SocketAddress];
    expect(a.host).toBe('127.0.0.1');
    expect(b).toEqual({ host: '127.0.0.2', port: a.port });
    const peer = await udp();
    const got: string[] = [];
    peer.on('message', (msg, rinfo) => got.push(`${msg.toString()} from ${rinfo.address}:${rinfo.port}`));
    const to = { host: '127.0.0.1', port: peer.port };
    fake.send({ host: '127.0.0.2', port: a.port }, to, 'two'); // an equal address, not the driver's own object
    fake.send(a, to, 'one');
    fake.send({ host: '127.0.0.9', port: a.port }, to, 'nowhere');
    fake.send({ host: '127.0.0.1', port: a.port + 1 }, to, 'wrong port');
    driver.schedule();
    await until(() => got.length === 2);
    expect(got.sort()).toEqual([`one from 127.0.0.1:${a.port}`, `two from 127.0.0.2:${a.port}`]);
    expect(driver.stats.unknownLocal).toBe(2);
    expect(driver.stats.datagramsSent).toBe(2);

    // Receiving: each datagram reaches the engine with its own socket's address as local.
    peer.send('to a', a.port, '127.0.0.1');
    peer.send('to b', b.port, '127.0.0.2');
    await until(() => fake.received.length === 2);
    const byText = Object.fromEntries(fake.received.map((r) => [r.bytes, r.local]));
    expect(byText['to a']).toBe(a);
    expect(byText['to b']).toBe(b);
    expect(fake.received[0]?.remote).toEqual({ host: '127.0.0.1', port: peer.port });

    // destroy() closes every socket: both addresses are free again.
    const closed = new Promise<void>((resolve) => (driver.onClosed = resolve));
    driver.destroy();
    await closed;
    expect(await tryBind('127.0.0.1', a.port)).toBeUndefined();
    expect(await tryBind('127.0.0.2', b.port)).toBeUndefined();
  });

  test('sharePort: a later socket takes the first one\'s port, or a port of its own where that is taken', async () => {
    const blocker = createSocket('udp4');
    opened.push(blocker);
    await new Promise<void>((resolve) => blocker.bind(0, '127.0.0.2', resolve));
    const taken = blocker.address().port;
    const driver = EndpointDriver.bindSync(
      new FakeEndpoint() as unknown as Endpoint,
      [
        { type: 'udp4', host: '127.0.0.1', port: taken },
        { type: 'udp4', host: '127.0.0.2', port: 0 },
        { type: 'udp4', host: '127.0.0.3', port: 0 },
      ],
      { sharePort: true },
    );
    opened.push({ close: () => driver.destroy() });
    const [a, b, c] = driver.addresses() as [SocketAddress, SocketAddress, SocketAddress];
    expect(a).toEqual({ host: '127.0.0.1', port: taken });
    expect(b.host).toBe('127.0.0.2');
    expect(b.port).not.toBe(taken);
    expect(c).toEqual({ host: '127.0.0.3', port: taken });
  });

  test('a socket error closes that socket only', async () => {
    const fake = new FakeEndpoint();
    const driver = await EndpointDriver.bind(fake as unknown as Endpoint, [
      { type: 'udp4', host: '127.0.0.1', port: 0 },
      { type: 'udp4', host: '127.0.0.2', port: 0 },
    ]);
    opened.push({ close: () => driver.destroy() });
    const [a, b] = driver.addresses() as [SocketAddress, SocketAddress];
    const errors: [string, SocketAddress, number][] = [];
    driver.onSocketError = (e, local, remaining) => errors.push([e.code, local, remaining]);
    let allClosed = false;
    driver.onClosed = () => (allClosed = true);
    socketOf(driver, 1).emit('error', Object.assign(new Error('boom'), { code: 'EIO' }));
    expect(errors).toEqual([['ERR_MPT_SOCKET', b, 1]]);
    expect(driver.addresses()).toEqual([a]);
    const peer = await udp();
    peer.send('still', a.port, '127.0.0.1');
    await until(() => fake.received.length === 1);
    fake.send(b, { host: '127.0.0.1', port: peer.port }, 'from the dead one');
    driver.schedule();
    await until(() => driver.stats.sendErrors === 1);
    expect(allClosed).toBe(false);
    socketOf(driver, 0).emit('error', Object.assign(new Error('boom'), { code: 'EIO' }));
    expect(errors[1]).toEqual(['ERR_MPT_SOCKET', a, 0]);
    await until(() => allClosed);
  });
});

describe('a client with several local addresses', () => {
  test("binds one socket per address, sends from the first, and leaves none behind after destroy()", async () => {
    const server = await listenOn('127.0.0.1', 0, (s) => s.pipe(s));
    const port = server.address()?.port as number;
    const client = dial({ port, serverKey: server.publicKey, localAddresses: ['127.0.0.1', '127.0.0.3'] });
    await once(client, 'connect');
    const bound = client.addresses();
    expect(bound.map((a) => a.address)).toEqual(['127.0.0.1', '127.0.0.3']);
    expect(client.address()).toEqual(bound[0]);
    expect(client.localAddress).toBe('127.0.0.1');
    expect(client.paths[0]?.local).toEqual({ host: '127.0.0.1', port: bound[0]?.port });
    // Both really bound: neither address:port can be taken.
    for (const a of bound) expect(await tryBind(a.address, a.port)).toBe('EADDRINUSE');

    const payload = randomBytes(1_000_000);
    const closed = once(client, 'close');
    const echoed = hashAll(client);
    client.end(payload);
    const got = await echoed;
    expect(got.sha256).toBe(sha256(payload));
    client.destroy();
    await closed;
    expect(client.addresses()).toEqual([]);
    // The sockets linger for the closing period only; then both addresses are free.
    await until(async () => {
      for (const a of bound) if ((await tryBind(a.address, a.port)) !== undefined) return false;
      return true;
    });
  });

  test('starts from the first address of the server family, and rejects bad lists', async () => {
    const server = await listenOn('127.0.0.1', 0, (s) => s.pipe(s));
    const port = server.address()?.port as number;
    const client = await dialed({ port, localAddresses: ['::1', '127.0.0.3', '127.0.0.1'] });
    expect(client.addresses().map((a) => a.address)).toEqual(['127.0.0.3', '::1', '127.0.0.1']);
    expect(client.localAddress).toBe('127.0.0.3');
    client.destroy();
    // No address of the server's family: known once the host resolves, so an 'error' event.
    const socket = dial({ port, localAddresses: ['::1'] });
    const [error] = (await once(socket, 'error')) as [Error & { code: string }];
    expect(error.code).toBe('ERR_MPT_INVALID_CONFIG');
    // Not an IP address, or both options: connect() throws at once.
    for (const bad of [{ localAddresses: ['not-an-ip'] }, { localAddresses: ['127.0.0.1'], localAddress: '127.0.0.1' }]) {
      expect(() => dial({ port, ...bad })).toThrow(expect.objectContaining({ code: 'ERR_MPT_INVALID_CONFIG' }));
    }
  });
});

describe('usableLocalAddresses', () => {
  const info = (address: string, family: 'IPv4' | 'IPv6', internal = false): NetworkInterfaceInfo =>
    ({ address, family, internal, netmask: '', mac: '00:00:00:00:00:00', cidr: null, ...(family === 'IPv6' ? { scopeid: 0 } : {}) }) as NetworkInterfaceInfo;

  test('lists non-internal addresses of the family, without link-local IPv6 or duplicates', () => {
    setInterfaceTableSource(() => ({
      lo: [info('127.0.0.1', 'IPv4', true), info('::1', 'IPv6', true)],
      eth0: [info('192.168.1.20', 'IPv4'), info('fe80::1c2:3ff:fe04:506', 'IPv6'), info('2001:db8::20', 'IPv6')],
      wlan0: [info('10.0.0.7', 'IPv4'), info('FEBF::1', 'IPv6'), info('fd00::7', 'IPv6'), info('::ffff:10.0.0.7', 'IPv6')],
      tun0: [info('192.168.1.20', 'IPv4'), { ...info('100.64.0.1', 'IPv4'), family: 4 as unknown as 'IPv4' }],
      down: undefined,
    }));
    expect(usableLocalAddresses(4)).toEqual(['192.168.1.20', '10.0.0.7', '100.64.0.1']);
    expect(usableLocalAddresses(6)).toEqual(['2001:db8::20', 'fd00::7']);
    setInterfaceTableSource(() => ({ lo: [info('127.0.0.1', 'IPv4', true)] }));
    expect(usableLocalAddresses(4)).toEqual([]);
  });

  test('reads os.networkInterfaces() by default', () => {
    setInterfaceTableSource(undefined);
    const found = usableLocalAddresses(4);
    expect(found.every((a) => !a.startsWith('127.'))).toBe(true);
  });
});
