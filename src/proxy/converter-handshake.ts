import { formatPublicKey } from '../crypto/public-key-text.js';
import { MptError, MptErrorCode } from '../errors.js';
import type { MptConnectOptions } from '../node/options.js';
import { presentedKey } from '../node/presented-key.js';
import { ClientKeyRefusedError, ConverterKeyMismatchError } from './converter-key-errors.js';

/**
 * How openTunnel() settles the converter's key before a tunnel, and tells why a converter dropped a
 * tunnel's handshake. A converter that refuses a client drops its handshake without a word: in Noise
 * XX the client cannot even tell (it believes itself connected and waits for a reply that never
 * comes); in IK the connect watchdog finds, in about a second, that a server answers but dropped the
 * handshake, which is either our client key refused or a pinned key that is not the converter's.
 * One XX question for the converter's key (which makes no connection) tells the two apart.
 * @module
 */

/** `host:port` of the converter the options name. */
function whereOf(options: MptConnectOptions): string {
  const host = options.host ?? 'localhost';
  return `${host.includes(':') ? `[${host}]` : host}:${options.port}`;
}

/**
 * The converter's key to pin, when none is: the key it presents (asked with one XX handshake that
 * makes no connection), if `verifyServerKey` (when given) accepts it. Rejects with the question's
 * error when the converter does not answer (ECONNREFUSED, ERR_MPT_CONNECT_TIMEOUT...), and with
 * ERR_MPT_SERVER_KEY_MISMATCH when `verifyServerKey` rejects the key.
 */
export async function learnConverterKey(options: MptConnectOptions): Promise<Uint8Array> {
  const asked = await presentedKey(options);
  if (asked.key === undefined) throw asked.error ?? new MptError(MptErrorCode.HandshakeFailed, `the converter at ${whereOf(options)} presented no key`);
  if (options.verifyServerKey !== undefined && !options.verifyServerKey(asked.key)) {
    throw new MptError(MptErrorCode.ServerKeyMismatch, `the converter at ${whereOf(options)} presented ${formatPublicKey(asked.key)}, which verifyServerKey rejected`);
  }
  return asked.key;
}

/**
 * What the failure `error` of a tunnel's connect with the pinned `options.serverKey` means: for a
 * handshake the converter dropped (ERR_MPT_SERVER_KEY_MISMATCH or ERR_MPT_HANDSHAKE_FAILED from the
 * connect watchdog), the converter is asked for its key: the pinned one means it refused our client
 * key ({@link ClientKeyRefusedError}), another one that the pinned key is not its key
 * ({@link ConverterKeyMismatchError}). Any other error, or no answer to the question, leaves
 * `error` as it is.
 */
export async function explainHandshakeFailure(error: unknown, options: MptConnectOptions): Promise<unknown> {
  const code = (error as { code?: unknown } | undefined)?.code;
  const pinned = options.serverKey;
  if (pinned === undefined || options.psk !== undefined) return error;
  if (code !== MptErrorCode.ServerKeyMismatch && code !== MptErrorCode.HandshakeFailed) return error;
  if (error instanceof ClientKeyRefusedError || error instanceof ConverterKeyMismatchError) return error;
  if (options.signal?.aborted === true) return error;
  const asked = await presentedKey(options);
  if (asked.key === undefined) return error;
  if (Buffer.from(asked.key).equals(pinned)) return new ClientKeyRefusedError(whereOf(options), options.keyPair?.publicKey, pinned, error);
  return new ConverterKeyMismatchError(whereOf(options), pinned, asked.key, error);
}
