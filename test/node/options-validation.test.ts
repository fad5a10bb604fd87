// Options fail early and loudly: connect(), socket.connect(), new MptSocket(), createServer() and
// server.listen() throw ERR_MPT_INVALID_CONFIG at once, naming the option, for an unknown key (with the
// nearest known key for a near miss), a node:net option mpt does not support, a value of the wrong type,
// or a transport setting out of range; `pathManager` takes the built-in managers by name. Sockets on
// 127.0.0.1 only.
import { afterEach, describe, expect, test, vi } from 'vitest';
import { Endpoint } from '../../src/core/endpoint.js';
import {
  connect,
  createCongestionGroup,
  createScheduler,
  createServer,
  generateKeyPair,
  MptError,
  MptErrorCode,
  MptServer,
  MptSocket,
  type MptConnectOptions,
  type PathManager,
  type PathManagerFactory,
} from '../../src/index.js';
import { accepted, cleanup, dial, listen, pathUp } from '../e2e/helpers.js';

afterEach(async () => {
  vi.restoreAllMocks();
  await cleanup();
});

/** Runs `f`, which must throw synchronously an ERR_MPT_INVALID_CONFIG whose message matches every pattern. */
function expectInvalid(f: () => unknown, ...patterns: (string | RegExp)[]): MptError {
  let thrown: unknown;
  try {
    f();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, 'should throw synchronously').toBeInstanceOf(MptError);
  const error = thrown as MptError;
  expect(error.code).toBe(MptErrorCode.InvalidConfig);
  for (const p of patterns) expect(error.message).toMatch(p);
  return error;
}

/** connect() with options that must be accepted: it returns a socket (then aborted before it starts). */
function connectAccepted(options: Record<string, unknown>): MptSocket {
  const socket = connect({ host: '127.0.0.1', port: 9, ...options, signal: AbortSignal.abort() } as unknown as MptConnectOptions);
  socket.on('error', () => {});
  return socket;
}

describe('unknown keys', () => {
  test('connect(): a near miss names the key and suggests the known one (edit distance, case-insensitive)', () => {
    expectInvalid(() => connect({ port: 9, idleTimeout: 5000 } as unknown as MptConnectOptions), 'connect()', 'idleTimeout', 'did you mean idleTimeoutMs?');
    expectInvalid(() => connect({ port: 9, pathmanager: 'backup' } as unknown as MptConnectOptions), 'did you mean pathManager?');
    expectInvalid(() => connect({ port: 9, congestionControll: 'lia' } as unknown as MptConnectOptions), 'did you mean congestionControl?');
    expectInvalid(() => connect({ port: 9, localAdress: '127.0.0.1' } as unknown as MptConnectOptions), 'did you mean localAddress?');
  });

  test('connect(): a key far from every known one is named, with no suggestion', () => {
    const error = expectInvalid(() => connect({ port: 9, frobnicate: true } as unknown as MptConnectOptions), 'unknown option frobnicate');
    expect(error.message).not.toMatch('did you mean');
  });

  test('an unknown key is an error even when its value is undefined (a typo is still a typo)', () => {
    expectInvalid(() => connect({ port: 9, idleTimeout: undefined } as unknown as MptConnectOptions), 'did you mean idleTimeoutMs?');
  });

  test('socket.connect(), new MptSocket(), createServer(), new MptServer() and listen() check their keys too', () => {
    expectInvalid(() => new MptSocket().connect({ port: 9, maxpaths: 2 } as unknown as MptConnectOptions), 'did you mean maxPaths?');
    expectInvalid(() => new MptSocket({ allowHalfopen: true } as never), 'new MptSocket()', 'did you mean allowHalfOpen?');
    expectInvalid(() => createServer({ maxConection: 5 } as never), 'createServer()', 'did you mean maxConnections?');
    expectInvalid(() => createServer({ verifyClient: () => true } as never, () => {}), 'did you mean verifyClientKey?');
    expectInvalid(() => new MptServer({ acceptEarlydata: true } as never), 'did you mean acceptEarlyData?');
    expectInvalid(() => createServer().listen({ port: 0, hosts: ['127.0.0.1'] } as never), 'listen()', 'did you mean host?');
  });

  test('undefined values are fine for every known key', () => {
    const socket = connectAccepted({ idleTimeoutMs: undefined, pathManager: undefined, serverKey: undefined, localAddresses: undefined, noDelay: undefined });
    expect(socket).toBeInstanceOf(MptSocket);
    expect(() => createServer({ retry: undefined, congestionControl: undefined, pathManager: undefined })).not.toThrow();
  });
});

describe("node:net's options", () => {
  test('those mpt supports are accepted by connect()', () => {
    const net = {
      timeout: 1000,
      connectTimeout: 2000,
      noDelay: true,
      keepAlive: true,
      keepAliveInitialDelay: 1000,
      autoSelectFamily: true,
      autoSelectFamilyAttemptTimeout: 250,
      hints: 0,
      localPort: 0,
      localAddress: '127.0.0.1',
      family: 4,
      lookup: (_h: string, _o: object, cb: (e: null, a: string, f: number) => void) => cb(null, '127.0.0.1', 4),
      allowHalfOpen: true,
      highWaterMark: 65_536,
    };
    expect(connectAccepted(net)).toBeInstanceOf(MptSocket);
  });

  test('those it cannot support throw, saying which and why', () => {
    expectInvalid(() => connect({ port: 9, fd: 3 } as never), "node:net's option fd is not supported by mpt", 'UDP');
    expectInvalid(() => connect({ port: 9, path: '/tmp/x.sock' } as never), "node:net's option path is not supported by mpt", 'IPC');
    expectInvalid(() => connect({ port: 9, onread: { buffer: Buffer.alloc(10), callback: () => {} } } as never), "option onread is not supported");
    expectInvalid(() => connect({ port: 9, readable: true } as never), "option readable is not supported");
    expectInvalid(() => connect({ port: 9, writable: true } as never), "option writable is not supported");
    expectInvalid(() => new MptSocket({ fd: 3 } as never), "option fd is not supported");
  });

  test('createServer() takes allowHalfOpen, pauseOnConnect, noDelay, keepAlive, keepAliveInitialDelay, highWaterMark', () => {
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: false, noDelay: true, keepAlive: true, keepAliveInitialDelay: 0, highWaterMark: 1024 } as never);
    expect(server).toBeInstanceOf(MptServer);
  });

  test("listen() takes backlog, exclusive, ipv6Only and signal; refuses the IPC options and reusePort", () => {
    const ac = new AbortController();
    ac.abort();
    expect(() => createServer().listen({ port: 0, host: '127.0.0.1', backlog: 511, exclusive: false, ipv6Only: false, signal: ac.signal } as never)).not.toThrow();
    expectInvalid(() => createServer().listen({ path: '/tmp/x.sock' } as never), "option path is not supported", 'IPC');
    expectInvalid(() => createServer().listen({ port: 0, readableAll: true } as never), "option readableAll is not supported");
    expectInvalid(() => createServer().listen({ port: 0, writableAll: true } as never), "option writableAll is not supported");
    expectInvalid(() => createServer().listen({ port: 0, reusePort: true } as never), "option reusePort is not supported");
  });
});

describe('transport settings are checked synchronously', () => {
  const bad: [Record<string, unknown>, string | RegExp][] = [
    [{ idleTimeoutMs: -1 }, 'idleTimeoutMs must be an integer from 0 to 3600000, got -1'],
    [{ idleTimeoutMs: '5s' }, 'idleTimeoutMs'],
    [{ congestionControl: 'bbr' }, 'congestionControl'],
    [{ scheduler: 'fastest' }, 'scheduler'],
    [{ congestionControl: { createControler() {} } }, /congestionControl must be one of .*, got an object without createController/],
    [{ congestionControl: 5 }, /congestionControl must be one of olia, .* or a function that returns one, got number/],
    [{ scheduler: { order() {} } }, /scheduler must be one of minrtt, .* or a function that returns a Scheduler \(one per connection\), got object/],
    [{ maxPaths: 0 }, 'maxPaths must be an integer from 1 to 256, got 0'],
    [{ maxPaths: 2.5 }, 'maxPaths must be an integer'],
    [{ pacing: 'yes' }, 'pacing must be a boolean'],
    [{ initialWindowBytes: 1 << 22, maxWindowBytes: 1 << 21 }, 'maxWindowBytes must be at least initialWindowBytes'],
    [{ maxDatagramSizeBytes: 100 }, 'maxDatagramSizeBytes'],
  ];
  test.each(bad)('connect(%o) throws naming the option', (options, message) => {
    expectInvalid(() => connect({ port: 9, ...options } as unknown as MptConnectOptions), 'connect()', message);
  });
  test.each(bad)('createServer(%o) throws naming the option', (options, message) => {
    expectInvalid(() => createServer(options as never), 'createServer()', message);
  });

  test('window sizes are checked against each other, not each against the other default', () => {
    // Both below the default initial window, equal: fine (each on its own used to be compared with the
    // other's default and refused).
    const small = { initialWindowBytes: 256 * 1024, maxWindowBytes: 256 * 1024 };
    expect(connectAccepted(small)).toBeInstanceOf(MptSocket);
    expect(() => createServer(small).close()).not.toThrow();
    expectInvalid(() => createServer({ initialWindowBytes: 512 * 1024, maxWindowBytes: 256 * 1024 }), 'createServer()', 'maxWindowBytes must be at least initialWindowBytes');
  });

  test('a valid transport setting passes', () => {
    expect(connectAccepted({ idleTimeoutMs: 5000, congestionControl: 'cubic', scheduler: 'roundrobin', maxPaths: 4, pacing: false })).toBeInstanceOf(MptSocket);
  });

  test('congestion control and the scheduler may be factories', () => {
    const group = createCongestionGroup('reno');
    expect(connectAccepted({ congestionControl: group, scheduler: () => createScheduler('roundrobin') })).toBeInstanceOf(MptSocket);
    expect(connectAccepted({ congestionControl: () => createCongestionGroup('olia') })).toBeInstanceOf(MptSocket);
    expect(() => createServer({ congestionControl: group, scheduler: () => createScheduler('minrtt') })).not.toThrow();
  });
});

describe('the other options are type-checked', () => {
  const bad: [Record<string, unknown>, string][] = [
    [{ serverKey: new Uint8Array(16) }, 'serverKey must be a Uint8Array of 32 bytes, got a Uint8Array of 16 bytes'],
    [{ serverKey: 'ab'.repeat(32) }, 'serverKey must be a Uint8Array'],
    [{ psk: new Uint8Array(31) }, 'psk must be a Uint8Array of 32 bytes'],
    [{ keyPair: { publicKey: new Uint8Array(32) } }, 'keyPair.privateKey'],
    [{ verifyServerKey: true }, 'verifyServerKey must be a function'],
    [{ lookup: 'dns' }, 'lookup must be a function'],
    [{ earlyData: 'hello' }, 'earlyData must be a Uint8Array'],
    [{ localAddresses: ['127.0.0.1', 'wlan0'] }, 'localAddresses[1] must be an IP address'],
    [{ localAddresses: '127.0.0.1' }, 'localAddresses must be an array'],
    [{ localAddress: '127.0.0.1', localAddresses: ['127.0.0.2'] }, 'give localAddress or localAddresses, not both'],
    [{ extraRemotes: [{ host: 'example.com', port: 1 }] }, 'extraRemotes[0].host must be an IP address'],
    [{ localPort: 70_000 }, 'localPort must be an integer from 0 to 65535'],
    [{ interfaceMonitor: 'on' }, 'interfaceMonitor must be a boolean, an InterfaceMonitor or its options'],
    [{ interfaceMonitor: { interval: 100 } }, 'interfaceMonitor.interval (did you mean interfaceMonitor.intervalMs?)'],
    [{ signal: {} }, 'signal must be an AbortSignal'],
    [{ allowHalfOpen: 'yes' }, 'allowHalfOpen must be a boolean'],
    [{ noDelay: 1 }, 'noDelay must be a boolean'],
    [{ provider: {} }, 'provider must be a CryptoProvider'],
    [{ happyEyeballsCache: new Map() }, 'happyEyeballsCache'],
  ];
  test.each(bad)('connect(%o) throws naming the option', (options, message) => {
    expectInvalid(() => connect({ port: 9, ...options } as unknown as MptConnectOptions), message);
  });

  // Options node:net checks itself throw node:net's errors, as net's connect() does (test/node/net-api.test.ts).
  const netChecked: [Record<string, unknown>, string][] = [
    [{ family: 5 }, 'ERR_INVALID_ARG_VALUE'],
    [{ localAddress: 'eth0' }, 'ERR_INVALID_IP_ADDRESS'],
    [{ timeout: -5 }, 'ERR_OUT_OF_RANGE'],
  ];
  test.each(netChecked)('connect(%o) throws node:net\'s %s', (options, code) => {
    expect(() => connect({ port: 9, ...options } as unknown as MptConnectOptions)).toThrow(expect.objectContaining({ code }));
  });

  test('createServer(): keys, functions, booleans, counts', () => {
    expectInvalid(() => createServer({ psk: new Uint8Array(8) }), 'psk must be a Uint8Array of 32 bytes');
    expectInvalid(() => createServer({ keyPair: { publicKey: new Uint8Array(32), privateKey: new Uint8Array(2) } }), 'keyPair.privateKey');
    expectInvalid(() => createServer({ verifyClientKey: 'yes' } as never), 'verifyClientKey must be a function');
    expectInvalid(() => createServer({ retry: 'sometimes' } as never), 'retry must be one of true, false, "auto"');
    expectInvalid(() => createServer({ maxConnections: -1 }), 'maxConnections must be an integer >= 0');
    expectInvalid(() => createServer({ acceptEarlyData: 1 } as never), 'acceptEarlyData must be a boolean');
    expect(() => createServer({ retry: 'auto', keyPair: generateKeyPair(), psk: new Uint8Array(32) })).not.toThrow();
  });

  test('options that are not an object', () => {
    expectInvalid(() => createServer('fast' as never), 'createServer(): the options must be an object');
    expectInvalid(() => new MptSocket('fast' as never), 'new MptSocket(): the options must be an object');
  });
});

describe('pathManager', () => {
  test('an unknown name throws, listing the names (and the near one)', () => {
    expectInvalid(() => connect({ port: 9, pathManager: 'nope' } as never), 'pathManager "nope" is not a built-in path manager', '"fullmesh", "backup", "none", "handover", "interactive", "aggregate"');
    expectInvalid(() => connect({ port: 9, pathManager: 'Backup' } as never), 'did you mean "backup"?');
    expectInvalid(() => createServer({ pathManager: 'mesh' } as never), 'createServer()', 'pathManager "mesh"');
  });

  test('a value that is neither a name, a function nor a PathManager throws', () => {
    expectInvalid(() => connect({ port: 9, pathManager: 42 } as never), 'pathManager must be one of');
    expectInvalid(() => connect({ port: 9, pathManager: { onEstablished() {} } } as never), 'pathManager must be a PathManager object with a string name');
    expectInvalid(() => connect({ port: 9, pathManager: { name: 'x', onPathUp: 'later' } } as never), 'pathManager.onPathUp must be a function');
  });

  test('every built-in name is accepted', () => {
    for (const name of ['fullmesh', 'backup', 'none', 'handover', 'interactive', 'aggregate']) {
      expect(connectAccepted({ pathManager: name })).toBeInstanceOf(MptSocket);
      expect(createServer({ pathManager: name } as never)).toBeInstanceOf(MptServer);
    }
  });

  test("a client's 'backup' is the backup manager: the engine gets it, and the second path stands by as a backup", async () => {
    const create = vi.spyOn(Endpoint.prototype, 'connect');
    const server = await listen();
    const peer = accepted(server);
    const client = dial({ port: server.port, localAddresses: ['127.0.0.1', '127.0.0.2'], pathManager: 'backup' });
    const up = pathUp(client, 1);
    await peer;
    const given = create.mock.calls[0]?.[3]?.pathManager as PathManagerFactory | undefined;
    const plugin: PathManager | undefined = typeof given === 'function' ? given() : given;
    expect(plugin?.name).toBe('backup');
    const event = await up;
    expect(event.path?.local.host).toBe('127.0.0.2');
    expect(event.path?.status).toBe('backup');
    expect(client.paths.map((p) => p.status)).toEqual(['active', 'backup']);
  });

  test("by default (fullmesh) the same second path carries data: 'backup' is what made it stand by", async () => {
    const server = await listen();
    const peer = accepted(server);
    const client = dial({ port: server.port, localAddresses: ['127.0.0.1', '127.0.0.2'] });
    const up = pathUp(client, 1);
    await peer;
    expect((await up).path?.status).toBe('active');
  });

  test("'none' gives the connection no path manager; a server's name reaches its endpoint", async () => {
    const connectSpy = vi.spyOn(Endpoint.prototype, 'connect');
    const createSpy = vi.spyOn(Endpoint, 'create');
    const server = await listen({ pathManager: 'fullmesh' });
    const serverManager = createSpy.mock.calls[0]?.[0]?.server?.pathManager;
    expect(typeof serverManager === 'function' ? serverManager().name : serverManager?.name).toBe('fullmesh');
    const peer = accepted(server);
    const client = dial({ port: server.port, localAddresses: ['127.0.0.1', '127.0.0.2'], pathManager: 'none' });
    await peer;
    expect(connectSpy.mock.calls[0]?.[3]?.pathManager).toBeUndefined();
    expect(client.paths).toHaveLength(1);
  });
});
