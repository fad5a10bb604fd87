// A converter that refuses us, as `mpt connect --via` and `mpt proxy` report it: our client key not on
// its list (one line naming the key and --key; the proxy's SOCKS5 client gets reply 2, its tunnel line
// says why) and a converter key that is not the pinned one (one line naming both keys), each before
// the 20 s reply timeout would end the wait.
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatPublicKey, writeKeyPairFiles } from '../../../src/cli/key-files.js';
import { generateKeyPair } from '../../../src/crypto/x25519.js';
import { createConverter, type MptConverter } from '../../../src/index.js';
import { socks5Connect } from '../../proxy/clients.js';
import { hasStackTrace, linesOf, runCli, startCli } from '../../support/run-cli.js';

const root = mkdtempSync(join(tmpdir(), 'mpt-converter-refusals-'));
const env = { MPT_CONFIG_DIR: join(root, 'config') };
const converters: MptConverter[] = [];
afterAll(async () => {
  for (const c of converters) await new Promise<void>((resolve) => c.close(() => resolve()));
  rmSync(root, { recursive: true, force: true });
});

/** A converter on 127.0.0.1 that lets only `clientKey` in; resolves with it and its `HOST:PORT`. */
async function converterFor(clientKey: Uint8Array): Promise<{ converter: MptConverter; via: string }> {
  const converter = createConverter({ clientKeys: [clientKey], allow: ['127.0.0.1/32'] });
  converters.push(converter);
  converter.listen(0, '127.0.0.1');
  await once(converter, 'listening');
  return { converter, via: `127.0.0.1:${(converter.address() as { port: number }).port}` };
}

/** A key pair in a file of its own (mpt keygen's format). */
function keyFile(name: string): { file: string; publicKey: Uint8Array } {
  const keyPair = generateKeyPair();
  const file = join(root, name);
  writeKeyPairFiles(file, keyPair, false);
  return { file, publicKey: keyPair.publicKey };
}

describe('a converter that refuses us', () => {
  it('mpt connect --via: our client key refused, or a converter key that is not the pinned one, each in one line', async () => {
    const allowed = keyFile('allowed');
    const stranger = keyFile('stranger');
    const { converter, via } = await converterFor(allowed.publicKey);
    const key = formatPublicKey(converter.publicKey);
    const oldKey = formatPublicKey(generateKeyPair().publicKey);
    const [refused, unpinned, changed] = await Promise.all([
      runCli(['connect', '--via', via, '127.0.0.1:9', '--key', stranger.file, '--server-key', key], { env, stdin: Buffer.from('x') }),
      runCli(['connect', '--via', via, '127.0.0.1:9', '--key', stranger.file, '--no-known-hosts'], { env, stdin: Buffer.from('x') }),
      runCli(['connect', '--via', via, '127.0.0.1:9', '--key', allowed.file, '--server-key', oldKey], { env, stdin: Buffer.from('x') }),
    ]);
    for (const run of [refused, unpinned]) {
      expect(run.code).toBe(1);
      expect(String(run.stdout)).toBe('');
      expect(hasStackTrace(run.stderr)).toBe(false);
      const lines = linesOf(run.stderr).filter((l) => !l.includes('presented mpt-pub:'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`mpt connect: the converter at ${via} (${key}) dropped our handshake: it does not accept our client key ${formatPublicKey(stranger.publicKey)}`);
      expect(lines[0]).toMatch(/--key FILE.*\(ERR_MPT_HANDSHAKE_FAILED\)$/);
    }
    expect(changed.code).toBe(1);
    expect(linesOf(changed.stderr)).toEqual([expect.stringMatching(new RegExp(`^mpt connect: the converter at ${via} presents ${key}, not the pinned serverKey ${oldKey}: .*\\(ERR_MPT_SERVER_KEY_MISMATCH\\)$`))]);
  });

  it("mpt proxy whose key the converter refuses: the SOCKS5 client gets reply 2, the tunnel line names the key", async () => {
    const allowed = keyFile('allowed-2');
    const stranger = keyFile('stranger-2');
    const { converter, via } = await converterFor(allowed.publicKey);
    const proxy = startCli(['proxy', '--converter', via, '--listen', '127.0.0.1:0', '--key', stranger.file, '--server-key', formatPublicKey(converter.publicKey)], { env });
    try {
      const [, port] = await proxy.waitFor(/^listening on 127\.0\.0\.1:(\d+) /m);
      const socks = await socks5Connect(Number(port), { host: '127.0.0.1', port: 9 });
      expect(socks.reply?.[1]).toBe(2);
      socks.client.destroy();
      const [line] = await proxy.waitFor(/^socks5 .*$/m);
      expect(line).toMatch(/^socks5 127\.0\.0\.1:\d+ -> 127\.0\.0\.1:9: failed \(reply 2\): /);
      expect(line).toContain(`does not accept our client key ${formatPublicKey(stranger.publicKey)}`);
      expect(line).toContain('--key FILE');
    } finally {
      proxy.child.kill('SIGTERM');
      await proxy.done;
    }
  });
});
