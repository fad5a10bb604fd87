import { randomBytes } from 'node:crypto';

/**
 * A source of cryptographically secure random bytes: returns `length` fresh
 * bytes. Injected wherever the engine must be deterministic (simulator,
 * test vectors); {@link defaultRandomBytes} is used otherwise.
 */
export type RandomBytes = (length: number) => Uint8Array;

/** Bytes drawn from the CSPRNG at once for small requests. */
const POOL_BYTES = 4096;
/** Requests larger than this go to the CSPRNG directly. */
const POOLED_MAX_BYTES = 64;

let pool = Buffer.alloc(0);
let poolAt = 0;

/**
 * The default {@link RandomBytes}: node:crypto's CSPRNG. A connection asks for many small values (CIDs,
 * reset tokens, challenges, ephemeral keys), and each call into the CSPRNG costs about 6 µs whatever
 * its size, so small requests are served from a 4 KiB draw, as Node's own randomUUID does. Every byte
 * is handed out once and wiped from the pool as it is, so the pool never holds a value already in use
 * (an ephemeral private key, say).
 */
export const defaultRandomBytes: RandomBytes = (length) => {
  if (length > POOLED_MAX_BYTES) return randomBytes(length);
  if (poolAt + length > pool.length) {
    pool = randomBytes(POOL_BYTES);
    poolAt = 0;
  }
  // Its own memory, not a slice of Node's shared allocation pool: a key wiped by its owner is gone, and a
  // long-lived CID holds 8 bytes, not the pool's 8 KiB.
  const out = Buffer.allocUnsafeSlow(length);
  pool.copy(out, 0, poolAt, poolAt + length);
  pool.fill(0, poolAt, poolAt + length);
  poolAt += length;
  return out;
};
