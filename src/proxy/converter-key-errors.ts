import { formatPublicKey } from '../crypto/public-key-text.js';
import { MptError, MptErrorCode } from '../errors.js';

/**
 * The two errors that say for certain why a converter dropped a tunnel's handshake (openTunnel() asks
 * the converter for its key once the handshake failed, see converter-handshake.ts): it does not
 * accept our client key ({@link ClientKeyRefusedError}), or its key is not the one pinned
 * ({@link ConverterKeyMismatchError}).
 * @module
 */

/**
 * The converter presents the pinned key (or the one just learnt) but dropped our handshake: it does
 * not accept our client key (not on its `clientKeys`, or it takes only PSK clients). Code
 * ERR_MPT_HANDSHAKE_FAILED; a local proxy answers it with SOCKS5 reply 2 (not allowed by ruleset)
 * and HTTP 403.
 */
export class ClientKeyRefusedError extends MptError {
  /** Our static public key, the one refused; undefined when no `keyPair` was given (a fresh key per connection). */
  readonly clientKey: Uint8Array | undefined;
  /** The converter's key (which it presented, and which was pinned). */
  readonly serverKey: Uint8Array;

  constructor(where: string, clientKey: Uint8Array | undefined, serverKey: Uint8Array, cause: unknown) {
    const ours = clientKey === undefined ? 'a key made for this connection (no keyPair given)' : formatPublicKey(clientKey);
    super(
      MptErrorCode.HandshakeFailed,
      `the converter at ${where} (${formatPublicKey(serverKey)}) dropped our handshake: it does not accept our client key ${ours}; ` +
        "put it on the converter's client keys (clientKeys; mpt serve --mode converter --client-key), or give a key it accepts (keyPair; --key FILE)",
      { cause },
    );
    this.name = 'ClientKeyRefusedError';
    this.clientKey = clientKey;
    this.serverKey = serverKey;
  }
}

/**
 * The converter presents another key than the pinned `serverKey`: its key changed (a converter
 * started without a key file gets a fresh one each run), or something else answers in its name.
 * Code ERR_MPT_SERVER_KEY_MISMATCH; a local proxy answers it with SOCKS5 reply 1 and HTTP 502.
 */
export class ConverterKeyMismatchError extends MptError {
  /** The key pinned (`serverKey`). */
  readonly pinnedKey: Uint8Array;
  /** The key the converter presents. */
  readonly presentedKey: Uint8Array;

  constructor(where: string, pinnedKey: Uint8Array, presentedKey: Uint8Array, cause: unknown) {
    super(
      MptErrorCode.ServerKeyMismatch,
      `the converter at ${where} presents ${formatPublicKey(presentedKey)}, not the pinned serverKey ${formatPublicKey(pinnedKey)}: ` +
        'if its key changed on purpose, pin the new one (serverKey; --server-key); otherwise something else answers in its name',
      { cause },
    );
    this.name = 'ConverterKeyMismatchError';
    this.pinnedKey = pinnedKey;
    this.presentedKey = presentedKey;
  }
}
