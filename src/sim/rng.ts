/**
 * The simulator's only source of randomness: a small seeded PRNG, so a run is
 * reproducible from its seed alone.
 *
 * The generator is xoshiro128** (Blackman and Vigna): four 32-bit words of
 * state, 32-bit integer arithmetic only (fast in JS, no BigInt), and a period
 * of 2^128-1, far beyond what any simulation draws. The state is filled from
 * the seed with splitmix32, because xoshiro must not start from correlated or
 * all-zero words.
 *
 * {@link Rng.fork} derives a child generator from the parent's *seed* and a
 * label, never from the parent's current state. So every link, and every
 * random feature inside a link, draws from its own stream: adding a link,
 * enabling jitter on one link or drawing more numbers in a test does not
 * change which packets another link loses.
 * @module
 */

const TWO_POW_32 = 4_294_967_296;

/** One splitmix32 step on `state`; returns the next 32-bit output. Used only for seeding. */
function splitmix32(state: { value: number }): number {
  state.value = (state.value + 0x9e37_79b9) | 0;
  let z = state.value;
  z = Math.imul(z ^ (z >>> 16), 0x21f0_aaad);
  z = Math.imul(z ^ (z >>> 15), 0x735a_2d97);
  return (z ^ (z >>> 15)) >>> 0;
}

/** FNV-1a over the UTF-16 code units of a label: cheap, stable and good enough to separate fork labels. */
function hashLabel(label: string): number {
  let h = 0x811c_9dc5;
  for (let i = 0; i < label.length; i++) {
    h = Math.imul(h ^ label.charCodeAt(i), 0x0100_0193);
  }
  return h >>> 0;
}

/** Folds any safe integer (including negatives and values above 2^32) into 32 bits without losing the high half. */
function foldSeed(seed: number): number {
  if (!Number.isSafeInteger(seed)) {
    throw new RangeError(`seed must be a safe integer, got ${seed}`);
  }
  const low = seed >>> 0;
  const high = Math.floor(seed / TWO_POW_32) >>> 0;
  return (low ^ Math.imul(high, 0x9e37_79b1)) >>> 0;
}

/** A deterministic pseudo-random generator (xoshiro128**). Not cryptographic. */
export class Rng {
  /** The 32-bit key this generator was seeded with; forks derive from it. */
  readonly seedKey: number;
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** @param seed any safe integer; equal seeds give equal sequences. */
  constructor(seed: number) {
    this.seedKey = foldSeed(seed);
    const state = { value: this.seedKey };
    this.s0 = splitmix32(state);
    this.s1 = splitmix32(state);
    this.s2 = splitmix32(state);
    this.s3 = splitmix32(state);
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) {
      // The one state xoshiro can never leave; splitmix practically never yields it, but be certain.
      this.s0 = 1;
    }
  }

  /** The next uniformly distributed unsigned 32-bit integer. */
  nextUint32(): number {
    const s1 = this.s1;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9);
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result >>> 0;
  }

  /** A uniform float in [0, 1) with 32 bits of resolution: enough for probabilities down to ~1e-9. */
  nextFloat(): number {
    return this.nextUint32() / TWO_POW_32;
  }

  /** A uniform integer in [0, bound), for bound in 1..2^32. */
  nextInt(bound: number): number {
    if (!Number.isInteger(bound) || bound < 1 || bound > TWO_POW_32) {
      throw new RangeError(`bound must be an integer in 1..2^32, got ${bound}`);
    }
    return Math.floor(this.nextFloat() * bound);
  }

  /** True with probability `probability` (0..1). */
  chance(probability: number): boolean {
    return this.nextFloat() < probability;
  }

  /**
   * An independent child generator for `label`. It depends only on this
   * generator's seed and the label, not on how many numbers were drawn, so
   * forks are stable however the rest of a scenario changes.
   */
  fork(label: string): Rng {
    const mixed = splitmix32({ value: (this.seedKey ^ hashLabel(label)) | 0 });
    return new Rng(mixed);
  }
}

function rotl(x: number, bits: number): number {
  return (x << bits) | (x >>> (32 - bits));
}
