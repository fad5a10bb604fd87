import { createCipheriv, createDecipheriv, getCiphers } from 'node:crypto';
import { err, ok, type Result } from 'neverthrow';
import { MptError, MptErrorCode } from '../errors.js';
import {
  AEAD_KEY_LENGTH,
  AEAD_TAG_LENGTH,
  AeadId,
  aeadName,
  checkOpenArgs,
  checkSealArgs,
  type Aead,
  type CryptoProvider,
} from './provider.js';

type NodeAeadAlgorithm = 'aes-256-gcm' | 'chacha20-poly1305';

// node's typings overload createCipheriv per algorithm family, so a union of
// the two names needs one call site each.
function makeCipher(algorithm: NodeAeadAlgorithm, key: Buffer, nonce: Uint8Array) {
  return algorithm === 'aes-256-gcm'
    ? createCipheriv(algorithm, key, nonce, { authTagLength: AEAD_TAG_LENGTH })
    : createCipheriv(algorithm, key, nonce, { authTagLength: AEAD_TAG_LENGTH });
}

function makeDecipher(algorithm: NodeAeadAlgorithm, key: Buffer, nonce: Uint8Array) {
  return algorithm === 'aes-256-gcm'
    ? createDecipheriv(algorithm, key, nonce, { authTagLength: AEAD_TAG_LENGTH })
    : createDecipheriv(algorithm, key, nonce, { authTagLength: AEAD_TAG_LENGTH });
}

/**
 * One keyed AEAD over node:crypto. node:crypto has no one-shot AEAD call, so
 * every seal and open builds a cipher object (the cost measured in
 * docs/crypto.md §7); nothing else is allocated beyond what it forces.
 */
class NodeAead implements Aead {
  readonly id: AeadId;
  private readonly algorithm: NodeAeadAlgorithm;
  private readonly key: Buffer;

  constructor(id: AeadId, key: Uint8Array) {
    this.id = id;
    this.algorithm = id === AeadId.Aes256Gcm ? 'aes-256-gcm' : 'chacha20-poly1305';
    this.key = Buffer.from(key);
  }

  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, out?: Uint8Array): Uint8Array {
    const total = checkSealArgs(nonce, plaintext.length, out);
    const cipher = makeCipher(this.algorithm, this.key, nonce);
    if (aad.length > 0) cipher.setAAD(aad);
    const body = cipher.update(plaintext);
    // GCM and ChaCha20-Poly1305 are stream modes: final() emits nothing, but it
    // is what computes the tag.
    cipher.final();
    const tag = cipher.getAuthTag();
    const target = out ?? Buffer.allocUnsafe(total);
    target.set(body, 0);
    target.set(tag, plaintext.length);
    return out === undefined ? target : target.subarray(0, total);
  }

  open(nonce: Uint8Array, aad: Uint8Array, ciphertextWithTag: Uint8Array, out?: Uint8Array): Uint8Array | null {
    const bodyLength = checkOpenArgs(nonce, ciphertextWithTag.length, out);
    if (bodyLength < 0) return null;
    try {
      const decipher = makeDecipher(this.algorithm, this.key, nonce);
      decipher.setAuthTag(ciphertextWithTag.subarray(bodyLength));
      if (aad.length > 0) decipher.setAAD(aad);
      const body = decipher.update(ciphertextWithTag.subarray(0, bodyLength));
      // final() throws when the tag does not verify; the plaintext is only
      // released after that check.
      decipher.final();
      if (out === undefined) return body;
      out.set(body, 0);
      return out.subarray(0, bodyLength);
    } catch {
      return null;
    }
  }
}

/**
 * Whether this process's node:crypto offers ChaCha20-Poly1305. True on Node's
 * OpenSSL; false on Electron, whose BoringSSL does not expose it as a cipher.
 */
export function nodeHasChaCha20Poly1305(): boolean {
  try {
    return getCiphers().includes('chacha20-poly1305');
  } catch {
    return false;
  }
}

let cached: CryptoProvider | undefined;

/**
 * The node:crypto provider: AES-256-GCM always, ChaCha20-Poly1305 when the
 * runtime's OpenSSL has it. AES-256-GCM is listed first: with AES-NI it is
 * at least as fast here, and per-packet cost is dominated by building the
 * cipher object anyway. The provider is stateless and shared.
 */
export function nodeProvider(): CryptoProvider {
  if (cached !== undefined) return cached;
  const aeads: AeadId[] = [AeadId.Aes256Gcm];
  if (nodeHasChaCha20Poly1305()) aeads.push(AeadId.ChaCha20Poly1305);
  const frozen = Object.freeze(aeads);
  cached = Object.freeze({
    name: 'node:crypto',
    aeads: frozen,
    createAead(id: AeadId, key: Uint8Array): Result<Aead, MptError> {
      if (!frozen.includes(id)) {
        return err(new MptError(MptErrorCode.UnsupportedCipher, `node:crypto does not provide ${aeadName(id)}`));
      }
      if (key.length !== AEAD_KEY_LENGTH) {
        return err(new MptError(MptErrorCode.InvalidKey, `AEAD key must be ${AEAD_KEY_LENGTH} bytes, got ${key.length}`));
      }
      return ok(new NodeAead(id, key));
    },
  });
  return cached;
}
