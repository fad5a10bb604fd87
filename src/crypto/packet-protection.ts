import { err, ok, type Result } from 'neverthrow';
import { MptError, MptErrorCode } from '../errors.js';
import { AEAD_NONCE_LENGTH, AeadId, TWO_POW_32, type Aead, type CryptoProvider } from './provider.js';

/** Largest packet number the nonce rule accepts: 2^53-1 here, below the wire's 2^62 limit. */
export const MAX_PACKET_NUMBER = Number.MAX_SAFE_INTEGER;
/** Largest path id: path ids are 32-bit unsigned. */
export const MAX_PATH_ID = 0xffff_ffff;

/**
 * Per-key AEAD usage limits in packets (RFC 9001 §6.6): after
 * `confidentiality` packets sealed, or `integrity` failed opens, under one
 * key, the key must be updated (or the connection closed).
 */
export interface AeadLimits {
  /** Packets that may be sealed under one key. */
  readonly confidentiality: number;
  /** Forged packets that may fail to open under one key. */
  readonly integrity: number;
}

/** RFC 9001 §6.6 limits for `id` (packets up to 64 KiB; mpt's are smaller). */
export function aeadLimits(id: AeadId): AeadLimits {
  return id === AeadId.Aes256Gcm
    ? { confidentiality: 2 ** 23, integrity: 2 ** 52 }
    : { confidentiality: 2 ** 62, integrity: 2 ** 36 };
}

/**
 * Packet protection of one direction at one key generation. The nonce is
 * the 12-byte IV XOR (path id as uint32 big-endian in bytes 0..3 || packet
 * number as uint64 big-endian in bytes 4..11), so no two packets of any
 * path ever share a nonce (docs/protocol.md §10, docs/crypto.md §3).
 * The header is the AAD: it is authenticated, not encrypted. One nonce
 * buffer is reused; nothing else is allocated but the output, unless an
 * output buffer is passed.
 *
 * The nonce rule is only safe if the sender never seals the same
 * (path, packet number) twice, so seal enforces it: packet numbers must
 * strictly increase per path. One instance is one key, which is why a key
 * update (a new instance) starts with a clean record.
 */
export class PacketProtection {
  /** The cipher in use. */
  readonly aeadId: AeadId;
  private readonly aead: Aead;
  private readonly iv0: number;
  private readonly iv1: number;
  private readonly iv2: number;
  private readonly nonce = new Uint8Array(AEAD_NONCE_LENGTH);
  private readonly nonceView = new DataView(this.nonce.buffer);
  private sealed = 0;
  private failedOpens = 0;
  /**
   * Per path id, the lowest packet number seal still accepts. Paths are few
   * and ids are never reused, so it stays small; a path not in it has sealed
   * nothing yet.
   */
  private readonly nextSealable = new Map<number, number>();

  /** Prefer {@link createPacketProtection}, which validates its inputs. */
  constructor(aead: Aead, iv: Uint8Array) {
    this.aeadId = aead.id;
    this.aead = aead;
    const view = new DataView(iv.buffer, iv.byteOffset, iv.byteLength);
    this.iv0 = view.getUint32(0, false);
    this.iv1 = view.getUint32(4, false);
    this.iv2 = view.getUint32(8, false);
  }

  /** Packets sealed so far under this key; compare with {@link aeadLimits}. */
  get sealCount(): number {
    return this.sealed;
  }

  /** Packets that failed to open under this key; compare with {@link aeadLimits}. */
  get openFailureCount(): number {
    return this.failedOpens;
  }

  /** Writes the nonce for (pathId, packetNumber); returns false when either is out of range. */
  private fillNonce(pathId: number, packetNumber: number): boolean {
    if (pathId >>> 0 !== pathId || !Number.isSafeInteger(packetNumber) || packetNumber < 0) return false;
    const v = this.nonceView;
    v.setUint32(0, (this.iv0 ^ pathId) >>> 0, false);
    v.setUint32(4, (this.iv1 ^ Math.floor(packetNumber / TWO_POW_32)) >>> 0, false);
    v.setUint32(8, (this.iv2 ^ packetNumber) >>> 0, false);
    return true;
  }

  /**
   * Seals `payload` for packet `packetNumber` (0..2^53-1) of path `pathId`
   * (0..2^32-1), with `header` as AAD; returns ciphertext || 16-byte tag,
   * in `out` when given.
   *
   * Both refusals below are sender bugs, not network events, so they throw
   * an MptError rather than return a value the hot path would have to
   * check, and nothing is sealed or counted:
   * - an out-of-range number: ERR_MPT_KEY_EXHAUSTED;
   * - a packet number not strictly greater than the last one sealed on
   *   this path under this key (a retransmission must take a new number):
   *   ERR_MPT_NONCE_REUSE, because sealing it would reuse a nonce and,
   *   with AES-GCM or ChaCha20-Poly1305, leak the XOR of two plaintexts
   *   and allow forgeries.
   */
  seal(pathId: number, packetNumber: number, header: Uint8Array, payload: Uint8Array, out?: Uint8Array): Uint8Array {
    if (!this.fillNonce(pathId, packetNumber)) {
      throw new MptError(MptErrorCode.KeyExhausted, `path id ${pathId} or packet number ${packetNumber} out of range`);
    }
    const next = this.nextSealable.get(pathId);
    if (next !== undefined && packetNumber < next) {
      throw new MptError(
        MptErrorCode.NonceReuse,
        `packet number ${packetNumber} on path ${pathId} is not above the last one sealed (${next - 1})`,
      );
    }
    const sealed = this.aead.seal(this.nonce, header, payload, out);
    // Recorded only once the AEAD has produced output: a seal that threw
    // (say, `out` too small) used no nonce.
    this.nextSealable.set(pathId, packetNumber + 1);
    this.sealed++;
    return sealed;
  }

  /**
   * Opens a packet sealed by {@link PacketProtection.seal}. Returns the
   * payload (in `out` when given), or null when it does not authenticate or
   * any argument is out of range. Never throws.
   */
  open(pathId: number, packetNumber: number, header: Uint8Array, ciphertext: Uint8Array, out?: Uint8Array): Uint8Array | null {
    if (!this.fillNonce(pathId, packetNumber)) return null;
    const plain = this.aead.open(this.nonce, header, ciphertext, out);
    if (plain === null) this.failedOpens++;
    return plain;
  }
}

/**
 * Builds packet protection for one direction from a provider, the
 * negotiated AEAD and the key schedule's key (32 bytes) and IV (12 bytes).
 * Fails with ERR_MPT_UNSUPPORTED_CIPHER or ERR_MPT_INVALID_KEY.
 */
export function createPacketProtection(
  provider: CryptoProvider,
  aeadId: AeadId,
  key: Uint8Array,
  iv: Uint8Array,
): Result<PacketProtection, MptError> {
  if (iv.length !== AEAD_NONCE_LENGTH) {
    return err(new MptError(MptErrorCode.InvalidKey, `packet IV must be ${AEAD_NONCE_LENGTH} bytes`));
  }
  return provider.createAead(aeadId, key).andThen((aead) => ok(new PacketProtection(aead, iv)));
}
