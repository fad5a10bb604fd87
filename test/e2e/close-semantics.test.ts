// Closing like TCP, over real UDP on 127.0.0.1: what ordinary node:net code expects of 'end', 'close',
// destroy() and a peer that goes away. Each case names the node:net behaviour it checks.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, test } from 'vitest';
import { connect, createServer, MptErrorCode, type MptServer, type MptSocket } from '../../src/index.js';
import { createLinkEmulator, type LinkEmulator } from '../../src/node/link-emulator.js';
import { accepted, cleanup, dial, dialed, listen, outcome } from './helpers.js';

const opened: { servers: MptServer[]; relays: LinkEmulator[] } = { servers: [], relays: [] };

afterEach(async () => {
  await Promise.all(opened.relays.map((r) => r.close()));
  opened.relays = [];
  for (const s of opened.servers) if (s.listening) s.close();
  opened.servers = [];
  await cleanup();
});

/**
 * A server made as an application makes it, without the test helpers' error listener, recording every
 * server-side socket's events in order (an 'error' listener counts, it does not swallow: the test fails
 * on any).
 */
async function bareServer(onConnection: (socket: MptSocket) => void): Promise<{ port: number; log: string[]; closed: Promise<void> }> {
  const log: string[] = [];
  let markClosed: () => void = () => {};
  const closed = new Promise<void>((resolve) => (markClosed = resolve));
  const server = createServer((socket) => {
    socket.on('end', () => log.push('end'));
    socket.on('error', (e: Error & { code?: string }) => log.push(`error ${e.code ?? e.message}`));
    socket.on('close', (hadError: boolean) => {
      log.push(`close ${hadError}`);
      markClosed();
    });
    onConnection(socket);
  });
  opened.servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as { port: number }).port, log, closed };
}

describe('destroy() is a graceful close, as TCP close()', () => {
  test("the README echo server survives a client's destroy(): the peer sees 'end', then 'close', no error", async () => {
    const server = await bareServer((s) => s.pipe(s));
    const client = await dialed({ port: server.port });
    const clientClosed = outcome(client);
    client.destroy();
    expect((await clientClosed).hadError).toBe(false);
    await server.closed;
    expect(server.log).toEqual(['end', 'close false']);
  });

  test('destroy() after writing: every byte written arrives, then the end', async () => {
    const payload = randomBytes(300_000);
    const chunks: Buffer[] = [];
    const server = await bareServer((s) => s.on('data', (c: Buffer) => chunks.push(c)));
    const client = await dialed({ port: server.port });
    client.write(payload);
    client.destroy();
    await server.closed;
    expect(Buffer.concat(chunks).equals(payload)).toBe(true);
    expect(server.log).toEqual(['end', 'close false']);
  });

  test("destroy(err) closes as net's does: the error is this side's, the peer sees 'end' (undici's close() does this)", async () => {
    const server = await bareServer((s) => s.pipe(s));
    const client = await dialed({ port: server.port });
    const clientClosed = outcome(client);
    client.destroy(new Error('giving up'));
    const { error, hadError } = await clientClosed;
    expect(error?.message).toBe('giving up');
    expect(hadError).toBe(true);
    await server.closed;
    expect(server.log).toEqual(['end', 'close false']);
  });

  test('resetAndDestroy() aborts: the peer gets ECONNRESET, this side closes without an error', async () => {
    const server = await bareServer(() => {});
    const client = await dialed({ port: server.port });
    const clientClosed = outcome(client);
    client.resetAndDestroy();
    const { error, hadError } = await clientClosed;
    expect(error).toBeUndefined();
    expect(hadError).toBe(false);
    await server.closed;
    expect(server.log).toEqual(['error ECONNRESET', 'close true']);
  });

  test('destroy() with received bytes nobody moved out of the connection aborts (TCP: RST for unread data)', async () => {
    let serverSide: MptSocket | undefined;
    const server = await bareServer((s) => {
      serverSide = s;
      s.pause();
    });
    const client = await dialed({ port: server.port });
    // Far more than the stream's high-water mark: the rest stays in the connection, unread.
    client.write(randomBytes(1_000_000));
    client.on('error', () => {});
    const clientClosed = outcome(client);
    while ((serverSide?.readableLength ?? 0) === 0) await nextTurn();
    serverSide?.destroy();
    expect((await clientClosed).error?.code).toBe('ECONNRESET');
  });

  test('bytes that arrive after destroy() abort the connection: the writer gets ECONNRESET', async () => {
    const server = await bareServer((s) => s.destroy());
    // Half-open, so the write after 'end' really goes out (without it, net's own EPIPE comes first).
    const client = await dialed({ port: server.port, allowHalfOpen: true });
    const clientClosed = outcome(client);
    client.resume();
    client.on('end', () => client.write('too late'));
    // As TCP: the FIN is read ('end'), the write after it meets the RST.
    expect((await clientClosed).error?.code).toBe('ECONNRESET');
  });

  test('a write without allowHalfOpen after the peer ended is EPIPE, as net', async () => {
    const server = await bareServer((s) => s.end());
    const client = await dialed({ port: server.port });
    client.resume();
    await once(client, 'end');
    await new Promise((resolve) => setImmediate(resolve)); // the automatic end() ran
    const closed = outcome(client);
    const written = new Promise<Error | null | undefined>((resolve) => client.write('late', resolve));
    expect(((await written) as (Error & { code?: string }) | undefined)?.code).toBe('EPIPE');
    expect((await closed).error?.code).toBe('EPIPE');
  });

  test('await using a socket nobody listens to for errors: disposed without an uncaught ABORT_ERR', async () => {
    const server = await listen();
    let disposed: MptSocket | undefined;
    {
      await using client = connect({ host: '127.0.0.1', port: server.port });
      await once(client, 'connect');
      disposed = client;
    }
    expect(disposed.destroyed).toBe(true);
  });

  test("a closed server's port is free a few round trips after its 'close', even with connections still delivering", async () => {
    const server = createServer((s) => {
      s.on('error', () => {});
      s.write(randomBytes(200_000)); // still in flight when the socket goes
      s.destroy();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as { port: number }).port;
    const client = await dialed({ port });
    client.on('error', () => {});
    client.resume();
    await once(client, 'end');
    await new Promise((resolve) => server.close(resolve));
    // The lingering connections stop waiting for the client's end (it may never come: this client is
    // half-closed only) once what they sent is acknowledged; without that they would hold the port
    // until the client's idle timeout (30 s).
    let again: MptServer | undefined;
    for (let tries = 0; again === undefined && tries < 100; tries++) {
      const candidate = createServer();
      candidate.listen(port, '127.0.0.1');
      const [outcomeOf] = (await Promise.race([once(candidate, 'listening').then(() => ['ok']), once(candidate, 'error')])) as [unknown];
      if (outcomeOf === 'ok') again = candidate;
      else await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(again).toBeDefined();
    opened.servers.push(again as MptServer);
    expect((again?.address() as { port: number }).port).toBe(port);
  });

  test('a write callback pending at a graceful destroy() is called without an error: its bytes are delivered', async () => {
    const payload = randomBytes(200_000);
    const chunks: Buffer[] = [];
    const server = await bareServer((s) => s.on('data', (c: Buffer) => chunks.push(c)));
    const client = await dialed({ port: server.port, sendBufferBytes: 16_384 });
    const written = new Promise<Error | null | undefined>((resolve) => client.write(payload, resolve));
    client.destroy();
    expect(await written).toBeFalsy();
    await server.closed;
    expect(Buffer.concat(chunks).equals(payload)).toBe(true);
  });
});

describe("'end' and 'close' as node:net emits them", () => {
  test("a client that writes and ends but never reads gets 'end' and 'close' once the server ends", async () => {
    const server = await bareServer((s) => {
      s.resume();
      s.on('end', () => s.end());
    });
    const client = await dialed({ port: server.port });
    const events: string[] = [];
    client.on('end', () => events.push('end'));
    client.end(Buffer.alloc(1000, 1));
    await once(client, 'close');
    events.push('close');
    expect(events).toEqual(['end', 'close']);
    expect(client.readyState).toBe('closed');
  });

  test("unread bytes hold 'end' back, as net: the socket stays readOnly until they are read", async () => {
    const server = await bareServer((s) => s.pipe(s));
    const client = await dialed({ port: server.port });
    let ended = false;
    client.on('end', () => (ended = true));
    client.end(Buffer.alloc(1000, 1));
    await once(client, 'finish');
    while (client.readableLength < 1000) await nextTurn();
    for (let i = 0; i < 20; i++) await nextTurn();
    expect(ended).toBe(false);
    expect(client.readyState).toBe('readOnly');
    expect(client.bytesRead).toBe(1000); // arrived, as net counts it, though nobody read it
    client.resume();
    await once(client, 'close');
    expect(ended).toBe(true);
  });

  test("'end' comes on a later turn than the last 'data', and 'close' on a later turn than 'end'", async () => {
    const server = await bareServer((s) => s.end('last words'));
    const client = await dialed({ port: server.port });
    // A counter of event-loop turns: it moves once per check phase.
    let turns = 0;
    const tick = (): void => {
      turns++;
      if (!client.destroyed || turns < 1e6) ticker = setImmediate(tick);
    };
    let ticker = setImmediate(tick);
    const seen: string[] = [];
    client.on('data', () => seen.push(`data@${turns}`));
    client.on('end', () => seen.push(`end@${turns}`));
    await once(client, 'close');
    seen.push(`close@${turns}`);
    clearImmediate(ticker);
    const [data, end, close] = seen.map((e) => Number(e.split('@')[1]));
    expect(seen.map((e) => e.split('@')[0])).toEqual(['data', 'end', 'close']);
    expect(end).toBeGreaterThan(data as number);
    expect(close).toBeGreaterThan(end as number);
  });

  test('allowHalfOpen: the socket stays writable after the peer ended, and the peer reads what follows', async () => {
    const got: Buffer[] = [];
    const server = await bareServer((s) => {
      s.on('data', (c: Buffer) => got.push(c));
      s.end('bye');
    });
    const client = await dialed({ port: server.port, allowHalfOpen: true });
    client.resume();
    await once(client, 'end');
    expect(client.readyState).toBe('writeOnly');
    client.end('after your end');
    await server.closed;
    await once(client, 'close');
    expect(Buffer.concat(got).toString()).toBe('after your end');
    expect(server.log).toEqual(['end', 'close false']);
  });

  test('stream.pipeline(source, socket) resolves when the server finishes a for-await loop', async () => {
    let received = 0;
    const server = await bareServer(async (s) => {
      for await (const chunk of s) received += (chunk as Buffer).length;
    });
    const client = await dialed({ port: server.port });
    const chunks = Array.from({ length: 50 }, () => randomBytes(20_000));
    await pipeline(Readable.from(chunks), client);
    await server.closed;
    expect(received).toBe(1_000_000);
    expect(server.log).toEqual(['end', 'close false']);
  });

  test('bytesWritten counts what write() accepted, queued or sent', async () => {
    const server = await listen({}, (s) => s.resume());
    const client = dial({ port: server.port });
    client.write(Buffer.alloc(1234));
    client.write('héllo');
    expect(client.bytesWritten).toBe(1234 + Buffer.byteLength('héllo'));
    await once(client, 'connect');
    expect(client.bytesWritten).toBe(1234 + Buffer.byteLength('héllo'));
  });
});

describe('a peer that goes silent', () => {
  /** A server reached through a link emulator on 127.0.0.2 that the test can take down. */
  async function throughRelay(serverOptions = {}): Promise<{ relay: LinkEmulator; port: number }> {
    const server = await listen(serverOptions);
    const relay = await createLinkEmulator({ backHost: '127.0.0.1', backPort: server.port, frontHost: '127.0.0.2', outboundHost: '127.0.0.3' });
    opened.relays.push(relay);
    return { relay, port: relay.port };
  }

  test("every path down: 'offline', then 'online' when one answers again", async () => {
    const { relay, port } = await throughRelay();
    const client = connect({ host: '127.0.0.2', port, maxPaths: 1 });
    await once(client, 'connect');
    client.on('error', () => {});
    const events: string[] = [];
    client.on('offline', () => events.push('offline'));
    client.on('online', () => events.push('online'));
    relay.setDown(true);
    // One write, unanswered: its probe timeouts take the path down (a steady trickle of writes would
    // push the probe timer on, RFC 9002 §6.2.1, until the window fills).
    client.write('x');
    await once(client, 'offline');
    relay.setDown(false);
    await once(client, 'online');
    expect(events).toEqual(['offline', 'online']);
    expect(client.destroyed).toBe(false);
    client.destroy();
  });

  test('nothing back for the idle timeout: ETIMEDOUT, the pending write callback gets it, readyState closed', async () => {
    const idle = { idleTimeoutMs: 2_000 };
    const { relay, port } = await throughRelay(idle);
    const client = connect({ host: '127.0.0.2', port, maxPaths: 1, sendBufferBytes: 16_384, ...idle });
    await once(client, 'connect');
    const closed = outcome(client);
    relay.setDown(true);
    const written = new Promise<Error | null | undefined>((resolve) => client.write(Buffer.alloc(1_000_000), resolve));
    const writeError = (await written) as (Error & { code?: string }) | undefined;
    expect(writeError?.code).toBe(MptErrorCode.IdleTimeout);
    expect(MptErrorCode.IdleTimeout).toBe('ETIMEDOUT');
    expect((await closed).error?.code).toBe('ETIMEDOUT');
    expect(client.readyState).toBe('closed');
  });

  test("the server's process SIGKILLed: 'offline', then ETIMEDOUT at the idle timeout; a pending write callback gets it", async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./fixtures/echo-server.ts', import.meta.url))], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const [line] = (await once(child.stdout, 'data')) as [Buffer];
      const client = connect({ host: '127.0.0.1', port: Number(String(line).trim()), idleTimeoutMs: 2_000, sendBufferBytes: 16_384 });
      await once(client, 'connect');
      const closed = outcome(client);
      const offline = once(client, 'offline');
      child.kill('SIGKILL');
      await once(child, 'exit');
      const written = new Promise<Error | null | undefined>((resolve) => client.write(Buffer.alloc(1_000_000), resolve));
      await offline;
      expect(client.readyState).toBe('open'); // the stream carries on while a path may come back
      expect(((await written) as (Error & { code?: string }) | undefined)?.code).toBe('ETIMEDOUT');
      expect((await closed).error?.code).toBe('ETIMEDOUT');
      expect(client.readyState).toBe('closed');
    } finally {
      child.kill('SIGKILL');
    }
  });

  test('setKeepAlive(true, longer than the idle timeout) does not shorten a quiet connection, as TCP keepalive never does', async () => {
    const idle = { idleTimeoutMs: 1_500 };
    const server = await listen(idle);
    const client = await dialed({ port: server.port, ...idle });
    const peer = await accepted(server);
    client.setKeepAlive(true, 3_000);
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    expect(client.destroyed).toBe(false);
    expect(peer.destroyed).toBe(false);
  });

  test("setTimeout: one 'timeout' per idle period, as net (activity arms it again)", async () => {
    const server = await listen();
    const client = await dialed({ port: server.port });
    let timeouts = 0;
    client.setTimeout(100, () => timeouts++);
    client.on('timeout', () => timeouts++);
    await new Promise((resolve) => setTimeout(resolve, 650));
    expect(timeouts).toBe(2); // the once-listener and the listener, for the one idle period
    client.write('activity');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(timeouts).toBe(3); // one more period after the write
  });

  test("a quiet connection whose peer is alive outlives the idle timeout (the client's liveness PINGs)", async () => {
    const idle = { idleTimeoutMs: 1_500 };
    const server = await listen(idle);
    const client = await dialed({ port: server.port, ...idle });
    const peer = await accepted(server);
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    expect(client.destroyed).toBe(false);
    expect(peer.destroyed).toBe(false);
    client.end('still here');
    const [data] = (await once(peer, 'data')) as [Buffer];
    expect(String(data)).toBe('still here');
  });
});
