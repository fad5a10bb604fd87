/**
 * The soak's bytes: each direction of each connection carries a seeded pattern (an AES-128-CTR keystream
 * keyed by the run's seed, the connection and the direction), so the receiver checks every byte as it
 * arrives, at its position, without keeping what was sent: a lost, duplicated, reordered or corrupted
 * byte shows as a mismatch, and a stream cut short (a destroyed connection) as a prefix.
 * @module
 */
import { createCipheriv, createHash, type Cipher } from 'node:crypto';

/** The keystream of one direction of one connection. */
function keystream(seed: number, connection: number, direction: 'up' | 'down'): Cipher {
  const key = createHash('sha256').update(`mpt-soak:${seed}:${connection}:${direction}`).digest().subarray(0, 16);
  return createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
}

/** The sending side of a pattern: hands out its next bytes. */
export class PatternSource {
  readonly #stream: Cipher;
  /** Bytes handed out so far. */
  produced = 0;

  constructor(seed: number, connection: number, direction: 'up' | 'down') {
    this.#stream = keystream(seed, connection, direction);
  }

  /** The next `n` bytes of the pattern. */
  next(n: number): Buffer {
    this.produced += n;
    return this.#stream.update(Buffer.alloc(n));
  }
}

/** The receiving side of a pattern: checks each chunk against the bytes due at its position. */
export class PatternCheck {
  readonly #stream: Cipher;
  /** Bytes received so far. */
  received = 0;
  /** Bytes that differed from the pattern (a chunk that differs counts whole). */
  mismatched = 0;

  constructor(seed: number, connection: number, direction: 'up' | 'down') {
    this.#stream = keystream(seed, connection, direction);
  }

  /** Checks the next received chunk. */
  check(chunk: Buffer): void {
    const expected = this.#stream.update(Buffer.alloc(chunk.length));
    if (!expected.equals(chunk)) this.mismatched += chunk.length;
    this.received += chunk.length;
  }
}
