import {
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { loadOptional } from './load-optional.js';

/** X25519 key length in bytes (RFC 7748 §5), for private keys, public keys and DH output. */
export const X25519_KEY_LENGTH = 32;

/** An X25519 key pair as raw 32-byte strings (RFC 7748 encoding). */
export interface KeyPair {
  /** Raw 32-byte public key. Safe to share, e.g. to pin a server. */
  readonly publicKey: Uint8Array;
  /** Raw 32-byte private key (unclamped; clamping happens at use, RFC 7748 §5). */
  readonly privateKey: Uint8Array;
}

// node:crypto takes raw X25519 keys only wrapped, as JWK or DER. JWK is the
// fast path: OpenSSL 3 decodes PKCS#8 DER in about 0.5 ms here, JWK in about
// 20 us. A private JWK must carry some `x`, which node ignores for OKP
// private keys (it builds the key from `d`); should a runtime ever refuse
// that, the DER forms (fixed RFC 8410 headers for OID 1.3.101.110) are used.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');
const PLACEHOLDER_X = Buffer.alloc(X25519_KEY_LENGTH).toString('base64url');
let jwkWorks = true;

const b64url = (raw: Uint8Array): string => Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64url');

// Wrapping a raw key costs about 45 us, more than the Diffie-Hellman itself (about 33 us), and a
// handshake uses each of its keys more than once (an ephemeral key in two or three operations, a static
// key in every handshake), so the wrapped key is kept with the array it came from, for as long as that
// array lives: the same array with the same bytes is not wrapped again. Held weakly, a handshake's
// ephemeral keys go with it.
interface Wrapped {
  readonly encoded: string;
  readonly key: KeyObject;
}
const privateKeys = new WeakMap<Uint8Array, Wrapped>();
const publicKeys = new WeakMap<Uint8Array, Wrapped>();

function privateKeyObject(raw: Uint8Array): KeyObject {
  const d = b64url(raw);
  const known = privateKeys.get(raw);
  if (known !== undefined && known.encoded === d) return known.key;
  const key = wrapPrivate(raw, d);
  privateKeys.set(raw, { encoded: d, key });
  return key;
}

/** Drops the wrapped form of `raw` kept for reuse (call before wiping an ephemeral key: forward secrecy). */
export function forgetPrivateKey(raw: Uint8Array): void {
  privateKeys.delete(raw);
}

function wrapPrivate(raw: Uint8Array, d: string): KeyObject {
  if (jwkWorks) {
    try {
      return createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d, x: PLACEHOLDER_X }, format: 'jwk' });
    } catch {
      jwkWorks = false;
    }
  }
  return createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, raw]), format: 'der', type: 'pkcs8' });
}

function publicKeyObject(raw: Uint8Array): KeyObject {
  const x = b64url(raw);
  const known = publicKeys.get(raw);
  if (known !== undefined && known.encoded === x) return known.key;
  const key = wrapPublic(raw, x);
  publicKeys.set(raw, { encoded: x, key });
  return key;
}

function wrapPublic(raw: Uint8Array, x: string): KeyObject {
  try {
    return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x }, format: 'jwk' });
  } catch {
    return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
  }
}

function rawPublic(key: KeyObject): Uint8Array {
  const x = key.export({ format: 'jwk' }).x;
  if (typeof x === 'string') return Uint8Array.from(Buffer.from(x, 'base64url'));
  const der = key.export({ format: 'der', type: 'spki' });
  return Uint8Array.from(der.subarray(der.length - X25519_KEY_LENGTH));
}

function rawPrivate(key: KeyObject): Uint8Array {
  const d = key.export({ format: 'jwk' }).d;
  if (typeof d === 'string') return Uint8Array.from(Buffer.from(d, 'base64url'));
  const der = key.export({ format: 'der', type: 'pkcs8' });
  return Uint8Array.from(der.subarray(der.length - X25519_KEY_LENGTH));
}

/**
 * Generates a fresh X25519 key pair from node:crypto's CSPRNG. This is what
 * a server calls once to get its static identity; publish `publicKey`.
 */
export function generateKeyPair(): KeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('x25519');
  return { publicKey: rawPublic(publicKey), privateKey: rawPrivate(privateKey) };
}

/**
 * One implementation of X25519 (RFC 7748): the two operations a Noise handshake needs, on raw 32-byte
 * keys. Both return undefined for a refused input (an all-zero shared secret, a key the library will not
 * take) and never throw. The implementations agree bit for bit (both clamp the private key and mask the
 * public key's top bit, RFC 7748 §5).
 */
export interface X25519Backend {
  /** Which library computes. */
  readonly name: 'sodium-native' | 'node:crypto';
  /** The shared secret of our private key and the peer's public key (§6.1). */
  sharedSecret(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array | undefined;
  /** The public key of a private key (its product with the base point, §6.1). */
  publicKey(privateKey: Uint8Array): Uint8Array | undefined;
}

function allZero(bytes: Uint8Array): boolean {
  let acc = 0;
  for (const b of bytes) acc |= b;
  return acc === 0;
}

/**
 * X25519 through node:crypto, which takes raw keys only wrapped in KeyObjects (see above): available on
 * every runtime mpt supports.
 */
export const nodeX25519: X25519Backend = {
  name: 'node:crypto',
  sharedSecret(privateKey, publicKey) {
    try {
      const shared = diffieHellman({ privateKey: privateKeyObject(privateKey), publicKey: publicKeyObject(publicKey) });
      // Belt and braces in case a TLS library returns the all-zero secret.
      return allZero(shared) ? undefined : Uint8Array.from(shared);
    } catch {
      return undefined;
    }
  },
  publicKey(privateKey) {
    try {
      return rawPublic(createPublicKey(privateKeyObject(privateKey)));
    } catch {
      return undefined;
    }
  },
};

/** The two libsodium calls the sodium backend makes (sodium-native ships no type declarations). */
interface SodiumScalarMult {
  crypto_scalarmult(q: Uint8Array, n: Uint8Array, p: Uint8Array): void;
  crypto_scalarmult_base(q: Uint8Array, n: Uint8Array): void;
}

function isSodiumScalarMult(value: unknown): value is SodiumScalarMult {
  const s = value as Partial<SodiumScalarMult> | undefined;
  return typeof s?.crypto_scalarmult === 'function' && typeof s.crypto_scalarmult_base === 'function';
}

/**
 * X25519 through libsodium (sodium-native, an optional dependency), or undefined when it does not load.
 * It works on the raw keys directly: a Diffie-Hellman costs about 40 us here against about 60 us through
 * node:crypto, plus about 70 us to wrap each new key (an ephemeral key, a peer's key) that node:crypto
 * needs first. libsodium refuses (throws) where the result would be all zeros.
 */
export function sodiumX25519(): X25519Backend | undefined {
  const sodium = loadOptional('sodium-native');
  if (!isSodiumScalarMult(sodium)) return undefined;
  return {
    name: 'sodium-native',
    sharedSecret(privateKey, publicKey) {
      const out = new Uint8Array(X25519_KEY_LENGTH);
      try {
        sodium.crypto_scalarmult(out, privateKey, publicKey);
      } catch {
        return undefined;
      }
      return allZero(out) ? undefined : out;
    },
    publicKey(privateKey) {
      const out = new Uint8Array(X25519_KEY_LENGTH);
      try {
        sodium.crypto_scalarmult_base(out, privateKey);
      } catch {
        return undefined;
      }
      return out;
    },
  };
}

let chosen: X25519Backend | undefined;

/** The X25519 in use: libsodium's when sodium-native loads, node:crypto's otherwise (chosen once). */
export function x25519Backend(): X25519Backend {
  chosen ??= sodiumX25519() ?? nodeX25519;
  return chosen;
}

/**
 * Makes `backend` the X25519 in use, or with undefined goes back to the default choice. Internal: for
 * benches that compare the two in one process (bench/crypto.ts); not exported by the package.
 */
export function useX25519Backend(backend: X25519Backend | undefined): void {
  chosen = backend;
}

/**
 * Derives the key pair of a raw 32-byte private key (which may come from an
 * injected random source). Returns undefined when the key is not 32 bytes.
 */
export function keyPairFromPrivate(privateKey: Uint8Array): KeyPair | undefined {
  if (privateKey.length !== X25519_KEY_LENGTH) return undefined;
  const copy = Uint8Array.from(privateKey);
  const publicKey = x25519Backend().publicKey(copy);
  return publicKey === undefined ? undefined : { publicKey, privateKey: copy };
}

/**
 * X25519 Diffie-Hellman (RFC 7748 §6.1): the 32-byte shared secret of our
 * raw private key and the peer's raw public key. Returns undefined on a
 * wrong-length key or when the result is all zeros (a low-order peer key);
 * never throws.
 */
export function x25519(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array | undefined {
  if (privateKey.length !== X25519_KEY_LENGTH || publicKey.length !== X25519_KEY_LENGTH) return undefined;
  return x25519Backend().sharedSecret(privateKey, publicKey);
}
