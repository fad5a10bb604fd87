// `--psk FILE` on the client commands (connect, connect --via, send, proxy) and the servers (serve in
// every mode, recv), as a user runs them: a client that knows the server's pre-shared key gets in with
// no keys and no known_hosts entry; a wrong one is told in one line; --psk with a static-key option,
// or a file that holds no key, is one line with exit 2 / exit 1.
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { socks5Connect } from '../../proxy/clients.js';
import { hasStackTrace, linesOf, runCli, startCli, type CliProcess } from '../../support/run-cli.js';

const root = mkdtempSync(join(tmpdir(), 'mpt-psk-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const env = { MPT_CONFIG_DIR: join(root, 'config') };
const knownHosts = join(env.MPT_CONFIG_DIR, 'known_hosts');

/** A pre-shared key file: 64 hex digits and a line break, as `openssl rand -hex 32 > FILE` writes it. */
function pskFile(name: string): string {
  const file = join(root, name);
  writeFileSync(file, `${randomBytes(32).toString('hex')}\n`);
  return file;
}

/** Starts an `mpt` server command on 127.0.0.1; resolves with it and its port once it listens. */
async function server(args: string[]): Promise<{ process: CliProcess; port: string }> {
  const process = startCli([...args, '--listen', '127.0.0.1:0'], { env });
  const [, port] = await process.waitFor(/^listening on 127\.0\.0\.1:(\d+)$/m);
  return { process, port: port! };
}

async function stop(process: CliProcess): Promise<void> {
  if (process.child.exitCode === null) process.child.kill('SIGTERM');
  await process.done;
}

describe('--psk', () => {
  it('mpt connect --psk to mpt serve --psk: the stream echoes, no key is pinned or remembered; a wrong psk is one line', async () => {
    const psk = pskFile('psk-echo');
    const { process: serve, port } = await server(['serve', '--psk', psk]);
    try {
      const input = randomBytes(50_000);
      const [echoed, wrong] = await Promise.all([
        runCli(['connect', `127.0.0.1:${port}`, '--psk', psk], { env, stdin: input }),
        runCli(['connect', `127.0.0.1:${port}`, '--psk', pskFile('psk-wrong')], { env, stdin: Buffer.from('x') }),
      ]);
      expect(echoed.stderr).toBe('');
      expect(echoed.code).toBe(0);
      expect(echoed.stdout.equals(input)).toBe(true);
      expect(existsSync(knownHosts) ? readFileSync(knownHosts, 'utf8') : '').not.toContain(`127.0.0.1:${port}`);
      expect(wrong.code).toBe(1);
      expect(hasStackTrace(wrong.stderr)).toBe(false);
      expect(linesOf(wrong.stderr)).toEqual([expect.stringMatching(/^mpt connect: .*the psk is most likely wrong.*\(ERR_MPT_HANDSHAKE_FAILED\)$/)]);
    } finally {
      await stop(serve);
    }
  });

  it('mpt send --psk to mpt recv --psk: the file arrives intact', async () => {
    const psk = pskFile('psk-send');
    const bytes = randomBytes(300_000);
    const file = join(root, 'payload.bin');
    writeFileSync(file, bytes);
    const { process: recv, port } = await server(['recv', '--psk', psk, '-o', join(root, 'inbox')]);
    try {
      const send = await runCli(['send', file, `127.0.0.1:${port}`, '--psk', psk], { env });
      expect(send.code).toBe(0);
      expect(String(send.stdout)).toContain(`sha256 ${createHash('sha256').update(bytes).digest('hex')} ok`);
      expect((await recv.done).code).toBe(0);
      expect(readFileSync(join(root, 'inbox', 'payload.bin')).equals(bytes)).toBe(true);
    } finally {
      await stop(recv);
    }
  });

  it('mpt proxy --psk and mpt connect --via --psk through mpt serve --mode converter --psk', async () => {
    const psk = pskFile('psk-converter');
    const sockets = new Set<Socket>();
    const echo = createTcpServer({ allowHalfOpen: true }, (socket) => {
      sockets.add(socket);
      socket.pipe(socket);
    });
    echo.listen(0, '127.0.0.1');
    await once(echo, 'listening');
    const echoPort = (echo.address() as { port: number }).port;
    const { process: converter, port } = await server(['serve', '--mode', 'converter', '--psk', psk, '--allow', '127.0.0.1/32']);
    const proxy = startCli(['proxy', '--converter', `127.0.0.1:${port}`, '--listen', '127.0.0.1:0', '--psk', psk], { env });
    try {
      const via = await runCli(['connect', '--via', `127.0.0.1:${port}`, `127.0.0.1:${echoPort}`, '--psk', psk], { env, stdin: Buffer.from('through the converter') });
      expect(via.stderr).toBe('');
      expect(via.code).toBe(0);
      expect(String(via.stdout)).toBe('through the converter');
      const [, proxyPort] = await proxy.waitFor(/^listening on 127\.0\.0\.1:(\d+) /m);
      expect(String(proxy.stdout())).toMatch(/^client key none: the pre-shared key \(--psk\) lets us in\nconverter 127\.0\.0\.1:\d+\n/);
      const socks = await socks5Connect(Number(proxyPort), { host: '127.0.0.1', port: echoPort });
      expect(socks.reply?.[1]).toBe(0);
      socks.client.socket.end('via the proxy');
      expect(String(await socks.client.readToEnd())).toBe('via the proxy');
      await proxy.waitFor(/^socks5 127\.0\.0\.1:\d+ -> 127\.0\.0\.1:\d+: tunneled \(reply 0\)/m);
      expect(proxy.stderr()).toBe('');
    } finally {
      await stop(proxy);
      await stop(converter);
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => echo.close(resolve));
    }
  });

  it('--psk with --server-key or --key: one line, exit 2; a file that holds no key: ERR_MPT_CLI_BAD_PSK, exit 1', async () => {
    const psk = pskFile('psk-args');
    const notAKey = join(root, 'not-a-key');
    writeFileSync(notAKey, 'hello\n');
    const key = `mpt-pub:${Buffer.alloc(32, 1).toString('base64url')}`;
    const runs = await Promise.all([
      runCli(['connect', '127.0.0.1:4433', '--psk', psk, '--server-key', key], { env }),
      runCli(['send', join(root, 'payload.bin'), '127.0.0.1:4433', '--psk', psk, '--key', join(root, 'nowhere')], { env }),
      runCli(['proxy', '--converter', '127.0.0.1:4433', '--psk', psk, '--server-key', key], { env }),
      runCli(['connect', '127.0.0.1:4433', '--psk', notAKey], { env }),
      runCli(['serve', '--psk', notAKey, '--listen', '127.0.0.1:0'], { env }),
    ]);
    const [connect, send, proxy, badClient, badServer] = runs;
    for (const [run, name, other] of [[connect, 'connect', '--server-key'], [send, 'send', '--key'], [proxy, 'proxy', '--server-key']] as const) {
      expect(run!.code, name).toBe(2);
      expect(linesOf(run!.stderr)[0], name).toBe(`mpt ${name}: --psk and ${other} cannot go together: a pre-shared key handshake (Noise NNpsk0) uses no static keys`);
      expect(hasStackTrace(run!.stderr), name).toBe(false);
    }
    for (const [run, name] of [[badClient, 'connect'], [badServer, 'serve']] as const) {
      expect(run!.code, name).toBe(1);
      expect(linesOf(run!.stderr), name).toEqual([`mpt ${name}: ${notAKey} is not a pre-shared key: 64 hex digits (openssl rand -hex 32) or 32 bytes (ERR_MPT_CLI_BAD_PSK)`]);
    }
  });
});
