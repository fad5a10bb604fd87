import { randomBytes } from 'node:crypto';

/**
 * A source of cryptographically secure random bytes: returns `length` fresh
 * bytes. Injected wherever the engine must be deterministic (simulator,
 * test vectors); {@link defaultRandomBytes} is used otherwise.
 */
export type RandomBytes = (length: number) => Uint8Array;

/** The default {@link RandomBytes}: node:crypto's CSPRNG. */
export const defaultRandomBytes: RandomBytes = (length) => randomBytes(length);
