// Real HTTP clients over mpt, as over node:net: node:http's server fed mpt sockets, node:http's client
// through a keep-alive Agent whose createConnection returns an mpt socket, and undici's Client with a
// `connect` function that hands it one. Real UDP on 127.0.0.1.
//
// What is asserted is what the same scenarios give over node:net (checked with a scratch script that
// swaps mpt's connect / server for net.connect / net.createServer): one connection carries every
// request, the 10 MB body arrives intact, and closing the idle client is a clean close on both sides,
// no 'error' on the server's socket, no 'clientError'. Over node:net, undici's close() destroys its
// socket with its own ClientDestroyedError (UND_ERR_DESTROYED), which the socket re-emits as its
// 'error': that one, and only that one, is the client's own doing and is allowed on the client socket.
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { Socket as NetSocket } from 'node:net';
import type { Duplex } from 'node:stream';
import { Client } from 'undici';
import { afterEach, describe, expect, test } from 'vitest';
import type { MptSocket } from '../../src/index.js';
import { cleanup, dial, listen } from './helpers.js';

/** Bytes of the POST body. */
const POST_BYTES = 10 * 1024 * 1024;
/** Sequential GETs on one connection. */
const GETS = 20;

afterEach(cleanup);

/** What the server side saw. */
interface ServerLog {
  /** Every mpt socket the mpt server handed to the http server. */
  readonly sockets: MptSocket[];
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
 * node:http's server on an mpt server: GET answers its count and path; POST answers the SHA-256 and
 * length of its body, hashed as it streams in.
 */
async function httpOverMpt(): Promise<{ port: number; log: ServerLog; closed: (n: number) => Promise<void> }> {
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
  const server = await listen();
  server.on('connection', (s) => {
    log.sockets.push(s);
    s.on('error', (error: Error) => log.socketErrors.push(error));
    s.on('close', (hadError: boolean) => log.closes.push(hadError));
  });
  // The wiring the issue names: the mpt server's sockets go to the http server as its connections.
  server.on('connection', (s) => httpServer.emit('connection', s));
  /** Resolves once `n` server sockets have closed. */
  const closed = async (n: number): Promise<void> => {
    while (log.closes.length < n) await closeOf(log.sockets[log.closes.length] as MptSocket);
  };
  return { port: server.port, log, closed };
}

/** Resolves on the socket's 'close' (events.once would reject on an 'error' before it, which the logs record). */
function closeOf(socket: MptSocket): Promise<void> {
  if (socket.closed) return Promise.resolve();
  return new Promise((resolve) => socket.once('close', () => resolve()));
}

/** What a client socket went through. */
interface ClientSocketLog {
  readonly errors: (Error & { code?: string })[];
  closed: boolean | undefined;
}

function watch(socket: MptSocket): ClientSocketLog {
  const log: ClientSocketLog = { errors: [], closed: undefined };
  socket.on('error', (error: Error) => log.errors.push(error));
  socket.on('close', (hadError: boolean) => {
    log.closed = hadError;
  });
  return log;
}

/** A keep-alive Agent whose connections are mpt sockets. */
class MptAgent extends http.Agent {
  readonly created: { socket: MptSocket; log: ClientSocketLog }[] = [];

  constructor(private readonly port: number) {
    super({ keepAlive: true, maxSockets: 1 });
  }

  override createConnection(): Duplex {
    const socket = dial({ port: this.port });
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

describe('node:http over mpt', () => {
  /** The http server on mpt, and a keep-alive agent dialling it. */
  async function session(): Promise<{ port: number; log: ServerLog; closed: (n: number) => Promise<void>; agent: MptAgent }> {
    const server = await httpOverMpt();
    return { ...server, agent: new MptAgent(server.port) };
  }

  test(`${GETS} sequential GETs ride one keep-alive connection (req.reusedSocket on requests 2..${GETS})`, async () => {
    const { port, log, agent } = await session();
    const results: HttpResult[] = [];
    for (let i = 1; i <= GETS; i++) results.push(await httpRequest(agent, port, 'GET', `/get/${i}`));
    console.log(
      `[http] node:http: ${GETS} GETs: agent sockets ${agent.created.length}, server connections ${log.sockets.length}, ` +
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
    console.log(`[http] node:http: POST ${POST_BYTES} B: server SHA-256 ${String(post.json.sha256)}, client ${expected}`);
    expect(post.status).toBe(200);
    expect(post.json).toEqual({ bytes: POST_BYTES, sha256: expected });
    expect(log.sockets.length).toBe(1);
    agent.destroy();
  });

  test('agent.destroy() while the connection is idle: a clean close, no error on either side', async () => {
    const { port, log, closed, agent } = await session();
    for (let i = 1; i <= 2; i++) expect((await httpRequest(agent, port, 'GET', `/get/${i}`)).status).toBe(200);
    // Idle now: the socket sits in the agent's free list.
    const client = agent.created[0] as { socket: MptSocket; log: ClientSocketLog };
    const clientClosed = closeOf(client.socket);
    agent.destroy();
    await within(CLOSE_BOUND_MS, Promise.all([clientClosed, closed(1)]), 'both ends closed after agent.destroy()');
    console.log(
      `[http] node:http: agent.destroy(): server socket errors ${JSON.stringify(codes(log.socketErrors))}, clientError ${JSON.stringify(codes(log.clientErrors))}, ` +
        `server close hadError ${JSON.stringify(log.closes)}, client socket errors ${JSON.stringify(codes(client.log.errors))}, client close hadError ${String(client.log.closed)}`,
    );
    expect.soft(codes(log.socketErrors)).toEqual([]);
    expect.soft(codes(log.clientErrors)).toEqual([]);
    expect.soft(log.closes).toEqual([false]);
    expect.soft(codes(client.log.errors)).toEqual([]);
    expect.soft(client.log.closed).toBe(false);
  });
});

describe('undici over mpt', () => {
  /** The http server on mpt, and an undici Client whose connector dials it over mpt. */
  async function session(): Promise<{
    log: ServerLog;
    closed: (n: number) => Promise<void>;
    client: Client;
    created: { socket: MptSocket; log: ClientSocketLog }[];
    connectionErrors: Error[];
    connects: () => number;
  }> {
    const { port, log, closed } = await httpOverMpt();
    const created: { socket: MptSocket; log: ClientSocketLog }[] = [];
    const client = new Client(`http://127.0.0.1:${port}`, {
      // undici 6's connector form: (options, callback(err, socket)); options.port is a string.
      connect: (opts, callback) => {
        const socket = dial({ port: Number(opts.port) });
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
    console.log(`[http] undici: ${GETS} GETs: connector calls ${created.length}, 'connect' events ${connects()}, server connections ${log.sockets.length}`);
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
    console.log(`[http] undici: POST ${POST_BYTES} B: server SHA-256 ${post.sha256}, client ${expected}`);
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
    const socket = created[0] as { socket: MptSocket; log: ClientSocketLog };
    const clientClosed = closeOf(socket.socket);
    await within(CLOSE_BOUND_MS, client.close(), 'client.close()');
    await within(CLOSE_BOUND_MS, Promise.all([clientClosed, closed(1)]), 'both ends closed after client.close()');
    console.log(
      `[http] undici: client.close(): server socket errors ${JSON.stringify(codes(log.socketErrors))}, clientError ${JSON.stringify(codes(log.clientErrors))}, ` +
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
