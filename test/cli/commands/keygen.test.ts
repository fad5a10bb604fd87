// `mpt keygen` as a user runs it: the key pair files, their modes, the printed key, no overwriting.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadKeyPair, loadPublicKey } from '../../../src/cli/key-files.js';
import { hasStackTrace, linesOf, runCli } from '../../support/run-cli.js';

const root = mkdtempSync(join(tmpdir(), 'mpt-keygen-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('mpt keygen', () => {
  it('writes FILE (0600) and FILE.pub, prints the public key, and refuses to overwrite them', async () => {
    const config = join(root, 'config');
    const file = join(root, 'server-key');
    const [chosen, byDefault] = await Promise.all([
      runCli(['keygen', '-o', file], { env: { MPT_CONFIG_DIR: config } }),
      runCli(['keygen'], { env: { MPT_CONFIG_DIR: config } }),
    ]);
    for (const [run, path] of [
      [chosen, file],
      [byDefault, join(config, 'id')],
    ] as const) {
      expect(run.code).toBe(0);
      expect(run.stderr).toBe(`mpt keygen: wrote the private key to ${path} and the public key to ${path}.pub\n`);
      expect(statSync(path).mode & 0o777).toBe(0o600);
      const printed = String(run.stdout);
      expect(printed).toMatch(/^mpt-pub:[A-Za-z0-9_-]{43}\n$/);
      expect(readFileSync(`${path}.pub`, 'utf8')).toBe(printed);
      // The private key is the public key's: it derives the printed key.
      expect(loadKeyPair(path).publicKey).toEqual(loadPublicKey(`${path}.pub`));
    }
    expect(statSync(config).mode & 0o777).toBe(0o700);

    const before = readFileSync(file, 'utf8');
    const again = await runCli(['keygen', '-o', file], { env: { MPT_CONFIG_DIR: config } });
    expect(again.code).toBe(1);
    expect(String(again.stdout)).toBe('');
    expect(hasStackTrace(again.stderr)).toBe(false);
    expect(linesOf(again.stderr)).toEqual([`mpt keygen: ${file} exists: not overwriting it (--force to replace the key pair) (ERR_MPT_CLI_EXISTS)`]);
    expect(readFileSync(file, 'utf8')).toBe(before);
  });
});
