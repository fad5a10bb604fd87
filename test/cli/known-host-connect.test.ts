// The clients' server-key policy (src/cli/known-host-connect.ts), against real servers on loopback:
// a new server's key is learnt and remembered, a remembered one is pinned, a changed one is refused
// with the file and line to fix, and a server that refuses our key says so instead of timing out.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { formatPublicKey } from '../../src/cli/key-files.js';
import { connectTrusted, type ServerTrust } from '../../src/cli/known-host-connect.js';
import { createServer, generateKeyPair, MptServer, type MptServerOptions, type MptSocket } from '../../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'mpt-trust-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const servers: MptServer[] = [];
// Not awaited: a server's close waits up to 2 s for handshakes under way, which the rejected ones here are.
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

/**
 * An echo server on 127.0.0.1 (port 0: a free one). A closed server's port is free again a few round
 * trips after its 'close' (its last CLOSE frames go out first): binding it again is retried meanwhile.
 */
async function echoServer(port: number, options: MptServerOptions = {}): Promise<MptServer> {
  for (let attempt = 0; ; attempt++) {
    const server = createServer(options, (socket) => {
      socket.on('error', () => {});
      socket.pipe(socket);
    });
    const bound = await new Promise<Error | undefined>((resolve) => {
      server.once('error', resolve);
      server.listen(port, '127.0.0.1', () => resolve(undefined));
    });
    if (bound === undefined) {
      servers.push(server);
      return server;
    }
    if ((bound as { code?: string }).code !== 'EADDRINUSE' || attempt === 100) throw bound;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function closeServer(server: MptServer): Promise<void> {
  servers.splice(servers.indexOf(server), 1);
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** Connects with the policy, says hello, and reads the echo. */
async function hello(port: number, trust: Omit<ServerTrust, 'name' | 'log'>, logs: string[] = []): Promise<MptSocket> {
  const socket = await connectTrusted({ host: '127.0.0.1', port, maxPaths: 1, connectTimeout: 20_000 }, { ...trust, name: `127.0.0.1:${port}`, log: (l) => logs.push(l) });
  const echoed = new Promise<string>((resolve) => socket.once('data', (d: Buffer) => resolve(String(d))));
  socket.write('hello');
  expect(await echoed).toBe('hello');
  socket.destroy();
  return socket;
}

function failure(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  return promise.then(
    () => {
      throw new Error('connected');
    },
    (error: { code: string; message: string }) => error,
  );
}

describe('connectTrusted', () => {
  it('remembers a new server, pins it the next time, and refuses another key on the same address, naming file and line', async () => {
    const file = join(dir, 'known_hosts_1');
    const a = await echoServer(0);
    const port = a.address()!.port;
    const logs: string[] = [];
    const first = await hello(port, { knownHostsFile: file }, logs);
    expect(first.remotePublicKey).toEqual(a.publicKey);
    expect(logs).toEqual([`remembered the server key of 127.0.0.1:${port} in ${file}`]);
    const line = `127.0.0.1:${port} ${formatPublicKey(a.publicKey)}\n`;
    expect(readFileSync(file, 'utf8')).toBe(line);

    const again: string[] = [];
    await hello(port, { knownHostsFile: file }, again);
    expect(again).toEqual([]);
    expect(readFileSync(file, 'utf8')).toBe(line);

    // Another server (another key) on the same address: refused, nothing remembered.
    await closeServer(a);
    const b = await echoServer(port);
    const refused = await failure(hello(port, { knownHostsFile: file }));
    expect(refused.code).toBe('ERR_MPT_SERVER_KEY_MISMATCH');
    expect(refused.message).toBe(
      `the server at 127.0.0.1:${port} presents ${formatPublicKey(b.publicKey)}, not the key ${file} line 1 remembers: ` +
        `if its key changed on purpose, remove line 1 of ${file} and connect again; otherwise someone may be impersonating it`,
    );
    expect(readFileSync(file, 'utf8')).toBe(line);
  });

  it('uses the key the file holds (the first line for the server), reporting lines it cannot read', async () => {
    const server = await echoServer(0);
    const port = server.address()!.port;
    const file = join(dir, 'known_hosts_2');
    writeFileSync(file, `garbage\n127.0.0.1:${port} ${formatPublicKey(generateKeyPair().publicKey)}\n127.0.0.1:${port} ${formatPublicKey(server.publicKey)}\n`);
    const logs: string[] = [];
    const refused = await failure(hello(port, { knownHostsFile: file }, logs));
    expect(refused.code).toBe('ERR_MPT_SERVER_KEY_MISMATCH');
    expect(refused.message).toContain(`not the key ${file} line 2 remembers`);
    expect(logs).toEqual([`${file} line 1 is not 'HOST:PORT mpt-pub:KEY': ignored`]);
  });

  it('says a server that refuses our client key refused us, for a new and for a known server', async () => {
    const allowed = generateKeyPair();
    const server = await echoServer(0, { verifyClientKey: (key) => Buffer.from(key).equals(allowed.publicKey) });
    const port = server.address()!.port;
    const file = join(dir, 'known_hosts_3');
    const fresh = await failure(hello(port, { knownHostsFile: file }));
    expect(fresh.code).toBe('ERR_MPT_HANDSHAKE_FAILED');
    expect(fresh.message).toBe(`the server at 127.0.0.1:${port} presented ${formatPublicKey(server.publicKey)} but refused our handshake: it may not accept our client key (--key)`);
    expect(existsSync(file)).toBe(false);
    writeFileSync(file, `127.0.0.1:${port} ${formatPublicKey(server.publicKey)}\n`);
    const known = await failure(hello(port, { knownHostsFile: file }));
    expect(known.code).toBe('ERR_MPT_HANDSHAKE_FAILED');
    expect(known.message).toBe(`the server at 127.0.0.1:${port} has the key ${file} line 1 remembers but refused our handshake: it may not accept our client key (--key)`);
  });

  it('with a key given or no known-hosts file leaves the file alone', async () => {
    const server = await echoServer(0);
    const port = server.address()!.port;
    const file = join(dir, 'known_hosts_4');
    const pinned: string[] = [];
    await hello(port, { serverKey: server.publicKey, knownHostsFile: file }, pinned);
    expect(pinned).toEqual([]);
    const wrong = await failure(hello(port, { serverKey: generateKeyPair().publicKey, knownHostsFile: file }));
    expect(wrong.code).toBe('ERR_MPT_SERVER_KEY_MISMATCH');
    const unchecked: string[] = [];
    await hello(port, {}, unchecked);
    expect(unchecked).toEqual([`the server at 127.0.0.1:${port} presented ${formatPublicKey(server.publicKey)} (not checked or remembered: no known-hosts file)`]);
    expect(existsSync(file)).toBe(false);
  });

  it('passes on the error of a server that is not there', async () => {
    // A port just freed: nothing listens (ICMP port unreachable on loopback).
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
    const port = probe.address()!.port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const refused = await failure(hello(port, { knownHostsFile: join(dir, 'known_hosts_5') }));
    expect(refused.code).toBe('ECONNREFUSED');
  });
});
