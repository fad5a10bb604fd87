import { readFileSync } from 'node:fs';
import { CliError } from './args.js';

/**
 * The `--psk FILE` option of the `mpt` command, servers' and clients' alike: a file holding a 32-byte
 * pre-shared key (Noise NNpsk0, no static keys).
 * @module
 */

/** The `--psk` line of a usage text. */
export const PSK_OPTION_HELP = `  --psk FILE            a pre-shared key: a file of 64 hex digits (openssl rand -hex 32) or of 32 bytes`;

/**
 * A pre-shared key file: 64 hex digits (spaces and line breaks around them ignored), or 32 bytes.
 * Throws ERR_MPT_CLI_BAD_PSK (exit 1) for a file that is neither, and node's error (ENOENT...) for one
 * that cannot be read.
 */
export function readPskFile(file: string): Uint8Array {
  const bytes = readFileSync(file);
  const text = bytes.toString('latin1').trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  if (bytes.length === 32) return new Uint8Array(bytes);
  throw new CliError('ERR_MPT_CLI_BAD_PSK', `${file} is not a pre-shared key: 64 hex digits (openssl rand -hex 32) or 32 bytes`);
}
