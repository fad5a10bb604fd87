import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync, existsSync } from 'node:fs';
import { err, ok, type Result } from 'neverthrow';
import { keyPairFromPrivate, X25519_KEY_LENGTH, type KeyPair } from '../crypto/x25519.js';
import { formatPublicKey, PUBLIC_KEY_PREFIX } from '../crypto/public-key-text.js';
import { CliError, UsageError } from './args.js';

/**
 * Keys of the `mpt` command as text and in files. A public key is `mpt-pub:` and the base64url (RFC
 * 4648 §5, no padding) of its 32 bytes: 51 characters, what `mpt keygen` and `mpt serve` print and
 * what `--server-key` and `--client-key` take, either as that string or as the path of a file holding
 * it (an `id.pub`). A private key is `mpt-priv:` and the base64url of its 32 bytes, in a file of its
 * own (`--key FILE`), mode 0600: never on the command line, where other users could see it. In a key
 * file the key is the first line that is neither blank nor a `#` comment.
 * @module
 */

export { formatPublicKey, PUBLIC_KEY_PREFIX } from '../crypto/public-key-text.js';
/** What a private key starts with. */
export const PRIVATE_KEY_PREFIX = 'mpt-priv:';
/** Key files are tiny: a longer file is not one. */
const MAX_KEY_FILE_BYTES = 4096;
const BASE64URL_32 = /^[A-Za-z0-9_-]{43}$/;

const b64url = (key: Uint8Array): string => Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('base64url');

/** A private key as text: `mpt-priv:` + base64url of its 32 bytes. */
export function formatPrivateKey(key: Uint8Array): string {
  return PRIVATE_KEY_PREFIX + b64url(key);
}

function parseKey(text: string, prefix: string, what: string): Result<Uint8Array, string> {
  const trimmed = text.trim();
  if (!trimmed.startsWith(prefix)) return err(`a ${what} starts with '${prefix}'`);
  const body = trimmed.slice(prefix.length);
  if (!BASE64URL_32.test(body)) return err(`a ${what} is '${prefix}' and 43 base64url characters`);
  const bytes = Uint8Array.from(Buffer.from(body, 'base64url'));
  // 43 characters hold 258 bits: the last 2 must be zero, so one key has one spelling.
  if (bytes.length !== X25519_KEY_LENGTH || b64url(bytes) !== body) return err(`'${trimmed}' is not a valid ${what}`);
  return ok(bytes);
}

/** Reads `mpt-pub:...` back into 32 bytes, or says what is wrong. */
export function parsePublicKey(text: string): Result<Uint8Array, string> {
  return parseKey(text, PUBLIC_KEY_PREFIX, 'public key');
}

/** Reads `mpt-priv:...` back into 32 bytes, or says what is wrong. */
export function parsePrivateKey(text: string): Result<Uint8Array, string> {
  return parseKey(text, PRIVATE_KEY_PREFIX, 'private key');
}

/** The key line of a key file's text: the first line neither blank nor a `#` comment ('' if none). */
export function keyLine(text: string): string {
  for (const line of text.split(/\r?\n/)) {
    const t = line.trim();
    if (t !== '' && !t.startsWith('#')) return t;
  }
  return '';
}

/** The key line of `file`; fs errors (ENOENT...) as thrown, a file too large as ERR_MPT_CLI_BAD_KEY_FILE. */
function readKeyLine(file: string): string {
  if (statSync(file).size > MAX_KEY_FILE_BYTES) throw new CliError('ERR_MPT_CLI_BAD_KEY_FILE', `${file} is too large to be a key file`);
  return keyLine(readFileSync(file, 'utf8'));
}

/**
 * A public key given as an argument: the `mpt-pub:...` string itself, or the path of a file holding
 * one. A malformed string is a {@link UsageError}; a file that cannot be read fails with its fs error
 * (ENOENT...), one that holds no public key with ERR_MPT_CLI_BAD_KEY_FILE.
 */
export function loadPublicKey(arg: string): Uint8Array {
  if (arg.startsWith(PUBLIC_KEY_PREFIX)) {
    const key = parsePublicKey(arg);
    if (key.isErr()) throw new UsageError(key.error);
    return key.value;
  }
  if (arg.startsWith(PRIVATE_KEY_PREFIX)) throw new UsageError('that is a private key: give the public key (mpt-pub:...) or its file');
  const line = readKeyLine(arg);
  if (line.startsWith(PRIVATE_KEY_PREFIX)) throw new CliError('ERR_MPT_CLI_BAD_KEY_FILE', `${arg} holds a private key: give the public key (${arg}.pub, or mpt-pub:...)`);
  const key = parsePublicKey(line);
  if (key.isErr()) throw new CliError('ERR_MPT_CLI_BAD_KEY_FILE', `${arg} holds no public key: ${key.error}`);
  return key.value;
}

/**
 * The key pair of a private key file (`--key FILE`). Fails with the fs error when it cannot be read,
 * ERR_MPT_CLI_BAD_KEY_FILE when it holds no private key. `warn` hears of a file other users may read
 * (on POSIX systems: group or world permission bits set).
 */
export function loadKeyPair(file: string, warn: (message: string) => void = () => {}): KeyPair {
  const line = readKeyLine(file);
  const key = parsePrivateKey(line);
  if (key.isErr()) {
    const hint = line.startsWith(PUBLIC_KEY_PREFIX) ? ': it holds a public key (give the file without .pub)' : `: ${key.error}`;
    throw new CliError('ERR_MPT_CLI_BAD_KEY_FILE', `${file} holds no private key${hint}`);
  }
  const pair = keyPairFromPrivate(key.value);
  if (pair === undefined) throw new CliError('ERR_MPT_CLI_BAD_KEY_FILE', `${file}: not a usable X25519 private key`);
  if (process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0) warn(`${file} may be read by other users: chmod 600 it`);
  return pair;
}

/** Writes `text` to a new file `file` created with `mode` (fails if it exists). */
function writeNew(file: string, text: string, mode: number): void {
  const fd = openSync(file, 'wx', mode);
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

/** Writes `text` to `file` with `mode`: into a new file beside it, renamed over `file` (an existing file's mode is not inherited). */
function replaceFile(file: string, text: string, mode: number): void {
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    writeNew(temp, text, mode);
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

/**
 * Writes a key pair: the private key to `file` (created with mode 0600, so it is never readable by
 * others, not even for a moment; on Windows the mode is not applied) and the public key to
 * `file.pub` (0644), each `mpt-...` and a newline. Without `force`, fails with ERR_MPT_CLI_EXISTS if
 * either file exists, before writing anything; with it, replaces them.
 */
export function writeKeyPairFiles(file: string, keyPair: KeyPair, force: boolean): void {
  const pub = `${file}.pub`;
  if (!force) {
    for (const f of [file, pub]) if (existsSync(f)) throw new CliError('ERR_MPT_CLI_EXISTS', `${f} exists: not overwriting it (--force to replace the key pair)`);
  }
  const write = force ? replaceFile : writeNew;
  write(file, `${formatPrivateKey(keyPair.privateKey)}\n`, 0o600);
  write(pub, `${formatPublicKey(keyPair.publicKey)}\n`, 0o644);
}
