/**
 * Fixed-width big-endian writers for the encode side. Like `writeVarint`,
 * each writes at `offset`, returns the offset just past what it wrote, and throws
 * RangeError only on programmer error (buffer too small, value out of range):
 * a Uint8Array silently drops out-of-bounds stores, so the check is what stops
 * a short buffer from producing a corrupt packet.
 * @module
 */

/** Throws RangeError unless `buf` has `n` bytes of room at `offset`. */
export function ensureRoom(buf: Uint8Array, offset: number, n: number): void {
  if (offset < 0 || offset + n > buf.length) {
    throw new RangeError(`wire: buffer too small (need ${n} bytes at ${offset}, have ${buf.length})`);
  }
}

/** Writes one byte (0..255). */
export function writeU8(buf: Uint8Array, offset: number, value: number): number {
  ensureRoom(buf, offset, 1);
  if (!(value >= 0 && value <= 0xff && Number.isInteger(value))) throw new RangeError(`u8 out of range: ${value}`);
  buf[offset] = value;
  return offset + 1;
}

/** Writes a 16-bit big-endian unsigned integer (0..65535). */
export function writeU16(buf: Uint8Array, offset: number, value: number): number {
  ensureRoom(buf, offset, 2);
  if (!(value >= 0 && value <= 0xffff && Number.isInteger(value))) throw new RangeError(`u16 out of range: ${value}`);
  buf[offset] = value >>> 8;
  buf[offset + 1] = value & 0xff;
  return offset + 2;
}

/** Writes a 32-bit big-endian unsigned integer (0..2^32-1). */
export function writeU32(buf: Uint8Array, offset: number, value: number): number {
  ensureRoom(buf, offset, 4);
  if (!(value >= 0 && value <= 0xffff_ffff && Number.isInteger(value))) throw new RangeError(`u32 out of range: ${value}`);
  buf[offset] = value >>> 24;
  buf[offset + 1] = (value >>> 16) & 0xff;
  buf[offset + 2] = (value >>> 8) & 0xff;
  buf[offset + 3] = value & 0xff;
  return offset + 4;
}

/** Copies `bytes` to `buf[offset]`. */
export function writeBytes(buf: Uint8Array, offset: number, bytes: Uint8Array): number {
  ensureRoom(buf, offset, bytes.length);
  buf.set(bytes, offset);
  return offset + bytes.length;
}
