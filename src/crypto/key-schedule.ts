import { SHA256_LENGTH } from './hash.js';
import { hkdf, hkdfExpand } from './hkdf.js';
import { AEAD_KEY_LENGTH, AEAD_NONCE_LENGTH } from './provider.js';
import type { SplitKeys } from './noise/symmetric-state.js';

// HKDF info labels (ASCII, no length prefix or terminator). docs/crypto.md
// lists them; they are part of the protocol and never change within mpt/1.
const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
/** HKDF info for the client-to-server (initiator-to-responder) generation-0 secret. */
export const LABEL_C2S = ascii('mpt c2s');
/** HKDF info for the server-to-client (responder-to-initiator) generation-0 secret. */
export const LABEL_S2C = ascii('mpt s2c');
/** HKDF info for a secret's 32-byte AEAD key. */
export const LABEL_KEY = ascii('mpt key');
/** HKDF info for a secret's 12-byte IV. */
export const LABEL_IV = ascii('mpt iv');
/** HKDF info for the next-generation secret (key update, as RFC 9001 §6.1 "quic ku"). */
export const LABEL_KU = ascii('mpt ku');
/** HKDF info for the per-connection secret. */
export const LABEL_CONNECTION = ascii('mpt conn');

/** Packet keys of one direction at one key generation. */
export interface DirectionKeys {
  /** Key generation: 0 after the handshake, +1 per key update. */
  readonly generation: number;
  /** This generation's secret (32 bytes); the next one derives from it. */
  readonly secret: Uint8Array;
  /** AEAD key, 32 bytes. */
  readonly key: Uint8Array;
  /** AEAD IV, 12 bytes; fixed for the life of the connection (RFC 9001 §6.1). */
  readonly iv: Uint8Array;
}

/** All packet keys of a connection, from one side's point of view. */
export interface SessionKeys {
  /** Keys for packets we send. */
  readonly send: DirectionKeys;
  /** Keys for packets we receive. */
  readonly receive: DirectionKeys;
  /**
   * A 32-byte secret both ends share and nobody else knows, for deriving
   * path / join tokens (HKDF-Expand with its own labels). Not for stateless
   * reset tokens, which a server must compute without connection state.
   */
  readonly connectionSecret: Uint8Array;
}

/**
 * Derives the generation-0 secret of each direction from the Noise Split()
 * output and the final handshake hash h (RFC 5869 HKDF-SHA256):
 *
 *     c2s_secret = HKDF(salt = h, IKM = k1, info = "mpt c2s", L = 32)
 *     s2c_secret = HKDF(salt = h, IKM = k2, info = "mpt s2c", L = 32)
 *     conn       = HKDF(salt = h, IKM = k1 || k2, info = "mpt conn", L = 32)
 *
 * k1 and k2 are Split()'s first and second outputs. Salting with h binds
 * every packet key to the whole transcript (prologue, so the version, and
 * negotiated parameters carried in payloads), not just to the DH results.
 * `initiator` says which side we are: the client (initiator) sends with c2s.
 */
export function deriveSessionKeys(split: SplitKeys, handshakeHash: Uint8Array, initiator: boolean): SessionKeys {
  const c2s = directionKeys(hkdf(handshakeHash, split.initiatorToResponder, LABEL_C2S, SHA256_LENGTH), 0);
  const s2c = directionKeys(hkdf(handshakeHash, split.responderToInitiator, LABEL_S2C, SHA256_LENGTH), 0);
  const ikm = new Uint8Array(2 * SHA256_LENGTH);
  ikm.set(split.initiatorToResponder, 0);
  ikm.set(split.responderToInitiator, SHA256_LENGTH);
  return {
    send: initiator ? c2s : s2c,
    receive: initiator ? s2c : c2s,
    connectionSecret: hkdf(handshakeHash, ikm, LABEL_CONNECTION, SHA256_LENGTH),
  };
}

/**
 * Key and IV of one secret: key = HKDF-Expand(secret, "mpt key", 32),
 * iv = HKDF-Expand(secret, "mpt iv", 12).
 */
export function directionKeys(secret: Uint8Array, generation: number): DirectionKeys {
  return {
    generation,
    secret,
    key: hkdfExpand(secret, LABEL_KEY, AEAD_KEY_LENGTH),
    iv: hkdfExpand(secret, LABEL_IV, AEAD_NONCE_LENGTH),
  };
}

/**
 * Key update (modelled on RFC 9001 §6): the next generation's secret is
 * HKDF-Expand(secret, "mpt ku", 32) and its key is derived from it as
 * usual; the IV is kept, so the nonce rule is unchanged. The old secret
 * should be dropped once no packet of its generation can still arrive.
 */
export function nextGeneration(current: DirectionKeys): DirectionKeys {
  const secret = hkdfExpand(current.secret, LABEL_KU, SHA256_LENGTH);
  return {
    generation: current.generation + 1,
    secret,
    key: hkdfExpand(secret, LABEL_KEY, AEAD_KEY_LENGTH),
    iv: current.iv,
  };
}
