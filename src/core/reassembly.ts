/**
 * The receive side of the connection's stream: DATA frames from every path,
 * out of order, overlapping and duplicated, put back in order
 * (RFC 9000 §2.2: a receiver delivers stream data in order; overlapping data
 * must be identical). Enforces the final size (RFC 9000 §4.5) and the
 * flow-control limit we advertised (§4.1).
 * @module
 */

import { equalRange } from './bytes.js';

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
  /**
   * Too many separate out-of-order segments (a peer scattering tiny frames over the window):
   * close with LackOfResources. The insert that crossed the bound was stored; later ones store nothing.
   */
  TooManySegments: 3,
} as const;

/** A value of {@link ReassemblyStatus}. */
export type ReassemblyStatusCode = (typeof ReassemblyStatus)[keyof typeof ReassemblyStatus];

/** Once this many consumed segment slots accumulate at the front, they are compacted away. */
const COMPACT_AFTER_SEGMENTS = 64;
/** Pieces shorter than this, in bytes, are copied and appended to an adjacent stored segment instead of adding one. */
export const MERGE_BELOW_BYTES = 1024;
/** Segments allowed regardless of the window: runs between holes (losses) of a legitimate peer. */
export const BASE_SEGMENT_LIMIT = 4096;
/** Smallest capacity of a segment we own, in bytes, so small appends do not reallocate each time. */
const MIN_OWNED_CAPACITY = 256;

/**
 * Out-of-order stream bytes and the in-order read cursor. Offsets and sizes
 * are bytes.
 *
 * Memory tracks {@link bufferedBytes}: a piece that fills at least half of
 * the buffer it lives in is kept by reference (zero-copy, so the caller must not reuse that
 * buffer: pass each decrypted payload in a buffer of its own); anything else
 * is copied, and a small piece that continues a stored segment is appended to
 * it (a segment we own grows by doubling). So a peer sending in order after a
 * hole adds no segments, and a segment never pins a packet buffer much larger
 * than itself.
 *
 * The number of stored segments is bounded: {@link BASE_SEGMENT_LIMIT} plus
 * one per {@link MERGE_BELOW_BYTES} of the receive window (a legitimate peer's
 * pieces that are not merged are at least that large). Beyond it
 * {@link insert} returns {@link ReassemblyStatus.TooManySegments}: only a
 * hostile peer scatters tiny frames over the window, and the connection closes
 * with LackOfResources (dropping the frame would let it retry forever). With
 * the bound, a sorted array with binary search is enough: appends at the end
 * and merges cost O(1), and an insert elsewhere moves at most the bound.
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
  /** The buffer a segment we own lives in (with spare capacity after it), or undefined when borrowed from the caller. */
  private readonly segOwned: (Uint8Array | undefined)[];
  private segHead: number;
  /** Most segments stored at once: {@link BASE_SEGMENT_LIMIT} plus one per {@link MERGE_BELOW_BYTES} of the largest window. */
  private readonly maxSegments: number;

  /**
   * @param limitOffset the initial MAX_DATA we advertise (our initial_max_data), in bytes.
   * @param maxWindowBytes the largest receive window flow control may grow to, in bytes (sizes the segment bound).
   */
  constructor(limitOffset: number, maxWindowBytes: number = limitOffset) {
    this.readOffset = 0;
    this.highestReceivedOffset = 0;
    this.finalSize = undefined;
    this.limitOffset = limitOffset;
    this.bufferedBytes = 0;
    this.duplicateBytes = 0;
    this.conflictingFrames = 0;
    this.segOffsets = [];
    this.segBytes = [];
    this.segOwned = [];
    this.segHead = 0;
    this.maxSegments = BASE_SEGMENT_LIMIT + Math.ceil(Math.max(limitOffset, maxWindowBytes) / MERGE_BELOW_BYTES);
  }

  /** Whether the whole stream has been read: a FIN arrived and every byte up to it was delivered. */
  get isFinished(): boolean {
    return this.readOffset === this.finalSize;
  }

  /** Whether {@link read} would return bytes now. */
  get hasReadable(): boolean {
    return this.segHead < this.segOffsets.length && this.segOffsets[this.segHead] === this.readOffset;
  }

  /**
   * Bytes of memory the stored segments keep alive (their buffers, spare capacity included), for
   * diagnostics and tests: within about twice {@link bufferedBytes}. O(segments).
   */
  get heldBytes(): number {
    let held = 0;
    for (let i = this.segHead; i < this.segBytes.length; i++) {
      const owned = this.segOwned[i];
      held += owned !== undefined ? owned.length : (this.segBytes[i] as Uint8Array).buffer.byteLength;
    }
    return held;
  }

  /** Segments stored now (out-of-order runs, plus the readable one). */
  get segmentCount(): number {
    return this.segOffsets.length - this.segHead;
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
    // Over the bound already (reported once): store nothing more, at O(1), whatever the caller does next.
    if (this.segmentCount > this.maxSegments) return ReassemblyStatus.TooManySegments;
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
      return this.segmentCount > this.maxSegments ? ReassemblyStatus.TooManySegments : ReassemblyStatus.Ok;
    }
    let conflict = false;
    let cursor = start;
    let i = this.firstSegmentEndingAfter(start);
    // Fill the holes between stored segments overlapping [start, end); compare the overlaps.
    while (i < offsets.length && (offsets[i] as number) < end) {
      const segStart = offsets[i] as number;
      const seg = this.segBytes[i] as Uint8Array;
      if (segStart > cursor) {
        // The overlapped segment follows whatever holds the new bytes.
        i = this.addSegment(i, cursor, data.subarray(cursor - start, segStart - start)) + 1;
        cursor = segStart;
      }
      const overlapEnd = Math.min(segStart + seg.length, end);
      if (overlapEnd > cursor) {
        if (!conflict && !equalRange(data, cursor - start, seg, cursor - segStart, overlapEnd - cursor)) conflict = true;
        this.duplicateBytes += overlapEnd - cursor;
        cursor = overlapEnd;
      }
      i++;
    }
    if (cursor < end) this.addSegment(i, cursor, data.subarray(cursor - start));
    if (conflict) this.conflictingFrames++;
    return this.segmentCount > this.maxSegments ? ReassemblyStatus.TooManySegments : ReassemblyStatus.Ok;
  }

  /**
   * The next in-order bytes, at most `maxBytes`, or undefined if the next
   * byte has not arrived. Returns a view of stored bytes (zero-copy), valid
   * until the caller is done with it: one stored segment at a time, so call
   * it in a loop to drain.
   */
  read(maxBytes: number = Number.POSITIVE_INFINITY): Uint8Array | undefined {
    if (!this.hasReadable || maxBytes <= 0) return undefined;
    const seg = this.segBytes[this.segHead] as Uint8Array;
    let out: Uint8Array;
    if (seg.length <= maxBytes) {
      out = seg;
      this.segBytes[this.segHead] = EMPTY;
      this.segOwned[this.segHead] = undefined;
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

  /**
   * Stores `bytes` at `offset`, before segment `index` (which starts at or after its end):
   * appended to the previous segment when small and contiguous with it, else a segment of its own.
   * Returns the index of the segment now holding the bytes.
   */
  private addSegment(index: number, offset: number, bytes: Uint8Array): number {
    if (bytes.length === 0) return index - 1;
    this.bufferedBytes += bytes.length;
    const prev = index - 1;
    if (
      bytes.length < MERGE_BELOW_BYTES &&
      prev >= this.segHead &&
      (this.segOffsets[prev] as number) + (this.segBytes[prev] as Uint8Array).length === offset
    ) {
      this.append(prev, bytes);
      return prev;
    }
    // Keep a piece by reference only if it is most of its buffer; copy the rest.
    const borrow = 2 * bytes.length >= bytes.buffer.byteLength;
    let stored = bytes;
    let owned: Uint8Array | undefined;
    if (!borrow) {
      owned = bytes.slice(); // exact: a segment that is never appended to costs only its bytes
      stored = owned;
    }
    if (index === this.segOffsets.length) {
      this.segOffsets.push(offset);
      this.segBytes.push(stored);
      this.segOwned.push(owned);
    } else {
      this.segOffsets.splice(index, 0, offset);
      this.segBytes.splice(index, 0, stored);
      this.segOwned.splice(index, 0, owned);
    }
    return index;
  }

  /** Appends bytes to stored segment `i`, moving it into a buffer of ours (grown by doubling) when needed. */
  private append(i: number, bytes: Uint8Array): void {
    const seg = this.segBytes[i] as Uint8Array;
    let owned = this.segOwned[i];
    let from = 0;
    if (owned !== undefined) from = seg.byteOffset - owned.byteOffset;
    if (owned === undefined || from + seg.length + bytes.length > owned.length) {
      const grown = new Uint8Array(Math.max(MIN_OWNED_CAPACITY, 2 * (seg.length + bytes.length)));
      grown.set(seg, 0);
      owned = grown;
      from = 0;
      this.segOwned[i] = owned;
    }
    owned.set(bytes, from + seg.length);
    this.segBytes[i] = owned.subarray(from, from + seg.length + bytes.length);
  }

  private compact(): void {
    const n = this.segOffsets.length;
    if (this.segHead === n) {
      this.segOffsets.length = 0;
      this.segBytes.length = 0;
      this.segOwned.length = 0;
      this.segHead = 0;
    } else if (this.segHead >= COMPACT_AFTER_SEGMENTS && this.segHead * 2 >= n) {
      this.segOffsets.splice(0, this.segHead);
      this.segBytes.splice(0, this.segHead);
      this.segOwned.splice(0, this.segHead);
      this.segHead = 0;
    }
  }
}

const EMPTY = new Uint8Array(0);
