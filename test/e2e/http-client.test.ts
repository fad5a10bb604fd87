// Real HTTP clients over mpt, as over node:net: node:http's server fed mpt sockets, node:http's client
// through a keep-alive Agent whose createConnection returns an mpt socket, and undici's Client with a
// `connect` function that hands it one. Real UDP on 127.0.0.1.
//
// What is asserted is what the same scenarios give over node:net, and every scenario runs over node:net
// too, as a control (TCP on 127.0.0.1): one connection carries every request, the 10 MB body arrives
// intact, and closing the idle client is a clean close on both sides, no 'error' on the server's socket,
// no 'clientError'. undici's close() destroys its socket with its own ClientDestroyedError
// (UND_ERR_DESTROYED), which the socket re-emits as its 'error': that one, and only that one, is the
// client's own doing and is allowed on the client socket. Over node:net that destroy(error) is still a
// FIN when nothing is unread: the server sees 'end', no error.
import { createHash, randomBytes } from 'node:crypto';
import { once, type EventEmitter } from 'node:events';
import http from 'node:http';
import net, { type AddressInfo, type Socket as NetSocket } from 'node:net';
import type { Duplex } from 'node:stream';
import { Client } from 'undici';
import { afterEach, describe, expect, test } from 'vitest';
import { cleanup, dial, listen } from './helpers.js';

/** Bytes of the POST body. */
const POST_BYTES = 10 * 1024 * 1024;
/** Sequential GETs on one connection. */
const GETS = 20;

/** How the test gets a server's sockets and dials it: mpt, or node:net as the control. */
interface Transport {
  readonly name: string;
  /** A listening server on 127.0.0.1 whose 'connection' events carry the accepted sockets. */
  listen(): Promise<{ port: number; server: EventEmitter }>;
  /** A socket connecting to `port` on 127.0.0.1; 'connect' when connected. */
  dial(port: number): Duplex;
}

const netServers = new Set<net.Server>();
const netSockets = new Set<NetSocket>();

const MPT: Transport = {
  name: 'mpt',
  async listen() {
    const server = await listen();
    return { port: server.port, server };
  },
  dial: (port) => dial({ port }),
};

const NET: Transport = {
  name: 'node:net (control)',
  async listen() {
    const server = net.createServer();
    netServers.add(server);
    server.on('connection', (s) => netSockets.add(s));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return { port: (server.address() as AddressInfo).port, server };
  },
  dial(port) {
    const socket = net.connect({ port, host: '127.0.0.1' });
    netSockets.add(socket);
    return socket;
  },
};

afterEach(async () => {
  for (const socket of netSockets) socket.destroy();
  netSockets.clear();
  await Promise.all([...netServers].map((s) => new Promise((resolve) => s.close(resolve))));
  netServers.clear();
  await cleanup();
});

/** What the server side saw. */
interface ServerLog {
  /** Every socket the mpt (or net) server handed to the http server. */
  readonly sockets: Duplex[];
  /** 'error' events on those sockets. */
  readonly socketErrors: (Error & { code?: string })[];
  /** The http server's 'clientError' events. */
  readonly clientErrors: (Error & { code?: string })[];
  /** The `hadError` of each server socket's 'close', in order. */
  readonly closes: boolean[];
  /** Requests the http server answered. */
  requests: number;
}

/**
 * node:http's server on an mpt server (or a net one): GET answers its count and path; POST answers the
 * SHA-256 and length of its body, hashed as it streams in.
 */
async function httpOver(transport: Transport): Promise<{ port: number; log: ServerLog; closed: (n: number) => Promise<void> }> {
  const log: ServerLog = { sockets: [], socketErrors: [], clientErrors: [], closes: [], requests: 0 };
  const httpServer = http.createServer((req, res) => {
    log.requests++;
    if (req.method === 'POST') {
      const hash = createHash('sha256');
      let bytes = 0;
      req.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        bytes += chunk.length;
      });
      req.on('end', () => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ bytes, sha256: hash.digest('hex') }));
      });
      return;
    }
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ n: log.requests, path: req.url }));
  });
  httpServer.on('clientError', (error: Error) => log.clientErrors.push(error));
  const { port, server } = await transport.listen();
  server.on('connection', (s: Duplex) => {
    log.sockets.push(s);
    s.on('error', (error: Error) => log.socketErrors.push(error));
    s.on('close', (hadError: boolean) => log.closes.push(hadError));
  });
  // The wiring the issue names: the mpt server's sockets go to the http server as its connections.
  server.on('connection', (s: Duplex) => httpServer.emit('connection', s));
  /** Resolves once `n` server sockets have closed. */
  const closed = async (n: number): Promise<void> => {
    while (log.closes.length < n) await closeOf(log.sockets[log.closes.length] as Duplex);
  };
  return { port, log, closed };
}

/** Resolves on the socket's 'close' (events.once would reject on an 'error' before it, which the logs record). */
function closeOf(socket: Duplex): Promise<void> {
  if (socket.closed) return Promise.resolve();
  return new Promise((resolve) => socket.once('close', () => resolve()));
}

/** What a client socket went through. */
interface ClientSocketLog {
  readonly errors: (Error & { code?: string })[];
  closed: boolean | undefined;
}

function watch(socket: Duplex): ClientSocketLog {
  const log: ClientSocketLog = { errors: [], closed: undefined };
  socket.on('error', (error: Error) => log.errors.push(error));
  socket.on('close', (hadError: boolean) => {
    log.closed = hadError;
  });
  return log;
}

/** A keep-alive Agent whose connections are mpt sockets (or net ones). */
class DialAgent extends http.Agent {
  readonly created: { socket: Duplex; log: ClientSocketLog }[] = [];

  constructor(
    private readonly transport: Transport,
    private readonly port: number,
  ) {
    super({ keepAlive: true, maxSockets: 1 });
  }

  override createConnection(): Duplex {
    const socket = this.transport.dial(this.port);
    this.created.push({ socket, log: watch(socket) });
    return socket;
  }
}

interface HttpResult {
  readonly status: number | undefined;
  readonly json: Record<string, unknown>;
  readonly reused: boolean;
  readonly socket: unknown;
}

function httpRequest(agent: http.Agent, port: number, method: string, path: string, body?: Buffer): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        resolve({
          status: res.statusCode,
          json: JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>,
          reused: req.reusedSocket,
          socket: req.socket,
        });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Rejects with `what` if `promise` has not settled within `ms` (a bound on waiting, not a performance figure). */
function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** How long a close may take to reach both ends: a few round trips on loopback, so generous. */
const CLOSE_BOUND_MS = 10_000;

const codes = (errors: readonly (Error & { code?: string })[]): string[] => errors.map((e) => e.code ?? e.message);

describe.each([MPT, NET])('node:http over $name', (transport) => {
  /** The http server on the transport, and a keep-alive agent dialling it. */
  async function session(): Promise<{ port: number; log: ServerLog; closed: (n: number) => Promise<void>; agent: DialAgent }> {
    const server = await httpOver(transport);
    return { ...server, agent: new DialAgent(transport, server.port) };
  }

  test(`${GETS} sequential GETs ride one keep-alive connection (req.reusedSocket on requests 2..${GETS})`, async () => {
    const { port, log, agent } = await session();
    const results: HttpResult[] = [];
    for (let i = 1; i <= GETS; i++) results.push(await httpRequest(agent, port, 'GET', `/get/${i}`));
    console.log(
      `[http] node:http over ${transport.name}: ${GETS} GETs: agent sockets ${agent.created.length}, server connections ${log.sockets.length}, ` +
        `reusedSocket ${results.map((r) => (r.reused ? 1 : 0)).join('')}`,
    );
    expect(results.map((r) => r.status)).toEqual(Array<number>(GETS).fill(200));
    expect(results.map((r) => r.json)).toEqual(results.map((_, i) => ({ n: i + 1, path: `/get/${i + 1}` })));
    // One connection: the agent made one socket, the server saw one, and requests 2..20 reused it.
    expect(agent.created.length).toBe(1);
    expect(log.sockets.length).toBe(1);
    expect(results.map((r) => r.reused)).toEqual([false, ...Array<boolean>(GETS - 1).fill(true)]);
    expect(results.every((r) => r.socket === agent.created[0]?.socket)).toBe(true);
    agent.destroy();
  });

  test(`a ${POST_BYTES} B POST arrives intact: the server's SHA-256 of the body is the client's`, async () => {
    const { port, log, agent } = await session();
    const body = randomBytes(POST_BYTES);
    const expected = createHash('sha256').update(body).digest('hex');
    const post = await httpRequest(agent, port, 'POST', '/sha256', body);
    console.log(`[http] node:http over ${transport.name}: POST ${POST_BYTES} B: server SHA-256 ${String(post.json.sha256)}, client ${expected}`);
    expect(post.status).toBe(200);
    expect(post.json).toEqual({ bytes: POST_BYTES, sha256: expected });
    expect(log.sockets.length).toBe(1);
    agent.destroy();
  });

  test('agent.destroy() while the connection is idle: a clean close, no error on either side', async () => {
    const { port, log, closed, agent } = await session();
    for (let i = 1; i <= 2; i++) expect((await httpRequest(agent, port, 'GET', `/get/${i}`)).status).toBe(200);
    // Idle now: the socket sits in the agent's free list.
    const client = agent.created[0] as { socket: Duplex; log: ClientSocketLog };
    const clientClosed = closeOf(client.socket);
    agent.destroy();
    await within(CLOSE_BOUND_MS, Promise.all([clientClosed, closed(1)]), 'both ends closed after agent.destroy()');
    console.log(
      `[http] node:http over ${transport.name}: agent.destroy(): server socket errors ${JSON.stringify(codes(log.socketErrors))}, clientError ${JSON.stringify(codes(log.clientErrors))}, ` +
        `server close hadError ${JSON.stringify(log.closes)}, client socket errors ${JSON.stringify(codes(client.log.errors))}, client close hadError ${String(client.log.closed)}`,
    );
    expect.soft(codes(log.socketErrors)).toEqual([]);
    expect.soft(codes(log.clientErrors)).toEqual([]);
    expect.soft(log.closes).toEqual([false]);
    expect.soft(codes(client.log.errors)).toEqual([]);
    expect.soft(client.log.closed).toBe(false);
  });
});

describe.each([MPT, NET])('undici over $name', (transport) => {
  /** The http server on the transport, and an undici Client whose connector dials it over the transport. */
  async function session(): Promise<{
    log: ServerLog;
    closed: (n: number) => Promise<void>;
    client: Client;
    created: { socket: Duplex; log: ClientSocketLog }[];
    connectionErrors: Error[];
    connects: () => number;
  }> {
    const { port, log, closed } = await httpOver(transport);
    const created: { socket: Duplex; log: ClientSocketLog }[] = [];
    const client = new Client(`http://127.0.0.1:${port}`, {
      // undici 6's connector form: (options, callback(err, socket)); options.port is a string.
      connect: (opts, callback) => {
        const socket = transport.dial(Number(opts.port));
        created.push({ socket, log: watch(socket) });
        const onError = (error: Error): void => {
          socket.off('connect', onConnect);
          callback(error, null);
        };
        const onConnect = (): void => {
          socket.off('error', onError);
          callback(null, socket as unknown as NetSocket);
        };
        socket.once('connect', onConnect);
        socket.once('error', onError);
      },
    });
    const connectionErrors: Error[] = [];
    client.on('connectionError', (_origin, _targets, error) => connectionErrors.push(error));
    let connects = 0;
    client.on('connect', () => connects++);
    clients.add(client);
    return { log, closed, client, created, connectionErrors, connects: () => connects };
  }

  const clients = new Set<Client>();
  afterEach(async () => {
    await Promise.all([...clients].map((c) => (c.destroyed ? undefined : c.destroy())));
    clients.clear();
  });

  test(`${GETS} sequential GETs ride one connection`, async () => {
    const { log, client, created, connects } = await session();
    const answers: unknown[] = [];
    for (let i = 1; i <= GETS; i++) {
      const res = await client.request({ path: `/get/${i}`, method: 'GET' });
      expect(res.statusCode).toBe(200);
      answers.push(await res.body.json());
    }
    console.log(`[http] undici over ${transport.name}: ${GETS} GETs: connector calls ${created.length}, 'connect' events ${connects()}, server connections ${log.sockets.length}`);
    expect(answers).toEqual(answers.map((_, i) => ({ n: i + 1, path: `/get/${i + 1}` })));
    expect(created.length).toBe(1);
    expect(connects()).toBe(1);
    expect(log.sockets.length).toBe(1);
  });

  test(`a ${POST_BYTES} B POST arrives intact: the server's SHA-256 of the body is the client's`, async () => {
    const { log, client } = await session();
    const body = randomBytes(POST_BYTES);
    const expected = createHash('sha256').update(body).digest('hex');
    const res = await client.request({ path: '/sha256', method: 'POST', body });
    const post = (await res.body.json()) as { bytes: number; sha256: string };
    console.log(`[http] undici over ${transport.name}: POST ${POST_BYTES} B: server SHA-256 ${post.sha256}, client ${expected}`);
    expect(res.statusCode).toBe(200);
    expect(post).toEqual({ bytes: POST_BYTES, sha256: expected });
    expect(log.sockets.length).toBe(1);
  });

  test('client.close() while the connection is idle: a clean close, no error on either side', async () => {
    const { log, closed, client, created, connectionErrors } = await session();
    for (let i = 1; i <= 2; i++) {
      const res = await client.request({ path: `/get/${i}`, method: 'GET' });
      expect(res.statusCode).toBe(200);
      await res.body.dump();
    }
    const socket = created[0] as { socket: Duplex; log: ClientSocketLog };
    const clientClosed = closeOf(socket.socket);
    await within(CLOSE_BOUND_MS, client.close(), 'client.close()');
    await within(CLOSE_BOUND_MS, Promise.all([clientClosed, closed(1)]), 'both ends closed after client.close()');
    console.log(
      `[http] undici over ${transport.name}: client.close(): server socket errors ${JSON.stringify(codes(log.socketErrors))}, clientError ${JSON.stringify(codes(log.clientErrors))}, ` +
        `server close hadError ${JSON.stringify(log.closes)}, client socket errors ${JSON.stringify(codes(socket.log.errors))}, connectionError ${connectionErrors.length}`,
    );
    expect.soft(codes(log.socketErrors)).toEqual([]);
    expect.soft(codes(log.clientErrors)).toEqual([]);
    expect.soft(log.closes).toEqual([false]);
    expect.soft(connectionErrors).toEqual([]);
    // Only undici's own ClientDestroyedError, which it hands socket.destroy() (as over node:net).
    expect.soft(codes(socket.log.errors)).toEqual(['UND_ERR_DESTROYED']);
  });
});
