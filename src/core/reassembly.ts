/**
 * The receive side of the connection's stream: DATA frames from every path,
 * out of order, overlapping and duplicated, put back in order
 * (RFC 9000 §2.2: a receiver delivers stream data in order; overlapping data
 * must be identical). Enforces the final size (RFC 9000 §4.5) and the
 * flow-control limit we advertised (§4.1).
 * @module
 */

/** Result of {@link Reassembly.insert}. */
export const ReassemblyStatus = {
  /** Accepted (possibly wholly or partly duplicate). */
  Ok: 0,
  /** Data beyond the advertised MAX_DATA (RFC 9000 §4.1): close with FlowControlError. Nothing was stored. */
  FlowControlError: 1,
  /**
   * Data beyond the final size, a FIN below data already received, or a
   * changed final size (RFC 9000 §4.5): close with FinalSizeError. Nothing was stored.
   */
  FinalSizeError: 2,
} as const;

/** A value of {@link ReassemblyStatus}. */
export type ReassemblyStatusCode = (typeof ReassemblyStatus)[keyof typeof ReassemblyStatus];

/** Once this many consumed segment slots accumulate at the front, they are compacted away. */
const COMPACT_AFTER_SEGMENTS = 64;

/**
 * Out-of-order stream bytes and the in-order read cursor. Offsets and sizes
 * are bytes.
 *
 * Stored data is kept as subarrays of the `bytes` passed to {@link insert}
 * (no copy): the caller must not reuse those buffers while they may be held,
 * i.e. pass each decrypted packet payload in a buffer of its own.
 */
export class Reassembly {
  /** Bytes delivered by {@link read}: the stream offset of the next byte to read. */
  readOffset: number;
  /** One past the highest offset received (RFC 9000 §4.5: the final size may not be below it). */
  highestReceivedOffset: number;
  /** The final size once a FIN arrived, else undefined. */
  finalSize: number | undefined;
  /** Offset data may not reach past: the MAX_DATA we advertised. Raise it with {@link setLimitOffset}. */
  limitOffset: number;
  /** Bytes stored and not yet read. */
  bufferedBytes: number;
  /** Bytes received that were already stored or read (retransmissions, reinjection on two paths). */
  duplicateBytes: number;
  /**
   * DATA frames whose bytes differed from bytes already received at the same
   * offsets. The first bytes are kept, so the stream is never a mix; a
   * nonzero count means a buggy or hostile peer.
   */
  conflictingFrames: number;
  /** Stored segments in offset order, disjoint; consumed slots before segHead. */
  private readonly segOffsets: number[];
  private readonly segBytes: Uint8Array[];
  private segHead: number;

  /** @param limitOffset the initial MAX_DATA we advertise (our initial_max_data), in bytes. */
  constructor(limitOffset: number) {
    this.readOffset = 0;
    this.highestReceivedOffset = 0;
    this.finalSize = undefined;
    this.limitOffset = limitOffset;
    this.bufferedBytes = 0;
    this.duplicateBytes = 0;
    this.conflictingFrames = 0;
    this.segOffsets = [];
    this.segBytes = [];
    this.segHead = 0;
  }

  /** Whether the whole stream has been read: a FIN arrived and every byte up to it was delivered. */
  get isFinished(): boolean {
    return this.readOffset === this.finalSize;
  }

  /** Whether {@link read} would return bytes now. */
  get hasReadable(): boolean {
    return this.segHead < this.segOffsets.length && this.segOffsets[this.segHead] === this.readOffset;
  }

  /** Raises the flow-control limit after we advertise a larger MAX_DATA. Smaller values are ignored. */
  setLimitOffset(limitOffset: number): void {
    if (limitOffset > this.limitOffset) this.limitOffset = limitOffset;
  }

  /**
   * Stores the bytes of one DATA frame at stream `offset`; `fin` marks the
   * end of the stream at `offset + bytes.length`. Bytes already stored or read
   * are compared, not replaced. Never throws.
   */
  insert(offset: number, bytes: Uint8Array, fin: boolean): ReassemblyStatusCode {
    const end = offset + bytes.length;
    // RFC 9000 §4.5: once known, the final size cannot change, and no data may lie beyond it.
    if (fin) {
      if (this.finalSize !== undefined ? end !== this.finalSize : end < this.highestReceivedOffset) {
        return ReassemblyStatus.FinalSizeError;
      }
    } else if (this.finalSize !== undefined && end > this.finalSize) {
      return ReassemblyStatus.FinalSizeError;
    }
    if (end > this.limitOffset) return ReassemblyStatus.FlowControlError;
    if (fin) this.finalSize = end;
    if (end > this.highestReceivedOffset) this.highestReceivedOffset = end;

    if (end <= this.readOffset) {
      this.duplicateBytes += bytes.length;
      return ReassemblyStatus.Ok;
    }
    let start = offset;
    let data = bytes;
    if (start < this.readOffset) {
      // Already delivered; it can no longer be compared, only counted.
      this.duplicateBytes += this.readOffset - start;
      data = data.subarray(this.readOffset - start);
      start = this.readOffset;
    }
    const offsets = this.segOffsets;
    const n = offsets.length;
    // Fast path: in order, past everything stored.
    if (this.segHead === n || start >= (offsets[n - 1] as number) + (this.segBytes[n - 1] as Uint8Array).length) {
      this.addSegment(n, start, data);
      return ReassemblyStatus.Ok;
    }
    let conflict = false;
    let cursor = start;
    let i = this.firstSegmentEndingAfter(start);
    // Fill the holes between stored segments overlapping [start, end); compare the overlaps.
    while (i < offsets.length && (offsets[i] as number) < end) {
      const segStart = offsets[i] as number;
      const seg = this.segBytes[i] as Uint8Array;
      if (segStart > cursor) {
        this.addSegment(i, cursor, data.subarray(cursor - start, segStart - start));
        i++;
        cursor = segStart;
      }
      const overlapEnd = Math.min(segStart + seg.length, end);
      if (overlapEnd > cursor) {
        if (!conflict && !sameBytes(data, cursor - start, seg, cursor - segStart, overlapEnd - cursor)) conflict = true;
        this.duplicateBytes += overlapEnd - cursor;
        cursor = overlapEnd;
      }
      i++;
    }
    if (cursor < end) this.addSegment(i, cursor, data.subarray(cursor - start));
    if (conflict) this.conflictingFrames++;
    return ReassemblyStatus.Ok;
  }

  /**
   * The next in-order bytes, at most `maxBytes`, or undefined if the next
   * byte has not arrived. Returns a subarray of a received buffer (zero-copy):
   * one stored segment at a time, so call it in a loop to drain.
   */
  read(maxBytes: number = Number.POSITIVE_INFINITY): Uint8Array | undefined {
    if (!this.hasReadable || maxBytes <= 0) return undefined;
    const seg = this.segBytes[this.segHead] as Uint8Array;
    let out: Uint8Array;
    if (seg.length <= maxBytes) {
      out = seg;
      this.segBytes[this.segHead] = EMPTY;
      this.segHead++;
      this.compact();
    } else {
      out = seg.subarray(0, maxBytes);
      this.segBytes[this.segHead] = seg.subarray(maxBytes);
      this.segOffsets[this.segHead] = this.readOffset + maxBytes;
    }
    this.readOffset += out.length;
    this.bufferedBytes -= out.length;
    return out;
  }

  /** Index of the first stored segment whose end is past `offset`. */
  private firstSegmentEndingAfter(offset: number): number {
    let lo = this.segHead;
    let hi = this.segOffsets.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.segOffsets[mid] as number) + (this.segBytes[mid] as Uint8Array).length <= offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private addSegment(index: number, offset: number, bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    if (index === this.segOffsets.length) {
      this.segOffsets.push(offset);
      this.segBytes.push(bytes);
    } else {
      this.segOffsets.splice(index, 0, offset);
      this.segBytes.splice(index, 0, bytes);
    }
    this.bufferedBytes += bytes.length;
  }

  private compact(): void {
    const n = this.segOffsets.length;
    if (this.segHead === n) {
      this.segOffsets.length = 0;
      this.segBytes.length = 0;
      this.segHead = 0;
    } else if (this.segHead >= COMPACT_AFTER_SEGMENTS && this.segHead * 2 >= n) {
      this.segOffsets.splice(0, this.segHead);
      this.segBytes.splice(0, this.segHead);
      this.segHead = 0;
    }
  }
}

const EMPTY = new Uint8Array(0);

function sameBytes(a: Uint8Array, aFrom: number, b: Uint8Array, bFrom: number, length: number): boolean {
  for (let k = 0; k < length; k++) if (a[aFrom + k] !== b[bFrom + k]) return false;
  return true;
}
