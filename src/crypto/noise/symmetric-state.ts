import { SHA256_LENGTH, sha256 } from '../hash.js';
import { noiseHkdf } from '../hkdf.js';
import type { AeadId } from '../provider.js';
import { CipherState, type AeadFactory } from './cipher-state.js';
import type { Result } from 'neverthrow';
import type { MptError } from '../../errors.js';

const EMPTY = new Uint8Array(0);

/** The two raw keys of Split() (Noise rev 34 §5.2), 32 bytes each. */
export interface SplitKeys {
  /** First output: protects initiator-to-responder messages. */
  readonly initiatorToResponder: Uint8Array;
  /** Second output: protects responder-to-initiator messages. */
  readonly responderToInitiator: Uint8Array;
}

/**
 * A Noise SymmetricState (Noise rev 34 §5.2) for SHA-256: chaining key ck,
 * handshake hash h and a CipherState.
 */
export class SymmetricState {
  private ck: Uint8Array;
  private h: Uint8Array;
  private cipherState: CipherState;

  /**
   * InitializeSymmetric(protocol_name): h = the name padded with zeros to 32
   * bytes if it fits, else SHA-256(name); ck = h; k empty.
   */
  constructor(protocolName: string, factory: AeadFactory, cipher: AeadId) {
    const name = new TextEncoder().encode(protocolName);
    if (name.length <= SHA256_LENGTH) {
      this.h = new Uint8Array(SHA256_LENGTH);
      this.h.set(name);
    } else {
      this.h = sha256(name);
    }
    this.ck = this.h;
    this.cipherState = new CipherState(factory, cipher);
  }

  /** The current handshake hash h, 32 bytes (a copy). */
  get handshakeHash(): Uint8Array {
    return Uint8Array.from(this.h);
  }

  /** Whether the inner CipherState has a key (decides if `s` is sent encrypted). */
  hasKey(): boolean {
    return this.cipherState.hasKey();
  }

  /** MixKey(ikm): ck, temp_k = HKDF(ck, ikm, 2); InitializeKey(temp_k). */
  mixKey(ikm: Uint8Array): void {
    const [ck, k] = noiseHkdf(this.ck, ikm, 2);
    this.ck = ck as Uint8Array;
    this.cipherState.initializeKey(k);
  }

  /** MixHash(data): h = SHA-256(h || data). */
  mixHash(data: Uint8Array): void {
    this.h = sha256(this.h, data);
  }

  /** MixKeyAndHash(ikm): for psk tokens (§9.2): ck, temp_h, temp_k = HKDF(ck, ikm, 3). */
  mixKeyAndHash(ikm: Uint8Array): void {
    const [ck, th, k] = noiseHkdf(this.ck, ikm, 3);
    this.ck = ck as Uint8Array;
    this.mixHash(th as Uint8Array);
    this.cipherState.initializeKey(k);
  }

  /** EncryptAndHash(plaintext): ciphertext = EncryptWithAd(h, plaintext); MixHash(ciphertext). */
  encryptAndHash(plaintext: Uint8Array): Result<Uint8Array, MptError> {
    return this.cipherState.encryptWithAd(this.h, plaintext).map((ct) => {
      this.mixHash(ct);
      return ct;
    });
  }

  /** DecryptAndHash(ciphertext): plaintext = DecryptWithAd(h, ciphertext); MixHash(ciphertext). */
  decryptAndHash(ciphertext: Uint8Array): Result<Uint8Array, MptError> {
    return this.cipherState.decryptWithAd(this.h, ciphertext).map((pt) => {
      this.mixHash(ciphertext);
      return pt;
    });
  }

  /** Split(): temp_k1, temp_k2 = HKDF(ck, empty, 2), as raw keys. */
  split(): SplitKeys {
    const [k1, k2] = noiseHkdf(this.ck, EMPTY, 2);
    return { initiatorToResponder: k1 as Uint8Array, responderToInitiator: k2 as Uint8Array };
  }

  /** Captures ck, h and the CipherState so a failed read can be undone. */
  snapshot(): () => void {
    const ck = this.ck;
    const h = this.h;
    const cs = this.cipherState.clone();
    return () => {
      this.ck = ck;
      this.h = h;
      this.cipherState = cs;
    };
  }
}
