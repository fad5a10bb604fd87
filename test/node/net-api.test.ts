// node:net's API forms on mpt: connect()/createConnection()/socket.connect() and listen() forms, net's
// argument errors (compared with node:net's own, thrown by the same calls), and the members Node's
// tests use. Real UDP on 127.0.0.1 only.
import type { MptServerOptions } from '../../src/index.js';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import * as net from 'node:net';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { connect, createConnection, createServer, MptError, MptErrorCode, MptServer, MptSocket } from '../../src/index.js';
import { connect as nodeConnect, createConnection as nodeCreateConnection } from '../../src/node/index.js';

const opened: { destroy?: () => void; close?: () => void }[] = [];
afterEach(() => {
  for (const o of opened.splice(0)) {
    try {
      o.destroy?.();
      o.close?.();
    } catch {
      // already closed
    }
  }
  vi.restoreAllMocks();
});

function track<T extends object>(x: T): T {
  opened.push(x as { destroy?: () => void; close?: () => void });
  return x;
}

/** A listening server on 127.0.0.1 and its port. */
async function listening(options: MptServerOptions = {}, onConnection?: (s: MptSocket) => void): Promise<{ server: MptServer; port: number }> {
  const server = track(createServer(options, onConnection));
  server.on('connection', (s) => {
    track(s);
    s.on('error', () => {});
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as net.AddressInfo).port };
}

function client(socket: MptSocket): MptSocket {
  track(socket);
  socket.on('error', () => {});
  return socket;
}

/** What a call threw: class, code, name, message. */
function thrown(f: () => unknown): { class: string; code: unknown; name: string; message: string } | undefined {
  try {
    const r = f() as { destroy?: () => void; close?: () => void; on?: (e: string, l: () => void) => void } | undefined;
    r?.on?.('error', () => {});
    r?.destroy?.();
    r?.close?.();
  } catch (e) {
    const error = e as Error & { code?: unknown };
    return { class: error.constructor.name, code: error.code, name: error.name, message: error.message };
  }
  return undefined;
}

/** Resolves on the emitter's 'close', whatever errors come first (events.once would reject on 'error'). */
function closed(emitter: NodeJS.EventEmitter): Promise<void> {
  return new Promise((resolve) => emitter.once('close', () => resolve()));
}

/** A free UDP port nothing answers on (bound, so datagrams are swallowed). */
async function blackhole(): Promise<{ port: number; close: () => void }> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  track(s);
  return { port: s.address().port, close: () => s.close() };
}

describe('connect() forms', () => {
  test('createConnection is connect, exported from the root and from node/', () => {
    expect(createConnection).toBe(connect);
    expect(nodeConnect).toBe(connect);
    expect(nodeCreateConnection).toBe(connect);
  });

  test('connect(port, host, connectListener)', async () => {
    const { port } = await listening();
    const onConnect = vi.fn();
    const socket = client(connect(port, '127.0.0.1', onConnect));
    await once(socket, 'connect');
    expect(onConnect).toHaveBeenCalledTimes(1);
    expect(socket.remoteAddress).toBe('127.0.0.1');
    expect(socket.remotePort).toBe(port);
  });

  test('connect(port as a string, host) and connect(options, connectListener)', async () => {
    const { port } = await listening();
    const a = client(connect(String(port), '127.0.0.1'));
    await once(a, 'connect');
    expect(a.remotePort).toBe(port);
    const onConnect = vi.fn();
    const b = client(createConnection({ port, host: '127.0.0.1' }, onConnect));
    await once(b, 'connect');
    expect(onConnect).toHaveBeenCalledTimes(1);
  });

  test('connect(port) and connect(port, connectListener) go to localhost', async () => {
    const { port } = await listening();
    const socket = client(connect(port));
    const connected = once(socket, 'connect');
    const other = new Promise<MptSocket>((resolve) => {
      const s: MptSocket = client(connect(port, () => resolve(s)));
    });
    await Promise.all([connected, other]);
    expect(socket.remoteAddress).toBe('127.0.0.1');
    expect((await other).remotePort).toBe(port);
  });

  test('new MptSocket().connect(port, host, cb) and socket.connect(options)', async () => {
    const { port } = await listening();
    const onConnect = vi.fn();
    const socket = client(new MptSocket());
    expect(socket.connect(port, '127.0.0.1', onConnect)).toBe(socket);
    await once(socket, 'connect');
    expect(onConnect).toHaveBeenCalledTimes(1);
    const other = client(new MptSocket());
    other.connect({ port, host: '127.0.0.1' });
    await once(other, 'connect');
  });

  test('autoSelectFamilyAttemptedAddresses: "address:port" of each attempt for a host name, undefined for an IP literal', async () => {
    const { port } = await listening();
    const literal = client(connect(port, '127.0.0.1'));
    await once(literal, 'connect');
    expect(literal.autoSelectFamilyAttemptedAddresses).toBeUndefined();
    const named = client(
      connect({
        port,
        host: 'api.test',
        lookup: (_h, options, cb) => (options.family === 6 ? cb(Object.assign(new Error('none'), { code: 'ENOTFOUND' }), []) : cb(null, [{ address: '127.0.0.1', family: 4 }])),
      }),
    );
    await once(named, 'connect');
    expect(named.autoSelectFamilyAttemptedAddresses).toEqual([`127.0.0.1:${port}`]);
  });
});

describe("connect()'s argument errors are node:net's", () => {
  const cases: [string, unknown[]][] = [
    ['port -1', [-1]],
    ['port 70000', [70000]],
    ['port 1.5', [{ port: 1.5 }]],
    ["port 'abc' in options", [{ port: 'abc' }]],
    ["port ''", [{ port: '' }]],
    ['port true', [{ port: true }]],
    ['port null', [{ port: null }]],
    ['null', [null]],
    ['no arguments', []],
    ['{}', [{}]],
    ['host 5', [{ port: 80, host: 5 }]],
    ["localAddress 'x'", [{ port: 80, localAddress: 'x' }]],
    ["localPort 'x'", [{ port: 80, localPort: 'x' }]],
    ['family 5', [{ port: 80, family: 5 }]],
    ["timeout 'x'", [{ port: 80, timeout: 'x' }]],
    ['timeout -1', [{ port: 80, timeout: -1 }]],
  ];
  for (const [name, args] of cases) {
    test(name, () => {
      const theirs = thrown(() => (net.connect as (...a: unknown[]) => net.Socket)(...args));
      const ours = thrown(() => (connect as (...a: unknown[]) => MptSocket)(...args));
      expect(theirs).toBeDefined();
      expect(ours).toEqual(theirs);
      const onSocket = thrown(() => (new MptSocket().connect as (...a: unknown[]) => MptSocket)(...args.filter((a) => !(typeof a === 'object' && a !== null && 'timeout' in a))));
      if (!name.startsWith('timeout')) expect(onSocket).toEqual(theirs);
    });
  }

  test('the errors carry the code in their stack and toString, as Node\'s', () => {
    try {
      connect(-1);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(RangeError);
      expect(String(e)).toBe('RangeError [ERR_SOCKET_BAD_PORT]: Port should be >= 0 and < 65536. Received type number (-1).');
      expect((e as Error).stack?.split('\n')[0]).toBe(String(e));
    }
  });

  test('IPC paths are refused with ERR_MPT_INVALID_CONFIG (a string port that is no number, or options.path)', () => {
    for (const args of [['/tmp/mpt.sock'], [{ path: '/tmp/mpt.sock' }]] as unknown[][]) {
      let error: unknown;
      try {
        (connect as (...a: unknown[]) => MptSocket)(...args);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(MptError);
      expect((error as MptError).code).toBe(MptErrorCode.InvalidConfig);
    }
  });

  test('connectTimeout is checked: a number above 0', () => {
    expect(thrown(() => connect({ port: 80, connectTimeout: -5 }))?.code).toBe('ERR_OUT_OF_RANGE');
    expect(thrown(() => connect({ port: 80, connectTimeout: 0 }))?.code).toBe('ERR_INVALID_ARG_VALUE');
    expect(thrown(() => connect({ port: 80, connectTimeout: '5' as unknown as number }))?.code).toBe('ERR_INVALID_ARG_TYPE');
  });

  test("setTimeout's argument errors are net's", () => {
    const ours = new MptSocket();
    const theirs = new net.Socket();
    for (const args of [['x'], [-1], [Number.POSITIVE_INFINITY], [1, 5]] as unknown[][]) {
      expect(thrown(() => (ours.setTimeout as (...a: unknown[]) => unknown)(...args))).toEqual(thrown(() => (theirs.setTimeout as (...a: unknown[]) => unknown)(...args)));
    }
    theirs.destroy();
  });
});

describe('timeout and connectTimeout', () => {
  test("timeout is net's inactivity timeout: setTimeout at creation, 'timeout' fires, the socket stays open", async () => {
    const { port } = await listening();
    const socket = client(connect({ port, host: '127.0.0.1', timeout: 150 }));
    expect(socket.timeout).toBe(150);
    await once(socket, 'connect');
    await once(socket, 'timeout');
    expect(socket.destroyed).toBe(false);
    expect(socket.readyState).toBe('open');
  });

  test('connectTimeout bounds the handshake: ERR_MPT_CONNECT_TIMEOUT', async () => {
    const hole = await blackhole();
    const started = Date.now();
    const socket = client(connect({ port: hole.port, host: '127.0.0.1', connectTimeout: 400 }));
    const [error] = (await once(socket, 'error')) as [MptError];
    expect(error.code).toBe(MptErrorCode.ConnectTimeout);
    expect(error.message).toMatch(/within 400 ms/);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  test('timeout does not fail the handshake', async () => {
    const hole = await blackhole();
    const socket = client(connect({ port: hole.port, host: '127.0.0.1', timeout: 100, connectTimeout: 600 }));
    await once(socket, 'timeout');
    expect(socket.destroyed).toBe(false);
    expect(socket.connecting).toBe(true);
    const [error] = (await once(socket, 'error')) as [MptError];
    expect(error.code).toBe(MptErrorCode.ConnectTimeout);
  });
});

describe('abort errors', () => {
  test("an aborted connect fails with node:net's ABORT_ERR named AbortError", async () => {
    const hole = await blackhole();
    const controller = new AbortController();
    const socket = client(connect({ port: hole.port, host: '127.0.0.1', signal: controller.signal }));
    setTimeout(() => controller.abort(), 20);
    const [error] = (await once(socket, 'error')) as [MptError];
    expect(MptErrorCode.Aborted).toBe('ABORT_ERR');
    expect(error.code).toBe('ABORT_ERR');
    expect(error.name).toBe('AbortError');
  });
});

describe('listen() forms', () => {
  test('listen(port, host, backlog, cb) returns the server; address() is known at once, listening true, the event later', async () => {
    const server = track(createServer());
    let emitted = false;
    const onListening = vi.fn(() => (emitted = true));
    expect(server.listen(0, '127.0.0.1', 511, onListening)).toBe(server);
    expect(emitted).toBe(false);
    expect(server.listening).toBe(true);
    expect(server.address()).toMatchObject({ address: '127.0.0.1', family: 'IPv4' });
    expect((server.address() as net.AddressInfo).port).toBeGreaterThan(0);
    await once(server, 'listening');
    expect(onListening).toHaveBeenCalledTimes(1);
  });

  test('listen(port, cb) and listen(cb) and listen() bind the wildcard at once, as net', async () => {
    for (const call of [(s: MptServer, cb: () => void) => s.listen(0, cb), (s: MptServer, cb: () => void) => s.listen(cb), (s: MptServer, cb: () => void) => s.listen().once('listening', cb)]) {
      const server = track(createServer());
      const onListening = vi.fn();
      call(server, onListening);
      expect(server.address()?.port).toBeGreaterThan(0);
      expect(['::', '0.0.0.0']).toContain(server.address()?.address);
      await once(server, 'listening');
      expect(onListening).toHaveBeenCalledTimes(1);
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('listen({ port, host, backlog, exclusive, ipv6Only }, cb)', async () => {
    const server = track(createServer());
    const onListening = vi.fn();
    server.listen({ port: '0' as unknown as number, host: '127.0.0.1', backlog: 10, exclusive: true, ipv6Only: false }, onListening);
    expect(server.address()?.address).toBe('127.0.0.1');
    await once(server, 'listening');
    expect(onListening).toHaveBeenCalledTimes(1);
  });

  test('listen({ port: 0, ipv6Only: true }) binds :: for IPv6 only: the IPv4 port stays free', async () => {
    const bindV4 = (port: number): Promise<string | undefined> =>
      new Promise((resolve) => {
        const s = createSocket('udp4');
        s.once('error', (e: NodeJS.ErrnoException) => {
          s.close();
          resolve(e.code);
        });
        s.bind({ port, address: '127.0.0.1', exclusive: true }, () => {
          s.close();
          resolve(undefined);
        });
      });
    const only6 = track(createServer()).listen({ port: 0, ipv6Only: true });
    await once(only6, 'listening');
    if (only6.address()?.address !== '::') return; // no IPv6 here: the server fell back to 0.0.0.0
    expect(await bindV4((only6.address() as net.AddressInfo).port)).toBeUndefined();
    const dual = track(createServer()).listen({ port: 0 });
    await once(dual, 'listening');
    expect(await bindV4((dual.address() as net.AddressInfo).port)).toBe('EADDRINUSE');
  });

  test('listen({ port: 0, host: name }) resolves the name first: address() null until it binds', async () => {
    const server = track(createServer());
    server.listen({ port: 0, host: 'localhost' });
    expect(server.address()).toBeNull();
    await once(server, 'listening');
    expect(server.address()?.port).toBeGreaterThan(0);
  });

  test('close() before the next tick: no listening event, as net', async () => {
    const server = track(createServer());
    const onListening = vi.fn();
    server.listen(0, '127.0.0.1', onListening);
    server.close();
    await once(server, 'close');
    expect(onListening).not.toHaveBeenCalled();
  });

  test('listen again after close', async () => {
    const { server } = await listening();
    await new Promise((resolve) => server.close(resolve));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    expect(server.listening).toBe(true);
  });

  test('a listen callback that throws is an uncaught exception, not an error event', async () => {
    const saved = process.listeners('uncaughtException');
    process.removeAllListeners('uncaughtException');
    try {
      for (const host of ['127.0.0.1', 'localhost']) {
        const server = track(createServer());
        const onError = vi.fn();
        server.on('error', onError);
        const uncaught = new Promise<unknown>((resolve) => process.once('uncaughtException', resolve));
        server.listen(0, host, () => {
          throw new Error('from the callback');
        });
        expect(((await uncaught) as Error).message).toBe('from the callback');
        expect(onError).not.toHaveBeenCalled();
        expect(server.listening).toBe(true);
      }
    } finally {
      for (const l of saved) process.on('uncaughtException', l);
    }
  });

  test('a failed bind is an error event on a later tick', async () => {
    const { port } = await listening();
    const server = track(createServer());
    const onError = vi.fn();
    server.on('error', onError);
    server.listen(port, '127.0.0.1');
    expect(onError).not.toHaveBeenCalled();
    const [error] = (await once(server, 'error')) as [MptError];
    expect(error.code).toBe(MptErrorCode.AddressInUse); // EADDRINUSE, as net's
    expect(server.listening).toBe(false);
  });
});

describe("listen()'s and close()'s errors are node:net's", () => {
  const cases: [string, unknown[]][] = [
    ['port -1', [-1]],
    ['port 70000', [70000]],
    ['{ port: -1 }', [{ port: -1 }]],
    ["{ port: 'x' }", [{ port: 'x' }]],
    ['{ port: true }', [{ port: true }]],
    ['{ port: 1.5 }', [{ port: 1.5 }]],
    ['{}', [{}]],
    ['{ host } without a port', [{ host: '127.0.0.1' }]],
    ['{ foo: 1 }', [{ foo: 1 }]],
    ['host 5', [{ port: 0, host: 5 }]],
    ["signal 'x'", [{ port: 0, signal: 'x' }]],
    ['signal null', [{ port: 0, signal: null }]],
  ];
  for (const [name, args] of cases) {
    test(name, () => {
      const theirs = thrown(() => (net.createServer().listen as (...a: unknown[]) => net.Server)(...args));
      const ours = thrown(() => (createServer().listen as (...a: unknown[]) => MptServer)(...args));
      expect(theirs).toBeDefined();
      expect(ours).toEqual(theirs);
    });
  }

  test('listen twice: ERR_SERVER_ALREADY_LISTEN', async () => {
    const theirs = track(net.createServer().listen(0));
    const { server } = await listening();
    const expected = thrown(() => theirs.listen(0));
    expect(expected?.code).toBe('ERR_SERVER_ALREADY_LISTEN');
    expect(thrown(() => server.listen(0))).toEqual(expected);
    // Right after listen() too (the sockets are bound at once).
    const fresh = track(createServer());
    fresh.listen(0, '127.0.0.1');
    expect(thrown(() => fresh.listen(0))).toEqual(expected);
  });

  test("IPC paths are refused: ERR_MPT_INVALID_CONFIG", () => {
    expect(thrown(() => createServer().listen('/tmp/mpt.sock'))?.code).toBe(MptErrorCode.InvalidConfig);
    expect(thrown(() => createServer().listen({ path: '/tmp/mpt.sock' } as never))?.code).toBe(MptErrorCode.InvalidConfig);
  });

  test('close() when not listening: close is emitted and the callback gets ERR_SERVER_NOT_RUNNING, as net', async () => {
    const expected = await new Promise<Error>((resolve) => net.createServer().close((e) => resolve(e as Error)));
    const server = createServer();
    const onClose = vi.fn();
    server.on('close', onClose);
    const error = await new Promise<Error | undefined>((resolve) => expect(server.close(resolve)).toBe(server));
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(MptError);
    expect({ code: (error as NodeJS.ErrnoException).code, message: error?.message, name: error?.name }).toEqual({
      code: (expected as NodeJS.ErrnoException).code,
      message: expected.message,
      name: expected.name,
    });
    expect((error as NodeJS.ErrnoException).code).toBe('ERR_SERVER_NOT_RUNNING');
    expect(onClose).toHaveBeenCalledTimes(1);
  });

  test("close() twice: the second callback gets ERR_SERVER_NOT_RUNNING, and callbacks run in turn with 'close' listeners, as net", async () => {
    const record = async (server: { close(cb: (e?: Error) => void): unknown; on(event: 'close', l: () => void): unknown }): Promise<string[]> => {
      const order: string[] = [];
      server.close((e) => order.push(`first ${String((e as NodeJS.ErrnoException | undefined)?.code)}`));
      server.on('close', () => order.push('listener'));
      server.close((e) => order.push(`second ${String((e as NodeJS.ErrnoException | undefined)?.code)}`));
      await new Promise((resolve) => setTimeout(resolve, 100));
      return order;
    };
    const theirs = net.createServer();
    theirs.listen(0, '127.0.0.1');
    await once(theirs, 'listening');
    const expected = await record(theirs);
    expect(expected.slice(0, 3)).toEqual(['first undefined', 'listener', 'second ERR_SERVER_NOT_RUNNING']);
    const { server } = await listening();
    expect(await record(server)).toEqual(expected);
  });
});

describe('Symbol.asyncDispose', () => {
  test('a socket: destroyed at once with an AbortError, resolves once closed', async () => {
    const { server, port } = await listening();
    const socket = client(connect(port, '127.0.0.1'));
    const [accepted] = (await once(server, 'connection')) as [MptSocket];
    const errors: unknown[] = [];
    socket.on('error', (e) => errors.push(e));
    let wasClosed = false;
    socket.on('close', () => (wasClosed = true));
    const disposing = socket[Symbol.asyncDispose]();
    expect(socket.destroyed).toBe(true);
    await disposing;
    expect(wasClosed).toBe(true);
    expect((errors[0] as MptError).code).toBe('ABORT_ERR');
    expect((errors[0] as MptError).name).toBe('AbortError');
    await closed(accepted);
  });

  test('await using: the socket and the server are disposed of at the end of the block', async () => {
    let server: MptServer | undefined;
    let socket: MptSocket | undefined;
    {
      await using s = track(createServer());
      server = s;
      s.on('connection', (a: MptSocket) => a.on('error', () => {}));
      s.listen(0, '127.0.0.1');
      const port = (s.address() as net.AddressInfo).port;
      await using c = client(connect(port, '127.0.0.1'));
      socket = c;
      await once(c, 'connect');
    }
    expect(socket.destroyed).toBe(true);
    expect(server.listening).toBe(false);
  });

  test('a socket destroyed before its end: rejects with ERR_STREAM_PREMATURE_CLOSE, as net', async () => {
    const theirs = new net.Socket();
    theirs.destroy();
    const expected = await theirs[Symbol.asyncDispose]().then(() => 'resolved', (e: NodeJS.ErrnoException) => e.code);
    expect(expected).toBe('ERR_STREAM_PREMATURE_CLOSE');
    const socket = client(new MptSocket());
    socket.destroy();
    expect(await socket[Symbol.asyncDispose]().then(() => 'resolved', (e: NodeJS.ErrnoException) => e.code)).toBe(expected);
  });

  test('a socket whose end was read: destroyed without an error (the promise settles as net\'s)', async () => {
    const { port } = await listening({}, (s) => s.end('bye'));
    const socket = client(connect({ port, host: '127.0.0.1', allowHalfOpen: true }));
    socket.resume();
    await once(socket, 'end');
    const errors: unknown[] = [];
    socket.on('error', (e) => errors.push(e));
    // node:net rejects here too: the writable side was destroyed before it finished.
    const outcome = await socket[Symbol.asyncDispose]().then(() => 'resolved', (e: NodeJS.ErrnoException) => e.code);
    expect(outcome).toBe('ERR_STREAM_PREMATURE_CLOSE');
    expect(socket.destroyed).toBe(true);
    expect(errors).toEqual([]);
  });

  test('a server: closes and resolves on close; one not listening resolves at once without close', async () => {
    const { server } = await listening();
    const onClose = vi.fn();
    server.on('close', onClose);
    await server[Symbol.asyncDispose]();
    expect(onClose).toHaveBeenCalledTimes(1);
    expect(server.listening).toBe(false);
    const idle = createServer();
    const idleClose = vi.fn();
    idle.on('close', idleClose);
    await idle[Symbol.asyncDispose]();
    await new Promise((resolve) => setImmediate(resolve));
    expect(idleClose).not.toHaveBeenCalled();
  });
});

describe('setters return this', () => {
  test('socket', () => {
    const socket = new MptSocket();
    expect(socket.setTimeout(0)).toBe(socket);
    expect(socket.setTimeout(1000, () => {})).toBe(socket);
    expect(socket.setNoDelay(true)).toBe(socket);
    expect(socket.setKeepAlive(true, 1000)).toBe(socket);
    expect(socket.ref()).toBe(socket);
    expect(socket.unref()).toBe(socket);
    socket.destroy();
  });

  test('server', async () => {
    const server = track(createServer());
    expect(server.ref()).toBe(server);
    expect(server.unref()).toBe(server);
    expect(server.listen(0, '127.0.0.1')).toBe(server);
    expect(server.getConnections(() => {})).toBe(server);
    expect(server.close()).toBe(server);
    await once(server, 'close');
  });
});

describe('members', () => {
  test('localFamily, server, bufferSize on both ends', async () => {
    const { server, port } = await listening();
    const fresh = new MptSocket();
    expect(fresh.localFamily).toBeUndefined();
    expect(fresh.bufferSize).toBeUndefined();
    expect(fresh.server).toBeNull();
    fresh.destroy();
    const socket = client(connect(port, '127.0.0.1'));
    expect(socket.bufferSize).toBe(0);
    const [[accepted]] = (await Promise.all([once(server, 'connection'), once(socket, 'connect')])) as [[MptSocket], unknown];
    expect(socket.localFamily).toBe('IPv4');
    expect(accepted.localFamily).toBe('IPv4');
    expect(socket.server).toBeNull();
    expect(accepted.server).toBe(server);
    socket.cork();
    socket.write('abc');
    expect(socket.bufferSize).toBe(socket.writableLength);
    expect(socket.bufferSize).toBe(3);
    socket.uncork();
    socket.destroy();
    expect(socket.bufferSize).toBeUndefined();
  });

  test('server.maxConnections: a connection beyond it is closed and reported as drop', async () => {
    const { server, port } = await listening();
    expect(server.maxConnections).toBeUndefined();
    server.maxConnections = 1;
    const first = client(connect(port, '127.0.0.1'));
    await once(server, 'connection');
    const onConnection = vi.fn();
    server.on('connection', onConnection);
    const second = client(connect(port, '127.0.0.1'));
    const [drop] = (await once(server, 'drop')) as [Record<string, unknown>];
    expect(drop).toMatchObject({ localAddress: '127.0.0.1', localPort: port, localFamily: 'IPv4', remoteAddress: '127.0.0.1', remoteFamily: 'IPv4' });
    await closed(second);
    expect(drop.remotePort).toBe(second.localPort);
    expect(onConnection).not.toHaveBeenCalled();
    const count = await new Promise<number>((resolve) => server.getConnections((_e, n) => resolve(n)));
    expect(count).toBe(1);
    expect(first.destroyed).toBe(false);
  });

  test('server.maxConnections 0 is no limit, as net', async () => {
    const { server, port } = await listening();
    server.maxConnections = 0;
    const onDrop = vi.fn();
    server.on('drop', onDrop);
    const socket = client(connect(port, '127.0.0.1'));
    await Promise.all([once(server, 'connection'), once(socket, 'connect')]);
    expect(onDrop).not.toHaveBeenCalled();
  });

  test("createServer({ highWaterMark }) is the accepted sockets' buffer limit, as net", async () => {
    const { server, port } = await listening({ highWaterMark: 1024 });
    client(connect(port, '127.0.0.1'));
    const [accepted] = (await once(server, 'connection')) as [MptSocket];
    expect([accepted.readableHighWaterMark, accepted.writableHighWaterMark]).toEqual([1024, 1024]);
  });

  test('maxConnections starts as the option', () => {
    expect(createServer({ maxConnections: 5 }).maxConnections).toBe(5);
  });

  test('pauseOnConnect: no data flows until resume()', async () => {
    const { server, port } = await listening({ pauseOnConnect: true });
    const socket = client(connect(port, '127.0.0.1'));
    const [accepted] = (await once(server, 'connection')) as [MptSocket];
    expect(accepted.isPaused()).toBe(true);
    const chunks: Buffer[] = [];
    accepted.on('data', (c: Buffer) => chunks.push(c));
    socket.write('hello');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(chunks).toHaveLength(0);
    accepted.resume();
    await once(accepted, 'data');
    expect(Buffer.concat(chunks).toString()).toBe('hello');
  });

  test('noDelay is accepted; keepAlive and keepAliveInitialDelay call setKeepAlive, on clients and accepted sockets', async () => {
    const spy = vi.spyOn(MptSocket.prototype, 'setKeepAlive');
    const { server, port } = await listening({ keepAlive: true, keepAliveInitialDelay: 2_000, noDelay: true });
    const socket = client(connect({ port, host: '127.0.0.1', keepAlive: true, keepAliveInitialDelay: 1_000, noDelay: true }));
    expect(spy).toHaveBeenCalledWith(true, 1_000);
    await Promise.all([once(server, 'connection'), once(socket, 'connect')]);
    expect(spy).toHaveBeenCalledWith(true, 2_000);
  });
});
