/**
 * Byte comparisons shared by the engine (CIDs, transport parameters,
 * reassembly overlaps). Not constant-time: nothing secret is compared here.
 * @module
 */

/** Whether `a` and `b` hold the same bytes. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && equalRange(a, 0, b, 0, a.length);
}

/** Whether `length` bytes of `a` from `aFrom` equal those of `b` from `bFrom`. */
export function equalRange(a: Uint8Array, aFrom: number, b: Uint8Array, bFrom: number, length: number): boolean {
  for (let k = 0; k < length; k++) if (a[aFrom + k] !== b[bFrom + k]) return false;
  return true;
}
