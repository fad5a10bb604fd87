// Public crypto API of mpt (re-exported from the package root by src/index.ts).
export {
  AeadId,
  AEAD_KEY_LENGTH,
  AEAD_NONCE_LENGTH,
  AEAD_TAG_LENGTH,
  aeadName,
  isAeadId,
  type Aead,
  type CryptoProvider,
} from './provider.js';
export { nodeProvider, nodeHasChaCha20Poly1305 } from './node-provider.js';
export { sodiumProvider } from './sodium-provider.js';
export { compositeProvider, defaultProvider } from './default-provider.js';
export { negotiateAead } from './negotiate.js';
export { defaultRandomBytes, type RandomBytes } from './random.js';
export { sha256, hmacSha256, SHA256_LENGTH } from './hash.js';
export { hkdf, hkdfExtract, hkdfExpand, HKDF_SHA256_MAX_LENGTH } from './hkdf.js';
export { generateKeyPair, keyPairFromPrivate, x25519, X25519_KEY_LENGTH, type KeyPair } from './x25519.js';
export {
  parseProtocolName,
  resolvePattern,
  BASE_PATTERN_NAMES,
  type HandshakePattern,
  type ProtocolName,
  type Token,
} from './noise/patterns.js';
export { CipherState } from './noise/cipher-state.js';
export type { SplitKeys } from './noise/symmetric-state.js';
export {
  createHandshake,
  HandshakeState,
  NOISE_MAX_MESSAGE_LENGTH,
  type HandshakeOptions,
  type HandshakeResult,
  type HandshakeStatus,
} from './noise/handshake-state.js';
export {
  deriveSessionKeys,
  directionKeys,
  nextGeneration,
  type DirectionKeys,
  type SessionKeys,
} from './key-schedule.js';
export {
  createPacketProtection,
  PacketProtection,
  aeadLimits,
  MAX_PACKET_NUMBER,
  MAX_PATH_ID,
  type AeadLimits,
} from './packet-protection.js';
export { encodeClientAddress, type ClientAddress } from './client-address.js';
export {
  createRetryTokens,
  RetryTokens,
  RETRY_TOKEN_DEFAULT_LIFETIME_MS,
  RETRY_TOKEN_FORMAT,
  RETRY_TOKEN_MAC_LENGTH,
  RETRY_TOKEN_MAX_DCID_LENGTH,
  RETRY_TOKEN_KEY_LENGTH,
  type RetryTokenFailure,
  type RetryTokenOptions,
  type ValidRetryToken,
} from './retry-token.js';
export { MPT_NOISE_PROTOCOLS, noisePrologue, type MptHandshakeMode } from './mpt-suite.js';
