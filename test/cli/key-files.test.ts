// Keys as text and in files (src/cli/key-files.ts).
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CliError, UsageError } from '../../src/cli/args.js';
import {
  formatPrivateKey,
  formatPublicKey,
  keyLine,
  loadKeyPair,
  loadPublicKey,
  parsePrivateKey,
  parsePublicKey,
  writeKeyPairFiles,
} from '../../src/cli/key-files.js';
import { generateKeyPair } from '../../src/crypto/x25519.js';

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mpt-keys-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (error) {
    return error;
  }
  throw new Error('nothing thrown');
}

describe('key text', () => {
  it('round-trips both kinds: a prefix and 43 base64url characters', () => {
    const pair = generateKeyPair();
    const pub = formatPublicKey(pair.publicKey);
    expect(pub).toMatch(/^mpt-pub:[A-Za-z0-9_-]{43}$/);
    expect(parsePublicKey(pub)._unsafeUnwrap()).toEqual(pair.publicKey);
    expect(parsePrivateKey(formatPrivateKey(pair.privateKey))._unsafeUnwrap()).toEqual(pair.privateKey);
    // The all-zero key and the all-0xff key: the alphabet's ends.
    expect(formatPublicKey(new Uint8Array(32))).toBe(`mpt-pub:${'A'.repeat(43)}`);
    expect(parsePublicKey(formatPublicKey(new Uint8Array(32).fill(255)))._unsafeUnwrap()).toEqual(new Uint8Array(32).fill(255));
  });

  it('refuses the wrong prefix, length, alphabet and a second spelling of the same bytes', () => {
    const body = formatPublicKey(generateKeyPair().publicKey).slice('mpt-pub:'.length);
    expect(parsePublicKey(`mpt-priv:${body}`)._unsafeUnwrapErr()).toMatch(/starts with 'mpt-pub:'/);
    expect(parsePublicKey(`mpt-pub:${body.slice(1)}`).isErr()).toBe(true);
    expect(parsePublicKey(`mpt-pub:${body.slice(1)}+`).isErr()).toBe(true);
    // 'B' in the last place sets one of the two bits beyond the 256 (A..D decode alike).
    expect(parsePublicKey(`mpt-pub:${'A'.repeat(42)}B`)._unsafeUnwrapErr()).toMatch(/not a valid public key/);
  });

  it('finds the key line of a file, past blanks and comments', () => {
    expect(keyLine('\n# my server\n  mpt-pub:x  \nnext\n')).toBe('mpt-pub:x');
    expect(keyLine('# only a comment\n')).toBe('');
  });
});

describe('key files', () => {
  it('writes the private key with mode 0600 and the public key beside it, and reads both back', () => {
    const pair = generateKeyPair();
    const file = join(dir, 'id');
    writeKeyPairFiles(file, pair, false);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toBe(`${formatPrivateKey(pair.privateKey)}\n`);
    expect(readFileSync(`${file}.pub`, 'utf8')).toBe(`${formatPublicKey(pair.publicKey)}\n`);
    const warnings: string[] = [];
    expect(loadKeyPair(file, (w) => warnings.push(w))).toEqual(pair);
    expect(warnings).toEqual([]);
    expect(loadPublicKey(`${file}.pub`)).toEqual(pair.publicKey);
    expect(loadPublicKey(formatPublicKey(pair.publicKey))).toEqual(pair.publicKey);
  });

  it('refuses to overwrite without force, touching neither file; with force replaces both, the private one still 0600', () => {
    const file = join(dir, 'id');
    writeFileSync(`${file}.pub`, 'old\n');
    const refused = thrown(() => writeKeyPairFiles(file, generateKeyPair(), false));
    expect(refused).toBeInstanceOf(CliError);
    expect((refused as CliError).code).toBe('ERR_MPT_CLI_EXISTS');
    expect(() => statSync(file)).toThrow();
    expect(readFileSync(`${file}.pub`, 'utf8')).toBe('old\n');
    writeFileSync(file, 'old\n', { mode: 0o644 });
    chmodSync(file, 0o644);
    const pair = generateKeyPair();
    writeKeyPairFiles(file, pair, true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadKeyPair(file)).toEqual(pair);
  });

  it('warns of a private key file others may read', () => {
    const file = join(dir, 'id');
    writeKeyPairFiles(file, generateKeyPair(), false);
    chmodSync(file, 0o640);
    const warnings: string[] = [];
    loadKeyPair(file, (w) => warnings.push(w));
    expect(warnings).toEqual([`${file} may be read by other users: chmod 600 it`]);
  });

  it('says what is wrong with a key argument or file', () => {
    const file = join(dir, 'id');
    const pair = generateKeyPair();
    writeKeyPairFiles(file, pair, false);
    expect(thrown(() => loadPublicKey('mpt-pub:short'))).toBeInstanceOf(UsageError);
    expect(thrown(() => loadPublicKey(formatPrivateKey(pair.privateKey)))).toBeInstanceOf(UsageError);
    expect((thrown(() => loadPublicKey(join(dir, 'missing'))) as { code: string }).code).toBe('ENOENT');
    const wrongKind = thrown(() => loadPublicKey(file)) as CliError;
    expect(wrongKind.code).toBe('ERR_MPT_CLI_BAD_KEY_FILE');
    expect(wrongKind.message).toMatch(/holds a private key/);
    expect((thrown(() => loadKeyPair(`${file}.pub`)) as CliError).message).toMatch(/holds a public key/);
    writeFileSync(join(dir, 'big'), 'x'.repeat(10_000));
    expect((thrown(() => loadKeyPair(join(dir, 'big'))) as CliError).message).toMatch(/too large/);
  });
});
