// `mpt serve --mode converter`, `mpt connect --via` and `mpt proxy` as a user runs them, on loopback:
// binary stdin through the converter to a TCP echo server and back intact, EOF both ways; a
// destination the converter does not allow refused in one line (exit 1); and curl downloading
// through `mpt proxy` and the converter, the bytes the served ones (SHA-256).
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatPublicKey, writeKeyPairFiles } from '../../../src/cli/key-files.js';
import { generateKeyPair } from '../../../src/crypto/x25519.js';
import { payloadServer, runCurl } from '../../proxy/curl.js';
import { hasStackTrace, linesOf, runCli, startCli } from '../../support/run-cli.js';

const root = mkdtempSync(join(tmpdir(), 'mpt-converter-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const env = { MPT_CONFIG_DIR: join(root, 'config') };
const knownHosts = join(env.MPT_CONFIG_DIR, 'known_hosts');

/** A TCP echo server on 127.0.0.1 that ends its side once the client ended its own; it says whether it saw that end. */
async function echoServer(): Promise<{ port: number; sawEnd: () => boolean; close: () => Promise<void> }> {
  let ended = false;
  const sockets = new Set<Socket>();
  const server = createTcpServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on('end', () => (ended = true));
    socket.pipe(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as { port: number }).port,
    sawEnd: () => ended,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe('mpt serve --mode converter, mpt connect --via, mpt proxy', () => {
  it('carry binary stdin to a TCP echo server and back, refuse a destination not allowed, and take curl through the proxy', async () => {
    const clientKeyFile = join(root, 'client');
    const clientKeys = generateKeyPair();
    writeKeyPairFiles(clientKeyFile, clientKeys, false);
    const echo = await echoServer();
    const payload = randomBytes(3 * 1024 * 1024 + 17);
    const http = await payloadServer(payload);
    const running: ReturnType<typeof startCli>[] = [];
    try {
      const converter = startCli(['serve', '--mode', 'converter', '--listen', '127.0.0.1', '--port', '0', '--client-key', formatPublicKey(clientKeys.publicKey), '--allow', '127.0.0.1/32'], { env });
      running.push(converter);
      const [, key] = await converter.waitFor(/^server key (mpt-pub:\S+)$/m);
      const [, port] = await converter.waitFor(/^listening on 127\.0\.0\.1:(\d+)$/m);
      const via = `127.0.0.1:${port}`;

      const input = Buffer.concat([randomBytes(120_000), Buffer.alloc(60_000), randomBytes(20_003)]);
      const proxy = startCli(['proxy', '--converter', via, '--listen', '127.0.0.1:0', '--key', clientKeyFile], { env });
      running.push(proxy);
      const [carried, refused] = await Promise.all([
        // stdin ends -> the echo server sees the end and ends -> connect exits 0 with every byte.
        runCli(['connect', '--via', via, `127.0.0.1:${echo.port}`, '--key', clientKeyFile, '--server-key', key!], { env, stdin: input }),
        // Allowed is 127.0.0.1/32 only: 127.0.0.2 is loopback, refused by default.
        runCli(['connect', '--via', via, `127.0.0.2:${echo.port}`, '--key', clientKeyFile, '--server-key', key!], { env, stdin: Buffer.from('x') }),
      ]);
      expect(carried.stderr).toBe('');
      expect(carried.code).toBe(0);
      expect(carried.stdout.equals(input)).toBe(true);
      expect(echo.sawEnd()).toBe(true);
      expect(refused.code).toBe(1);
      expect(String(refused.stdout)).toBe('');
      expect(hasStackTrace(refused.stderr)).toBe(false);
      const refusal = linesOf(refused.stderr);
      expect(refusal).toHaveLength(1);
      expect(refusal[0]).toMatch(/^mpt connect: the converter refused the tunnel: connection not allowed by ruleset \(2\).*\(ERR_MPT_TUNNEL_REFUSED\)$/);

      // The proxy learnt the converter's key (first contact: remembered) and listens.
      const [, proxyPort] = await proxy.waitFor(/^listening on 127\.0\.0\.1:(\d+) /m);
      expect(String(proxy.stdout())).toContain(`client key ${formatPublicKey(clientKeys.publicKey)}\nconverter ${via} key ${key}\n`);
      expect(proxy.stderr()).toBe(`mpt proxy: remembered the server key of ${via} in ${knownHosts}\n`);
      expect(readFileSync(knownHosts, 'utf8')).toBe(`${via} ${key}\n`);
      const curl = await runCurl(['--socks5-hostname', `127.0.0.1:${proxyPort}`, http.url]);
      expect(curl.stderr).toBe('');
      expect(curl.code).toBe(0);
      expect(curl.sha256).toBe(createHash('sha256').update(payload).digest('hex'));
      await proxy.waitFor(/^socks5 127\.0\.0\.1:\d+ -> 127\.0\.0\.1:\d+: tunneled \(reply 0\), \d+ B up, 3\.0 MiB down$/m);
      proxy.child.kill('SIGTERM');
      expect((await proxy.done).code).toBe(0);

      await converter.waitFor(/ 195\.3 KiB to it, 195\.3 KiB back$/m);
      converter.child.kill('SIGINT');
      const served = await converter.done;
      expect(served.code).toBe(0);
      const lines = linesOf(served.stdout);
      const short = formatPublicKey(clientKeys.publicKey).slice(0, 16);
      expect(lines).toContain(`${short}... 127.0.0.1:${echo.port}: succeeded (0), 195.3 KiB to it, 195.3 KiB back`);
      expect(lines.some((l) => l.startsWith(`${short}... 127.0.0.2:${echo.port}: connection not allowed by ruleset (2): `))).toBe(true);
      expect(lines.some((l) => l.startsWith(`${short}... 127.0.0.1:${http.port}: succeeded (0)`))).toBe(true);
    } finally {
      for (const p of running) if (p.child.exitCode === null) p.child.kill('SIGKILL');
      await echo.close();
      await http.close();
    }
  });
});
