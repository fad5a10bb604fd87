import { err, ok, type Result } from 'neverthrow';
import { Reader } from './reader.js';
import { wireError, type WireError } from './wire-error.js';

/**
 * Variable-length integers of RFC 9000 §16: the two high bits of the first
 * byte give the length (00 = 1, 01 = 2, 10 = 4, 11 = 8 bytes), the remaining
 * 6, 14, 30 or 62 bits hold the value in network byte order.
 *
 * The wire can carry values up to 2^62-1, but mpt keeps integers in JS numbers,
 * so the largest value it encodes or accepts is {@link MAX_VARINT} = 2^53-1.
 * A larger 8-byte value decodes to a `VarintOverflow` error, never to a
 * rounded number.
 */

/** Largest value the wire format can hold in a varint (2^62-1); for reference only, not a safe JS integer. */
export const WIRE_VARINT_MAX = 2 ** 62 - 1;

/** Largest varint value mpt encodes or decodes: `Number.MAX_SAFE_INTEGER` (2^53-1). */
export const MAX_VARINT = Number.MAX_SAFE_INTEGER;

/** Largest value of a 1-byte varint (2^6-1). */
export const VARINT_MAX_1 = 63;
/** Largest value of a 2-byte varint (2^14-1). */
export const VARINT_MAX_2 = 16_383;
/** Largest value of a 4-byte varint (2^30-1). */
export const VARINT_MAX_4 = 1_073_741_823;

/** A varint's encoded size in bytes. */
export type VarintLength = 1 | 2 | 4 | 8;

/**
 * The minimal encoded size in bytes of `value`.
 * @throws RangeError if `value` is not an integer in [0, {@link MAX_VARINT}] (programmer error).
 */
export function varintLength(value: number): VarintLength {
  if (value <= VARINT_MAX_1 && value >= 0) {
    if (!Number.isInteger(value)) throw new RangeError(`varint: not an integer: ${value}`);
    return 1;
  }
  if (value <= VARINT_MAX_2 && value >= 0) {
    if (!Number.isInteger(value)) throw new RangeError(`varint: not an integer: ${value}`);
    return 2;
  }
  if (value <= VARINT_MAX_4 && value >= 0) {
    if (!Number.isInteger(value)) throw new RangeError(`varint: not an integer: ${value}`);
    return 4;
  }
  if (Number.isSafeInteger(value) && value >= 0) return 8;
  throw new RangeError(`varint: out of range [0, 2^53-1]: ${value}`);
}

/**
 * The size in bytes of a varint whose first byte is `firstByte` (RFC 9000 §16,
 * the two-bit length prefix).
 */
export function varintLengthFromFirstByte(firstByte: number): VarintLength {
  return (1 << (firstByte >> 6)) as VarintLength;
}

/**
 * Writes `value` as a minimal-length varint at `buf[offset]`.
 * @returns the offset just past the varint.
 * @throws RangeError if `value` is out of range or `buf` is too small (programmer error).
 */
export function writeVarint(buf: Uint8Array, offset: number, value: number): number {
  return writeVarintWithLength(buf, offset, value, varintLength(value));
}

/**
 * Writes `value` as a varint of exactly `length` bytes. Non-minimal encodings
 * are legal for every varint except frame types (RFC 9000 §12.4); they let a
 * sender reserve room for a length it fills in later.
 * @returns the offset just past the varint.
 * @throws RangeError if `value` does not fit in `length` bytes, or `buf` is too small.
 */
export function writeVarintWithLength(buf: Uint8Array, offset: number, value: number, length: VarintLength): number {
  if (offset < 0 || offset + length > buf.length) {
    throw new RangeError(`varint: buffer too small (need ${length} bytes at ${offset}, have ${buf.length})`);
  }
  switch (length) {
    case 1:
      if (!(value >= 0 && value <= VARINT_MAX_1 && Number.isInteger(value))) break;
      buf[offset] = value;
      return offset + 1;
    case 2:
      if (!(value >= 0 && value <= VARINT_MAX_2 && Number.isInteger(value))) break;
      buf[offset] = 0x40 | (value >> 8);
      buf[offset + 1] = value & 0xff;
      return offset + 2;
    case 4:
      if (!(value >= 0 && value <= VARINT_MAX_4 && Number.isInteger(value))) break;
      buf[offset] = 0x80 | (value >>> 24);
      buf[offset + 1] = (value >>> 16) & 0xff;
      buf[offset + 2] = (value >>> 8) & 0xff;
      buf[offset + 3] = value & 0xff;
      return offset + 4;
    case 8: {
      if (!(value >= 0 && Number.isSafeInteger(value))) break;
      // Bitwise operators are 32-bit in JS: split into high and low words.
      const hi = Math.floor(value / 0x1_0000_0000);
      const lo = value >>> 0;
      buf[offset] = 0xc0 | (hi >>> 24);
      buf[offset + 1] = (hi >>> 16) & 0xff;
      buf[offset + 2] = (hi >>> 8) & 0xff;
      buf[offset + 3] = hi & 0xff;
      buf[offset + 4] = lo >>> 24;
      buf[offset + 5] = (lo >>> 16) & 0xff;
      buf[offset + 6] = (lo >>> 8) & 0xff;
      buf[offset + 7] = lo & 0xff;
      return offset + 8;
    }
  }
  throw new RangeError(`varint: ${value} does not fit in ${length} bytes`);
}

/** A decoded varint and the offset just past it. */
export interface DecodedVarint {
  /** The value, in [0, 2^53-1]. */
  readonly value: number;
  /** Offset of the first byte after the varint. */
  readonly next: number;
}

/**
 * Reads one varint at `bytes[offset]`. Convenience form for cold paths: a thin
 * wrapper around {@link Reader.varint}, which holds the one implementation
 * (and the one 2^53-1 overflow check); the frame and header decoders call the
 * Reader directly, which allocates nothing per field.
 */
export function decodeVarint(bytes: Uint8Array, offset: number): Result<DecodedVarint, WireError> {
  if (!(offset >= 0 && offset <= bytes.length && Number.isInteger(offset))) {
    return err(wireError('Truncated', offset, 'varint: offset outside input'));
  }
  const r = new Reader(bytes, offset);
  const value = r.varint('varint');
  return r.error === undefined ? ok({ value, next: r.pos }) : err(r.error);
}
