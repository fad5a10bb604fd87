// `mpt serve` and `mpt connect` as a user runs them: bytes through stdin and stdout intact (binary,
// zero bytes included), EOF both ways, the server key remembered then pinned, a changed key refused
// with one clear line, and serve closing on SIGTERM with exit 0.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasStackTrace, linesOf, runCli, startCli, type CliProcess } from '../../support/run-cli.js';

const root = mkdtempSync(join(tmpdir(), 'mpt-connect-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const env = { MPT_CONFIG_DIR: join(root, 'config') };
const knownHosts = join(env.MPT_CONFIG_DIR, 'known_hosts');

/** Starts `mpt serve` on 127.0.0.1; resolves with it, its port and its key once it listens. */
async function serve(args: string[]): Promise<{ server: CliProcess; port: string; key: string }> {
  const server = startCli(['serve', ...args], { env });
  const [, key] = await server.waitFor(/^server key (mpt-pub:\S+)$/m);
  const [, port] = await server.waitFor(/^listening on 127\.0\.0\.1:(\d+)$/m);
  return { server, port: port!, key: key! };
}

describe('mpt serve and mpt connect', () => {
  it('echo a binary stream through stdin and stdout, ending both ways; the key is remembered, pinned, and a changed one refused', async () => {
    const { server, port, key } = await serve(['--listen', '127.0.0.1:0']);
    const input = Buffer.concat([randomBytes(150_000), Buffer.alloc(100_000), randomBytes(50_001)]);

    // stdin ends -> the stream ends -> the echo server sees it and ends -> connect exits 0 with every byte.
    const first = await runCli(['connect', `127.0.0.1:${port}`], { env, stdin: input });
    expect(first.code).toBe(0);
    expect(first.stdout.equals(input)).toBe(true);
    expect(first.stderr).toBe(`mpt connect: remembered the server key of 127.0.0.1:${port} in ${knownHosts}\n`);
    expect(readFileSync(knownHosts, 'utf8')).toBe(`127.0.0.1:${port} ${key}\n`);

    // Known now: pinned, nothing said, nothing added.
    const second = await runCli(['connect', `127.0.0.1:${port}`], { env, stdin: Buffer.from('\x00again\xff', 'latin1') });
    expect(second.code).toBe(0);
    expect(second.stdout.toString('latin1')).toBe('\x00again\xff');
    expect(second.stderr).toBe('');
    expect(readFileSync(knownHosts, 'utf8')).toBe(`127.0.0.1:${port} ${key}\n`);

    server.child.kill('SIGTERM');
    const served = await server.done;
    expect(served.code).toBe(0);
    const report = linesOf(served.stdout).filter((l) => l.includes(': echoed '));
    expect(report).toHaveLength(2);
    expect(report[0]).toMatch(/^127\.0\.0\.1:\d+ mpt-pub:\S+: echoed 293\.0 KiB in /);

    // A new server (a fresh key) on the same address.
    const { server: impostor, key: otherKey } = await serve(['--listen', `127.0.0.1:${port}`, '--mode', 'sink']);
    // Refused in one line that says how to fix it; without the known-hosts file the same server is
    // accepted (and sink mode reports what it got).
    const [refused, unchecked] = await Promise.all([
      runCli(['connect', `127.0.0.1:${port}`], { env, stdin: Buffer.from('secret') }),
      runCli(['connect', `127.0.0.1:${port}`, '--no-known-hosts'], { env, stdin: Buffer.alloc(70_000, 7) }),
    ]);
    expect(refused.code).toBe(1);
    expect(String(refused.stdout)).toBe('');
    expect(hasStackTrace(refused.stderr)).toBe(false);
    expect(linesOf(refused.stderr)).toEqual([
      `mpt connect: the server at 127.0.0.1:${port} presents ${otherKey}, not the key ${knownHosts} line 1 remembers: ` +
        `if its key changed on purpose, remove line 1 of ${knownHosts} and connect again; otherwise someone may be impersonating it (ERR_MPT_SERVER_KEY_MISMATCH)`,
    ]);
    expect(unchecked.code).toBe(0);
    expect(unchecked.stdout.length).toBe(0);
    expect(unchecked.stderr).toBe(`mpt connect: the server at 127.0.0.1:${port} presented ${otherKey} (not checked or remembered: no known-hosts file)\n`);
    expect(readFileSync(knownHosts, 'utf8')).toBe(`127.0.0.1:${port} ${key}\n`);
    await impostor.waitFor(/: received 68\.4 KiB in /);
    impostor.child.kill('SIGINT');
    expect((await impostor.done).code).toBe(0);
  });
});
