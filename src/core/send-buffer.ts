/**
 * The connection's single outgoing stream, addressed by data-level offsets
 * shared by every path (docs/protocol.md §7.5). The scheduler asks it for the
 * next range to send; loss recovery tells it which ranges were acknowledged
 * or lost on whatever path carried them. A lost range is requeued and may be
 * resent on any path (reinjection), and the bytes stay here until acknowledged.
 * @module
 */
import { RangeSet } from './range-set.js';

/** A range of the stream chosen for one DATA frame. */
export interface SendRange {
  /** Stream offset of the first byte. */
  readonly offset: number;
  /** Bytes in the range; 0 only for a FIN with no data. */
  readonly length: number;
  /** Whether the frame carries FIN: the range ends at the final size. */
  readonly fin: boolean;
  /** Whether this is a retransmission of bytes reported lost (as opposed to new data). */
  readonly retransmission: boolean;
}

const NO_BYTES = new Uint8Array(0);
/** Freed chunk slots are compacted away once this many accumulate at the front. */
const COMPACT_AFTER_CHUNKS = 32;

/**
 * Outgoing stream bytes from write until acknowledgement. Offsets and sizes
 * are bytes. Bytes below {@link ackedOffset} are freed; above it, bytes are
 * kept (as the written chunks) until acknowledged, whether sent or not.
 */
export class SendBuffer {
  /** Total bytes written: the offset the next write starts at. */
  writtenBytes: number;
  /** Offset of the first byte never sent: new data starts here. */
  sentOffset: number;
  /** Every byte below this offset is acknowledged and freed. */
  ackedOffset: number;
  /** Bytes acknowledged in total (below and above {@link ackedOffset}). */
  ackedBytes: number;
  /** Bytes held in memory (written chunks not yet freed). */
  bufferedBytes: number;
  /** The peer's MAX_DATA: new data is never handed out at or beyond this offset (RFC 9000 §4.1). */
  maxDataOffset: number;
  /** The final size once {@link finish} was called, else undefined. */
  finalSize: number | undefined;
  /** Whether the FIN has been acknowledged. */
  finAcked: boolean;
  /** Whether a FIN still has to be sent (never sent, or sent and lost). */
  private finPending: boolean;
  /** Acknowledged ranges above {@link ackedOffset}. */
  private readonly acked: RangeSet;
  /** Ranges reported lost and not yet resent or acknowledged. */
  private readonly lost: RangeSet;
  /** Written chunks in offset order; freed slots before chunkHead. */
  private readonly chunks: Uint8Array[];
  /** Stream offset of each chunk's first byte. */
  private readonly chunkOffsets: number[];
  private chunkHead: number;

  /** @param initialMaxData the peer's initial_max_data transport parameter, in bytes (0 until known). */
  constructor(initialMaxData = 0) {
    this.writtenBytes = 0;
    this.sentOffset = 0;
    this.ackedOffset = 0;
    this.ackedBytes = 0;
    this.bufferedBytes = 0;
    this.maxDataOffset = initialMaxData;
    this.finalSize = undefined;
    this.finAcked = false;
    this.finPending = false;
    this.acked = new RangeSet();
    this.lost = new RangeSet();
    this.chunks = [];
    this.chunkOffsets = [];
    this.chunkHead = 0;
  }

  /** Bytes written and not yet acknowledged (sent or not): what backpressure should bound. */
  get unackedBytes(): number {
    return this.writtenBytes - this.ackedBytes;
  }

  /** Bytes written but never sent. */
  get unsentBytes(): number {
    return this.writtenBytes - this.sentOffset;
  }

  /**
   * Appends a copy of `bytes` to the stream, so the caller may reuse its buffer.
   * @returns false (and appends nothing) after {@link finish}.
   */
  write(bytes: Uint8Array): boolean {
    return this.writeOwned(bytes.slice());
  }

  /**
   * Appends `bytes` without copying. The caller promises never to mutate them
   * afterwards: they are read again for every (re)transmission until acknowledged.
   * @returns false (and appends nothing) after {@link finish}.
   */
  writeOwned(bytes: Uint8Array): boolean {
    if (this.finalSize !== undefined) return false;
    if (bytes.length === 0) return true;
    this.chunks.push(bytes);
    this.chunkOffsets.push(this.writtenBytes);
    this.writtenBytes += bytes.length;
    this.bufferedBytes += bytes.length;
    return true;
  }

  /** Ends the stream after the bytes written so far: a FIN will be sent at offset {@link writtenBytes}. Idempotent. */
  finish(): void {
    if (this.finalSize !== undefined) return;
    this.finalSize = this.writtenBytes;
    this.finPending = true;
  }

  /**
   * Raises the peer's flow-control limit from a MAX_DATA frame. Smaller values
   * than the current limit are ignored (RFC 9000 §19.9: frames may arrive out of order).
   * @returns whether the limit grew.
   */
  onMaxData(maxDataOffset: number): boolean {
    if (maxDataOffset <= this.maxDataOffset) return false;
    this.maxDataOffset = maxDataOffset;
    return true;
  }

  /**
   * The limit at which new data is blocked by the peer's flow control, or
   * undefined if not blocked: the value for a DATA_BLOCKED frame (RFC 9000 §4.1).
   */
  get blockedAtOffset(): number | undefined {
    return this.writtenBytes > this.sentOffset && this.sentOffset >= this.maxDataOffset ? this.maxDataOffset : undefined;
  }

  /** Whether {@link nextRange} would return a range (given room for at least one byte). */
  get hasDataToSend(): boolean {
    if (!this.lost.isEmpty) return true;
    if (this.sentOffset < Math.min(this.writtenBytes, this.maxDataOffset)) return true;
    return this.finPending && this.sentOffset === this.finalSize;
  }

  /** Whether every written byte and the FIN are acknowledged: the sending direction is done. */
  get isFinished(): boolean {
    return this.finAcked && this.ackedOffset === this.finalSize;
  }

  /**
   * The next range to send, at most `maxBytes` long: lost ranges first (lowest
   * offset first, never limited by flow control, RFC 9000 §4.1), then new data
   * within the peer's MAX_DATA, then a lone FIN. The range counts as sent
   * once returned; copy its bytes with {@link copyTo}.
   * @returns undefined if there is nothing to send.
   */
  nextRange(maxBytes: number): SendRange | undefined {
    const lost = this.lost;
    if (!lost.isEmpty && maxBytes > 0) {
      const start = lost.start(0);
      const end = Math.min(lost.end(0), start + maxBytes);
      lost.remove(start, end);
      const fin = end === this.finalSize && !this.finAcked;
      if (fin) this.finPending = false;
      return { offset: start, length: end - start, fin, retransmission: true };
    }
    const limit = Math.min(this.writtenBytes, this.maxDataOffset);
    if (this.sentOffset < limit && maxBytes > 0) {
      const start = this.sentOffset;
      const end = Math.min(limit, start + maxBytes);
      this.sentOffset = end;
      const fin = end === this.finalSize;
      if (fin) this.finPending = false;
      return { offset: start, length: end - start, fin, retransmission: false };
    }
    if (this.finPending && this.sentOffset === this.finalSize) {
      this.finPending = false;
      return { offset: this.finalSize, length: 0, fin: true, retransmission: false };
    }
    return undefined;
  }

  /** Whether ranges reported lost wait to be sent again. */
  get hasLostData(): boolean {
    return !this.lost.isEmpty;
  }

  /**
   * For a redundant copy: the first offset at or above `fromOffset` of bytes
   * already sent (below {@link sentOffset}) and not acknowledged, or -1 if
   * there is none. Acknowledged bytes need no copy, whichever path carried them.
   */
  copyStart(fromOffset: number): number {
    let at = fromOffset > this.ackedOffset ? fromOffset : this.ackedOffset;
    const acked = this.acked;
    const i = acked.indexAfter(at);
    // Acknowledged ranges are merged, so one step clears the range `at` falls in.
    if (i < acked.rangeCount && acked.start(i) <= at) at = acked.end(i);
    return at < this.sentOffset ? at : -1;
  }

  /**
   * A redundant copy of bytes another path sent: the unacknowledged bytes from
   * {@link copyStart}(`fromOffset`) up to the next acknowledged range, the
   * first unsent byte or `maxBytes`. It carries FIN when it ends at the final
   * size. Nothing is marked sent or lost: the send buffer's state is unchanged
   * (an ACK of the copy settles the bytes, its loss requeues them as any loss does).
   * @returns undefined if there is nothing to copy.
   */
  nextCopy(fromOffset: number, maxBytes: number): SendRange | undefined {
    const start = this.copyStart(fromOffset);
    if (start < 0 || maxBytes <= 0) return undefined;
    let end = Math.min(this.sentOffset, start + maxBytes);
    const acked = this.acked;
    const i = acked.indexAfter(start);
    if (i < acked.rangeCount && acked.start(i) < end) end = acked.start(i);
    return { offset: start, length: end - start, fin: end === this.finalSize && !this.finAcked, retransmission: false };
  }

  /**
   * Copies stream bytes [offset, offset + length) into `dest` at `destOffset`,
   * straight from the written chunks (no intermediate buffer).
   * @returns the bytes copied: `length`, or 0 if any of the range was never written or is already freed
   *   (acknowledged): a caller bug, reported rather than thrown.
   */
  copyTo(offset: number, length: number, dest: Uint8Array, destOffset: number): number {
    if (length <= 0) return 0;
    const end = offset + length;
    if (offset < 0 || end > this.writtenBytes || destOffset < 0 || destOffset + length > dest.length) return 0;
    let i = this.chunkIndexFor(offset);
    if (i < 0) return 0;
    let at = offset;
    let out = destOffset;
    while (at < end) {
      const chunk = this.chunks[i] as Uint8Array;
      const chunkStart = this.chunkOffsets[i] as number;
      const from = at - chunkStart;
      const to = Math.min(chunk.length, end - chunkStart);
      dest.set(chunk.subarray(from, to), out);
      out += to - from;
      at += to - from;
      i++;
    }
    return length;
  }

  /**
   * Marks [offset, offset + length) delivered (a DATA frame was acknowledged),
   * and FIN if `fin`. Frees chunks once every byte below them is acknowledged.
   * Ranges may repeat or overlap earlier acknowledgements.
   * @returns bytes newly acknowledged.
   */
  onAcked(offset: number, length: number, fin: boolean): number {
    if (fin && this.finalSize !== undefined && offset + length === this.finalSize) {
      this.finAcked = true;
      this.finPending = false;
    }
    const start = Math.max(offset, this.ackedOffset);
    const end = Math.min(offset + length, this.writtenBytes);
    if (end <= start) return 0;
    const added = this.acked.insert(start, end);
    this.ackedBytes += added;
    // An acknowledged byte never needs resending, whatever copy got through.
    this.lost.remove(start, end);
    if (this.acked.start(0) === this.ackedOffset) {
      this.ackedOffset = this.acked.end(0);
      this.acked.shift();
      this.freeChunks();
    }
    return added;
  }

  /**
   * Queues [offset, offset + length) for retransmission, except the parts
   * already acknowledged (a range may be partly acknowledged through another
   * copy), and FIN if `fin` and not yet acknowledged. Queuing a range that
   * already waits in the queue adds nothing; a range lost again after it was
   * resent is queued again.
   * @returns bytes newly queued.
   */
  onLost(offset: number, length: number, fin: boolean): number {
    if (fin && this.finalSize !== undefined && offset + length === this.finalSize && !this.finAcked) this.finPending = true;
    const start = Math.max(offset, this.ackedOffset);
    const end = Math.min(offset + length, this.sentOffset);
    if (end <= start) return 0;
    const acked = this.acked;
    let queued = 0;
    let cursor = start;
    // Insert the gaps between acknowledged ranges that fall inside [start, end).
    for (let i = acked.indexAfter(start); cursor < end; i++) {
      if (i >= acked.rangeCount || acked.start(i) >= end) {
        queued += this.lost.insert(cursor, end);
        break;
      }
      const ackedStart = acked.start(i);
      if (ackedStart > cursor) queued += this.lost.insert(cursor, ackedStart);
      cursor = Math.max(cursor, acked.end(i));
    }
    return queued;
  }

  /** Index of the chunk holding `offset`, or -1 if it is freed or unwritten. */
  private chunkIndexFor(offset: number): number {
    let lo = this.chunkHead;
    let hi = this.chunks.length - 1;
    if (lo > hi || offset < (this.chunkOffsets[lo] as number)) return -1;
    // Last chunk whose start <= offset.
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if ((this.chunkOffsets[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Releases chunks that lie wholly below {@link ackedOffset}. */
  private freeChunks(): void {
    const chunks = this.chunks;
    while (this.chunkHead < chunks.length) {
      const chunk = chunks[this.chunkHead] as Uint8Array;
      if ((this.chunkOffsets[this.chunkHead] as number) + chunk.length > this.ackedOffset) break;
      this.bufferedBytes -= chunk.length;
      chunks[this.chunkHead] = NO_BYTES;
      this.chunkHead++;
    }
    if (this.chunkHead >= COMPACT_AFTER_CHUNKS && this.chunkHead * 2 >= chunks.length) {
      chunks.splice(0, this.chunkHead);
      this.chunkOffsets.splice(0, this.chunkHead);
      this.chunkHead = 0;
    }
  }
}
