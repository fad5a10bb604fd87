import { timingSafeEqual } from 'node:crypto';
import { err, ok, type Result } from 'neverthrow';
import { MptError, MptErrorCode } from '../errors.js';
import { encodeClientAddress, type ClientAddress } from './client-address.js';
import { hmacSha256 } from './hash.js';
import { defaultRandomBytes, type RandomBytes } from './random.js';

/** Token format byte (offset 0); a new layout gets a new number. */
export const RETRY_TOKEN_FORMAT = 0x01;
/** Retry MAC key length in bytes. */
export const RETRY_TOKEN_KEY_LENGTH = 32;
/** Length of the truncated HMAC-SHA256 tag at the end of a token, in bytes (128-bit forgery resistance). */
export const RETRY_TOKEN_MAC_LENGTH = 16;
/** Longest original destination connection ID a token can carry, in bytes (as QUIC, RFC 9000 §17.2). */
export const RETRY_TOKEN_MAX_DCID_LENGTH = 20;
/** Default token lifetime in ms: ample for one round trip, short enough to limit replay. */
export const RETRY_TOKEN_DEFAULT_LIFETIME_MS = 10_000;

/** Why a retry token was refused. */
export type RetryTokenFailure = 'malformed' | 'bad-mac' | 'expired' | 'address-mismatch';

/** What a valid token proves. */
export interface ValidRetryToken {
  /** The destination connection ID of the client's first packet, as minted. */
  readonly originalDcid: Uint8Array;
  /** When the token expires, ms since the Unix epoch. */
  readonly expiresAtMs: number;
}

/** Options of {@link createRetryTokens}. */
export interface RetryTokenOptions {
  /** 32-byte MAC key; default random. Servers behind one address must share it. */
  readonly key?: Uint8Array | undefined;
  /** Token lifetime in ms; default {@link RETRY_TOKEN_DEFAULT_LIFETIME_MS}. */
  readonly lifetimeMs?: number | undefined;
  /** Random source for generated keys; default node:crypto. */
  readonly randomBytes?: RandomBytes | undefined;
}

// Layout (docs/crypto.md, "Retry tokens"):
//   0      format (1)
//   1      expiry, ms since epoch, uint64 big-endian (8)
//   9      address length A (1): 6 (IPv4 + port) or 18 (IPv6 + port)
//   10     address (A)
//   10+A   ODCID length L (1), 0..20
//   11+A   ODCID (L)
//   11+A+L MAC = HMAC-SHA256(key, bytes 0 .. 11+A+L)[0..16]
// Ranges a .. b are end-exclusive, as in subarray(a, b): the MAC covers every
// byte before it and keeps the first 16 bytes of the HMAC.
// The address travels in clear (an observer sees it in the IP header anyway)
// so that, once the MAC has vouched for it, a mismatch can be told apart
// from a forgery.
const HEADER_LENGTH = 10;

/**
 * Stateless retry cookies (docs/crypto.md §5): under load a server answers a new
 * client with a token instead of keeping state, and only proceeds when the
 * client echoes a valid one from the same address. Keys rotate: tokens of
 * the current and of the previous key are accepted.
 */
export class RetryTokens {
  /** Token lifetime in ms. */
  readonly lifetimeMs: number;
  private readonly randomBytes: RandomBytes;
  private current: Uint8Array;
  private previous: Uint8Array | undefined = undefined;

  /** Use {@link createRetryTokens}, which validates the options. */
  constructor(key: Uint8Array, lifetimeMs: number, randomBytes: RandomBytes) {
    this.current = Uint8Array.from(key);
    this.lifetimeMs = lifetimeMs;
    this.randomBytes = randomBytes;
  }

  /**
   * Makes `key` (or a fresh random key) current; the old current key stays
   * valid for validation until the next rotation. Rotate at least once per
   * lifetime so a leaked key has a short reach.
   */
  rotate(key?: Uint8Array): Result<void, MptError> {
    const next = key ?? this.randomBytes(RETRY_TOKEN_KEY_LENGTH);
    if (next.length !== RETRY_TOKEN_KEY_LENGTH) {
      return err(new MptError(MptErrorCode.InvalidKey, `retry token key must be ${RETRY_TOKEN_KEY_LENGTH} bytes`));
    }
    this.previous = this.current;
    this.current = Uint8Array.from(next);
    return ok(undefined);
  }

  /**
   * Mints a token for `client` carrying `originalDcid` (0..20 bytes), valid
   * until `nowMs + lifetimeMs` (ms since the epoch). Fails with
   * ERR_MPT_INVALID_CONFIG on an unparsable address or a too-long DCID.
   */
  mint(client: ClientAddress, originalDcid: Uint8Array, nowMs: number): Result<Uint8Array, MptError> {
    const address = encodeClientAddress(client);
    if (address === undefined) return err(new MptError(MptErrorCode.InvalidConfig, 'not an IP address and port'));
    if (originalDcid.length > RETRY_TOKEN_MAX_DCID_LENGTH) {
      return err(new MptError(MptErrorCode.InvalidConfig, `DCID longer than ${RETRY_TOKEN_MAX_DCID_LENGTH} bytes`));
    }
    const expiry = Math.floor(nowMs) + this.lifetimeMs;
    if (!Number.isSafeInteger(expiry) || expiry < 0) {
      return err(new MptError(MptErrorCode.InvalidConfig, `bad time: ${nowMs}`));
    }
    const bodyLength = HEADER_LENGTH + address.length + 1 + originalDcid.length;
    const token = new Uint8Array(bodyLength + RETRY_TOKEN_MAC_LENGTH);
    const view = new DataView(token.buffer);
    token[0] = RETRY_TOKEN_FORMAT;
    view.setBigUint64(1, BigInt(expiry), false);
    token[9] = address.length;
    token.set(address, HEADER_LENGTH);
    token[HEADER_LENGTH + address.length] = originalDcid.length;
    token.set(originalDcid, HEADER_LENGTH + address.length + 1);
    const body = token.subarray(0, bodyLength);
    token.set(hmacSha256(this.current, body).subarray(0, RETRY_TOKEN_MAC_LENGTH), bodyLength);
    return ok(token);
  }

  private macMatches(key: Uint8Array, body: Uint8Array, mac: Uint8Array): boolean {
    return timingSafeEqual(hmacSha256(key, body).subarray(0, RETRY_TOKEN_MAC_LENGTH), mac);
  }

  /**
   * Checks a token echoed by `client` at time `nowMs` (ms since the epoch).
   * In order: its form ('malformed'), its MAC under the current or previous
   * key ('bad-mac'), its expiry ('expired', also for a replay after expiry)
   * and its address ('address-mismatch'). Never throws, whatever the bytes.
   */
  validate(token: Uint8Array, client: ClientAddress, nowMs: number): Result<ValidRetryToken, RetryTokenFailure> {
    if (token.length < HEADER_LENGTH + 1 + RETRY_TOKEN_MAC_LENGTH || token[0] !== RETRY_TOKEN_FORMAT) {
      return err('malformed');
    }
    const addressLength = token[9] ?? 0;
    const dcidAt = HEADER_LENGTH + addressLength + 1;
    if ((addressLength !== 6 && addressLength !== 18) || dcidAt > token.length) return err('malformed');
    const dcidLength = token[dcidAt - 1] ?? 0;
    const bodyLength = dcidAt + dcidLength;
    if (dcidLength > RETRY_TOKEN_MAX_DCID_LENGTH || bodyLength + RETRY_TOKEN_MAC_LENGTH !== token.length) {
      return err('malformed');
    }
    const body = token.subarray(0, bodyLength);
    const mac = token.subarray(bodyLength);
    const authentic =
      this.macMatches(this.current, body, mac) ||
      (this.previous !== undefined && this.macMatches(this.previous, body, mac));
    if (!authentic) return err('bad-mac');
    const view = new DataView(token.buffer, token.byteOffset, token.byteLength);
    const expiresAtMs = Number(view.getBigUint64(1, false));
    if (!(nowMs < expiresAtMs)) return err('expired');
    const address = encodeClientAddress(client);
    const minted = token.subarray(HEADER_LENGTH, HEADER_LENGTH + addressLength);
    if (address === undefined || address.length !== minted.length || !timingSafeEqual(address, minted)) {
      return err('address-mismatch');
    }
    return ok({ originalDcid: token.slice(dcidAt, bodyLength), expiresAtMs });
  }
}

/**
 * Validates options and builds a {@link RetryTokens}. Fails with
 * ERR_MPT_INVALID_KEY (key not 32 bytes) or ERR_MPT_INVALID_CONFIG
 * (lifetime not a positive integer of ms).
 */
export function createRetryTokens(options: RetryTokenOptions = {}): Result<RetryTokens, MptError> {
  const random = options.randomBytes ?? defaultRandomBytes;
  const lifetimeMs = options.lifetimeMs ?? RETRY_TOKEN_DEFAULT_LIFETIME_MS;
  if (!Number.isSafeInteger(lifetimeMs) || lifetimeMs <= 0) {
    return err(new MptError(MptErrorCode.InvalidConfig, `retry token lifetime must be a positive integer of ms`));
  }
  const key = options.key ?? random(RETRY_TOKEN_KEY_LENGTH);
  if (key.length !== RETRY_TOKEN_KEY_LENGTH) {
    return err(new MptError(MptErrorCode.InvalidKey, `retry token key must be ${RETRY_TOKEN_KEY_LENGTH} bytes`));
  }
  return ok(new RetryTokens(key, lifetimeMs, random));
}
