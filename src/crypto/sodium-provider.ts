import { err, ok, type Result } from 'neverthrow';
import { MptError, MptErrorCode } from '../errors.js';
import { loadOptional } from './load-optional.js';
import {
  AEAD_KEY_LENGTH,
  AeadId,
  aeadName,
  checkOpenArgs,
  checkSealArgs,
  type Aead,
  type CryptoProvider,
} from './provider.js';

/** The two sodium-native calls mpt uses (it ships no type declarations). */
interface SodiumAeadBinding {
  crypto_aead_chacha20poly1305_ietf_encrypt(
    c: Uint8Array,
    m: Uint8Array,
    ad: Uint8Array | null,
    nsec: null,
    npub: Uint8Array,
    k: Uint8Array,
  ): number;
  crypto_aead_chacha20poly1305_ietf_decrypt(
    m: Uint8Array,
    nsec: null,
    c: Uint8Array,
    ad: Uint8Array | null,
    npub: Uint8Array,
    k: Uint8Array,
  ): number;
}

function isSodiumAeadBinding(value: unknown): value is SodiumAeadBinding {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v['crypto_aead_chacha20poly1305_ietf_encrypt'] === 'function' &&
    typeof v['crypto_aead_chacha20poly1305_ietf_decrypt'] === 'function'
  );
}

/**
 * ChaCha20-Poly1305 (IETF, RFC 8439) through libsodium: a single native call
 * per packet, writing straight into the caller's buffer.
 */
class SodiumChaChaAead implements Aead {
  readonly id = AeadId.ChaCha20Poly1305;
  private readonly sodium: SodiumAeadBinding;
  private readonly key: Uint8Array;

  constructor(sodium: SodiumAeadBinding, key: Uint8Array) {
    this.sodium = sodium;
    this.key = Uint8Array.from(key);
  }

  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, out?: Uint8Array): Uint8Array {
    const total = checkSealArgs(nonce, plaintext.length, out);
    const target = out === undefined ? Buffer.allocUnsafe(total) : out.subarray(0, total);
    this.sodium.crypto_aead_chacha20poly1305_ietf_encrypt(
      target,
      plaintext,
      aad.length > 0 ? aad : null,
      null,
      nonce,
      this.key,
    );
    return target;
  }

  open(nonce: Uint8Array, aad: Uint8Array, ciphertextWithTag: Uint8Array, out?: Uint8Array): Uint8Array | null {
    const bodyLength = checkOpenArgs(nonce, ciphertextWithTag.length, out);
    if (bodyLength < 0) return null;
    const target = out === undefined ? Buffer.allocUnsafe(bodyLength) : out.subarray(0, bodyLength);
    try {
      // sodium-native throws (rather than returning -1) when the tag fails.
      this.sodium.crypto_aead_chacha20poly1305_ietf_decrypt(
        target,
        null,
        ciphertextWithTag,
        aad.length > 0 ? aad : null,
        nonce,
        this.key,
      );
      return target;
    } catch {
      return null;
    }
  }
}

let probed = false;
let cached: CryptoProvider | undefined;

/**
 * The sodium-native provider (ChaCha20-Poly1305 only: libsodium's AES-GCM
 * needs AES-NI and sodium-native does not bind it). Returns undefined when
 * sodium-native is not installed or does not load; it is an optional
 * dependency and is never required.
 */
export function sodiumProvider(): CryptoProvider | undefined {
  if (probed) return cached;
  probed = true;
  const sodium = loadOptional('sodium-native');
  if (!isSodiumAeadBinding(sodium)) return undefined;
  const aeads = Object.freeze([AeadId.ChaCha20Poly1305] as AeadId[]);
  cached = Object.freeze({
    name: 'sodium-native',
    aeads,
    createAead(id: AeadId, key: Uint8Array): Result<Aead, MptError> {
      if (id !== AeadId.ChaCha20Poly1305) {
        return err(new MptError(MptErrorCode.UnsupportedCipher, `sodium-native does not provide ${aeadName(id)}`));
      }
      if (key.length !== AEAD_KEY_LENGTH) {
        return err(new MptError(MptErrorCode.InvalidKey, `AEAD key must be ${AEAD_KEY_LENGTH} bytes, got ${key.length}`));
      }
      return ok(new SodiumChaChaAead(sodium, key));
    },
  });
  return cached;
}
