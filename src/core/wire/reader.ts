import { wireError, type WireError, type WireErrorKind } from './wire-error.js';

/**
 * A cursor over a byte range with a sticky error, used by every decoder.
 *
 * Reads never throw and never allocate on success: on failure a read records
 * the first error, returns 0 (or an empty view) and every later read does the
 * same, so a decoder can read a whole frame and check {@link Reader.error}
 * once at the end. Loops whose trip count comes from the wire must check
 * `error` on every turn so a lying count cannot spin.
 */
export class Reader {
  /** The input; views returned by {@link Reader.bytes} share its memory. */
  readonly buf: Uint8Array;
  /** Offset of the next unread byte. */
  pos: number;
  /** Offset one past the last readable byte. */
  readonly end: number;
  /** The first failure, or undefined while every read has succeeded. */
  error: WireError | undefined;

  /** Reads `buf` from byte `pos` up to (not including) byte `end`. */
  constructor(buf: Uint8Array, pos = 0, end = buf.length) {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
    this.error = undefined;
  }

  /** Bytes left between the cursor and the end, 0 once failed. */
  get remaining(): number {
    return this.error === undefined ? this.end - this.pos : 0;
  }

  /** Records a failure at `offset` (default: the cursor) unless one is already recorded. */
  fail(kind: WireErrorKind, message: string, offset: number = this.pos): void {
    if (this.error === undefined) this.error = wireError(kind, offset, message);
    this.pos = this.end;
  }

  /** Ensures `n` more bytes exist; records `Truncated` otherwise. */
  private need(n: number, what: string): boolean {
    if (this.error !== undefined) return false;
    if (this.end - this.pos >= n) return true;
    this.fail('Truncated', `${what}: needs ${n} bytes, ${this.end - this.pos} left`);
    return false;
  }

  /** Reads one byte. */
  u8(what = 'u8'): number {
    if (!this.need(1, what)) return 0;
    return this.buf[this.pos++] as number;
  }

  /** Reads a 16-bit big-endian unsigned integer. */
  u16(what = 'u16'): number {
    if (!this.need(2, what)) return 0;
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 2;
    return ((b[p] as number) << 8) | (b[p + 1] as number);
  }

  /** Reads a 32-bit big-endian unsigned integer. */
  u32(what = 'u32'): number {
    if (!this.need(4, what)) return 0;
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 4;
    return (((b[p] as number) << 24) | ((b[p + 1] as number) << 16) | ((b[p + 2] as number) << 8) | (b[p + 3] as number)) >>> 0;
  }

  /** Reads an `n`-byte (1..4) big-endian unsigned integer, e.g. a truncated packet number. */
  uint(n: number, what = 'uint'): number {
    if (!this.need(n, what)) return 0;
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 256 + (this.buf[this.pos + i] as number);
    this.pos += n;
    return v;
  }

  /**
   * Reads an RFC 9000 §16 varint. Values above 2^53-1 record `VarintOverflow`
   * (a double cannot hold them exactly). This is the codec's only varint
   * decoder; `decodeVarint` wraps it.
   */
  varint(what = 'varint'): number {
    if (!this.need(1, what)) return 0;
    const b = this.buf;
    const p = this.pos;
    const first = b[p] as number;
    const len = 1 << (first >> 6);
    if (len === 1) {
      this.pos = p + 1;
      return first;
    }
    if (!this.need(len, what)) return 0;
    this.pos = p + len;
    if (len === 2) return ((first & 0x3f) << 8) | (b[p + 1] as number);
    if (len === 4) {
      return (((first & 0x3f) << 24) | ((b[p + 1] as number) << 16) | ((b[p + 2] as number) << 8) | (b[p + 3] as number)) >>> 0;
    }
    // 8 bytes: exact as a double iff the high 32-bit word is <= 2^21-1.
    const hi = (((first & 0x3f) << 24) | ((b[p + 1] as number) << 16) | ((b[p + 2] as number) << 8) | (b[p + 3] as number)) >>> 0;
    if (hi > 0x1f_ffff) {
      this.fail('VarintOverflow', `${what}: value exceeds 2^53-1`, p);
      return 0;
    }
    const lo = (((b[p + 4] as number) << 24) | ((b[p + 5] as number) << 16) | ((b[p + 6] as number) << 8) | (b[p + 7] as number)) >>> 0;
    return hi * 0x1_0000_0000 + lo;
  }

  /** Returns a zero-copy view of the next `n` bytes and advances past them. */
  bytes(n: number, what = 'bytes'): Uint8Array {
    if (!this.need(n, what)) return this.buf.subarray(0, 0);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** Returns a zero-copy view of everything up to `end` and moves the cursor there. */
  rest(): Uint8Array {
    if (this.error !== undefined) return this.buf.subarray(0, 0);
    const v = this.buf.subarray(this.pos, this.end);
    this.pos = this.end;
    return v;
  }
}
