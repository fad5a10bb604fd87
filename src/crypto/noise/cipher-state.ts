import { err, ok, type Result } from 'neverthrow';
import { MptError, MptErrorCode } from '../../errors.js';
import { AEAD_KEY_LENGTH, AEAD_NONCE_LENGTH, AeadId, TWO_POW_32, type Aead, type CryptoProvider } from '../provider.js';

/** Builds a keyed AEAD for one cipher; see {@link aeadFactory}. */
export type AeadFactory = (key: Uint8Array) => Aead;

/**
 * Checks once that `provider` has cipher `id` and returns a factory for keyed
 * instances, so CipherState never has to handle "unsupported" mid-handshake.
 */
export function aeadFactory(provider: CryptoProvider, id: AeadId): Result<AeadFactory, MptError> {
  if (!provider.aeads.includes(id)) {
    return err(new MptError(MptErrorCode.UnsupportedCipher, `${provider.name} lacks AEAD ${id}`));
  }
  return ok((key) =>
    provider.createAead(id, key).match(
      (aead) => aead,
      (e) => {
        // Only a provider that breaks its own contract (listed id, 32-byte
        // key, yet refused) gets here.
        throw e;
      },
    ),
  );
}

// Noise reserves nonce 2^64-1 for rekey (§5.1); JavaScript numbers are exact
// to 2^53-1, which is as far as a counter here can go. Nobody sends 2^53
// messages under one key.
const MAX_NONCE = Number.MAX_SAFE_INTEGER;

/**
 * A Noise CipherState (Noise rev 34 §5.1): a key k (or none) and a 64-bit
 * counter n. With no key, encryption and decryption are the identity, as
 * the spec requires for early handshake payloads.
 */
export class CipherState {
  private readonly factory: AeadFactory;
  private readonly littleEndian: boolean;
  private readonly nonce = new Uint8Array(AEAD_NONCE_LENGTH);
  private readonly nonceView: DataView;
  private aead: Aead | undefined = undefined;
  private n = 0;

  /**
   * @param factory keyed-AEAD factory for the suite's cipher.
   * @param cipher which cipher, for the nonce layout: AESGCM puts the counter
   *   big-endian after 4 zero bytes (§12.4), ChaChaPoly little-endian (§12.3).
   * @param key an initial 32-byte key, or undefined for "empty".
   */
  constructor(factory: AeadFactory, cipher: AeadId, key?: Uint8Array) {
    this.factory = factory;
    this.littleEndian = cipher === AeadId.ChaCha20Poly1305;
    this.nonceView = new DataView(this.nonce.buffer);
    if (key !== undefined) this.initializeKey(key);
  }

  /**
   * InitializeKey(key): sets k (32 bytes, or undefined for empty) and n = 0.
   * Only the keyed AEAD is kept: providers copy the key bytes, so the
   * caller's buffer may be reused.
   */
  initializeKey(key: Uint8Array | undefined): void {
    this.aead = key === undefined ? undefined : this.factory(key);
    this.n = 0;
  }

  /** HasKey(): whether k is set. */
  hasKey(): boolean {
    return this.aead !== undefined;
  }

  /** The next nonce counter value n (messages encrypted or decrypted so far, unless reset). */
  get nonceCounter(): number {
    return this.n;
  }

  /** SetNonce(n): sets the counter, for out-of-order transport messages (§11.4). */
  setNonce(n: number): void {
    this.n = n;
  }

  private fillNonce(n: number): Uint8Array {
    const hi = Math.floor(n / TWO_POW_32) >>> 0;
    const lo = n >>> 0;
    if (this.littleEndian) {
      this.nonceView.setUint32(4, lo, true);
      this.nonceView.setUint32(8, hi, true);
    } else {
      this.nonceView.setUint32(4, hi, false);
      this.nonceView.setUint32(8, lo, false);
    }
    return this.nonce;
  }

  /**
   * EncryptWithAd(ad, plaintext): ciphertext || tag under the current nonce,
   * then n += 1; the plaintext itself when there is no key. Fails with
   * ERR_MPT_KEY_EXHAUSTED once the counter runs out.
   */
  encryptWithAd(ad: Uint8Array, plaintext: Uint8Array): Result<Uint8Array, MptError> {
    if (this.aead === undefined) return ok(Uint8Array.from(plaintext));
    if (!Number.isSafeInteger(this.n) || this.n < 0 || this.n >= MAX_NONCE) {
      return err(new MptError(MptErrorCode.KeyExhausted, 'Noise nonce counter exhausted'));
    }
    const out = this.aead.seal(this.fillNonce(this.n), ad, plaintext);
    this.n++;
    return ok(out);
  }

  /**
   * DecryptWithAd(ad, ciphertext): the plaintext, then n += 1; the input
   * itself when there is no key. On authentication failure n is unchanged
   * (§5.1) and the result is ERR_MPT_HANDSHAKE_FAILED.
   */
  decryptWithAd(ad: Uint8Array, ciphertext: Uint8Array): Result<Uint8Array, MptError> {
    if (this.aead === undefined) return ok(Uint8Array.from(ciphertext));
    if (!Number.isSafeInteger(this.n) || this.n < 0 || this.n >= MAX_NONCE) {
      return err(new MptError(MptErrorCode.KeyExhausted, 'Noise nonce counter exhausted'));
    }
    const plain = this.aead.open(this.fillNonce(this.n), ad, ciphertext);
    if (plain === null) return err(new MptError(MptErrorCode.HandshakeFailed, 'Noise decryption failed'));
    this.n++;
    return ok(plain);
  }

  /**
   * Rekey() with the default REKEY (§4.2, §11.3): k = the first 32 bytes of
   * ENCRYPT(k, 2^64-1, empty, 32 zero bytes). n is left as it is.
   */
  rekey(): void {
    if (this.aead === undefined) return;
    this.nonce.fill(0xff, 4);
    const next = this.aead.seal(this.nonce, new Uint8Array(0), new Uint8Array(AEAD_KEY_LENGTH));
    this.nonce.fill(0, 4);
    const n = this.n;
    this.initializeKey(next.subarray(0, AEAD_KEY_LENGTH));
    this.n = n;
  }

  /**
   * An independent copy (key, counter), used to make a handshake read
   * transactional. The keyed AEAD is shared: it is immutable, and
   * initializeKey replaces it rather than changing it.
   */
  clone(): CipherState {
    const c = new CipherState(this.factory, this.littleEndian ? AeadId.ChaCha20Poly1305 : AeadId.Aes256Gcm);
    c.aead = this.aead;
    c.n = this.n;
    return c;
  }
}
