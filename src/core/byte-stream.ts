import type { ConnectionEvent } from './connection-events.js';
import { ReceiveFlowControl } from './flow-control.js';
import { MIN_DATA_ROOM, type FrameSource, type FrameWriter } from './frame-writer.js';
import type { PacketContents } from './packet-contents.js';
import type { Path } from './path.js';
import { Reassembly, ReassemblyStatus } from './reassembly.js';
import { SendBuffer } from './send-buffer.js';
import { finalSizeError, flowControlError, type TransportError } from './transport-error.js';
import { dataFrameHeaderLength, encodeDataFrameHeader, ReasonCode } from './wire/index.js';

/**
 * The connection's one reliable, ordered byte stream: what we send (the send buffer, the peer's
 * MAX_DATA, our FIN and RESET) and what we receive (reassembly, our flow-control window, the peer's
 * FIN and RESET). It handles its frames in (DATA, MAX_DATA, DATA_BLOCKED, RESET), writes its frames
 * out, and takes back the acknowledgement or loss of what it wrote.
 * @module
 */

/** Stream settings, from the transport configuration. */
export interface ByteStreamConfig {
  /** Our initial receive window (initial_max_data). */
  readonly initialWindowBytes: number;
  /** Largest receive window auto-tuning may reach. */
  readonly maxWindowBytes: number;
  /** Unacknowledged bytes beyond which write() asks the writer to wait. */
  readonly sendBufferBytes: number;
}

/** The connection-wide counters the stream keeps up to date. */
export interface StreamCounters {
  bytesWritten: number;
  bytesRead: number;
  bytesRetransmitted: number;
}

/** The byte stream of one connection. */
export class ByteStream {
  private readonly sendBuffer = new SendBuffer(0);
  private readonly reassembly: Reassembly;
  private readonly flow: ReceiveFlowControl;
  /** write() returned false: a 'writable' event is owed once the buffer drains. */
  private writeBlocked = false;
  private finishedReported = false;
  private resetPending = false;
  private resetCode = 0;
  /** Whether our RESET went out: no more DATA or DATA_BLOCKED after it. */
  private resetSent = false;
  /**
   * The final size our RESET carries, fixed when the application resets: the stream bytes sent by
   * then (never beyond the peer's limit, RFC 9000 §4.5), or -1 before a reset.
   */
  private resetFinalSize = -1;
  /** The final size the peer's RESET gave, or -1. */
  private peerResetFinalSize = -1;
  /** The limit of the last DATA_BLOCKED sent (once per limit), or -1. */
  private dataBlockedReported = -1;
  /** DATA_BLOCKED frames sent. */
  dataBlockedSent = 0;
  /** The stream's flow-control frames, MAX_DATA and DATA_BLOCKED, for the packet writer. */
  readonly flowFrames: FrameSource;
  /** The stream's RESET, for the packet writer (after the other control frames). */
  readonly resetFrames: FrameSource;

  constructor(
    private readonly config: ByteStreamConfig,
    private readonly counters: StreamCounters,
    private readonly emit: (event: ConnectionEvent) => void,
  ) {
    this.flow = new ReceiveFlowControl({ initialWindowBytes: config.initialWindowBytes, maxWindowBytes: config.maxWindowBytes });
    this.reassembly = new Reassembly(config.initialWindowBytes, config.maxWindowBytes);
    this.flowFrames = new StreamFrames(this, false);
    this.resetFrames = new StreamFrames(this, true);
  }

  // ----- the application's side ----------------------------------------------------------

  /** Queues bytes (copied); false once the unacknowledged bytes exceed the send buffer limit. */
  write(bytes: Uint8Array): boolean {
    if (this.sendBuffer.finalSize !== undefined || this.resetFinalSize >= 0) return false;
    if (bytes.length > 0) {
      this.sendBuffer.write(bytes);
      this.counters.bytesWritten += bytes.length;
    }
    const ok = this.sendBuffer.unackedBytes < this.config.sendBufferBytes;
    if (!ok) this.writeBlocked = true;
    return ok;
  }

  /** Ends our direction after what was written (FIN). */
  finish(): void {
    this.sendBuffer.finish();
  }

  /** Bytes received in order, up to `maxBytes`, or undefined. */
  read(maxBytes?: number): Uint8Array | undefined {
    const bytes = this.reassembly.read(maxBytes);
    if (bytes === undefined) return undefined;
    this.counters.bytesRead += bytes.length;
    this.flow.onConsumed(bytes.length);
    return bytes;
  }

  /**
   * Abandons our direction: a RESET goes out whose final size is what was sent by now (never beyond
   * the peer's limit); nothing more is sent, and write() refuses more. A second call changes nothing.
   */
  reset(applicationErrorCode: number): void {
    if (this.resetFinalSize >= 0) return;
    this.resetCode = applicationErrorCode;
    this.resetFinalSize = this.sendBuffer.sentOffset;
    this.resetPending = true;
  }

  /** Whether bytes are ready to read. */
  get hasReadable(): boolean {
    return this.reassembly.hasReadable;
  }

  /** Whether the peer's FIN arrived and everything before it was read. */
  get readEnded(): boolean {
    return this.reassembly.isFinished;
  }

  /** Whether everything we wrote, and our FIN, was acknowledged. */
  get writeEnded(): boolean {
    return this.sendBuffer.isFinished;
  }

  /** Bytes written and not yet acknowledged. */
  get bufferedBytes(): number {
    return this.sendBuffer.unackedBytes;
  }

  /** Whether new or lost data waits to be sent. */
  get hasDataToSend(): boolean {
    return this.sendBuffer.hasDataToSend;
  }

  // ----- frames in -----------------------------------------------------------------------

  /** The peer's flow-control limit for us (its initial_max_data, or a MAX_DATA frame). */
  onMaxData(maximumData: number): void {
    this.sendBuffer.onMaxData(maximumData);
  }

  /** DATA_BLOCKED: the peer is held back by our window. */
  onDataBlocked(limit: number): void {
    this.flow.onPeerBlocked(limit);
  }

  /** A DATA frame. */
  onData(offset: number, data: Uint8Array, fin: boolean): TransportError | undefined {
    const end = offset + data.length;
    const reset = this.peerResetFinalSize;
    if (reset >= 0 && (end > reset || (fin && end !== reset))) return finalSizeError('DATA beyond the RESET final size');
    if (!this.flow.onDataReceived(end)) return flowControlError('data beyond MAX_DATA');
    const readableBefore = this.reassembly.hasReadable;
    const status = this.reassembly.insert(offset, data, fin);
    if (status === ReassemblyStatus.FlowControlError) return flowControlError('data beyond MAX_DATA');
    if (status === ReassemblyStatus.FinalSizeError) return finalSizeError('final size changed');
    // A peer scattering tiny frames over the window (docs/architecture.md, Engine).
    if (status === ReassemblyStatus.TooManySegments) return { reasonCode: ReasonCode.LackOfResources, reason: 'too many out-of-order segments' };
    if (!readableBefore && this.reassembly.hasReadable) this.emit({ type: 'readable' });
    if (!this.finishedReported && this.reassembly.finalSize !== undefined) {
      this.finishedReported = true;
      this.emit({ type: 'finished' });
    }
    return undefined;
  }

  /** The peer abandoned its direction. Reported once; its final size must agree with the data (RFC 9000 §4.5). */
  onReset(applicationErrorCode: number, finalSize: number): TransportError | undefined {
    const known = this.peerResetFinalSize >= 0 ? this.peerResetFinalSize : this.reassembly.finalSize;
    if (known !== undefined ? finalSize !== known : finalSize < this.reassembly.highestReceivedOffset) {
      return finalSizeError('RESET final size differs from the data received');
    }
    if (!this.flow.onDataReceived(finalSize)) return flowControlError('RESET final size beyond MAX_DATA');
    if (this.peerResetFinalSize >= 0) return undefined; // a repeat (our ACK of the first was lost)
    this.peerResetFinalSize = finalSize;
    this.emit({ type: 'reset', applicationErrorCode });
    return undefined;
  }

  // ----- frames out ----------------------------------------------------------------------

  /** Whether MAX_DATA should go out. */
  get maxDataDue(): boolean {
    return this.flow.shouldSendMaxData;
  }

  /** The limit a DATA_BLOCKED frame should report now (once per limit, never after RESET), or undefined. */
  get dataBlockedDue(): number | undefined {
    const blockedAt = this.sendBuffer.blockedAtOffset;
    return blockedAt !== undefined && blockedAt !== this.dataBlockedReported && !this.resetSent ? blockedAt : undefined;
  }

  /** Whether a RESET waits to go out. */
  get resetDue(): boolean {
    return this.resetPending;
  }

  /** Whether DATA may still be sent: not once the application reset the stream. */
  get mayCarryData(): boolean {
    return this.resetFinalSize < 0;
  }

  /** Writes MAX_DATA (auto-tuned from the path's RTT) and DATA_BLOCKED, when due ({@link StreamFrames}). */
  writeFlowFrames(w: FrameWriter, path: Path, nowMs: number): void {
    const maxData = this.maxDataDue;
    const dataBlocked = this.dataBlockedDue;
    const rttMs = path.loss.rtt.smoothedRttMs;
    if (maxData) {
      const value = this.flow.pollMaxData(nowMs, rttMs);
      if (value !== undefined) {
        this.reassembly.setLimitOffset(value);
        w.put({ type: 'maxData', maximumData: value });
        w.contents.maxData = value;
      }
    }
    if (dataBlocked !== undefined) {
      w.put({ type: 'dataBlocked', limit: dataBlocked });
      w.contents.dataBlocked = dataBlocked;
      this.dataBlockedReported = dataBlocked;
      this.dataBlockedSent++;
    }
  }

  /** Writes our RESET ({@link StreamFrames}). */
  writeReset(w: FrameWriter): void {
    w.put({ type: 'reset', applicationErrorCode: this.resetCode, finalSize: this.resetFinalSize });
    w.contents.reset = true;
    this.resetPending = false;
    this.resetSent = true;
  }

  /** The first byte at or after `fromOffset` that was sent and not yet acknowledged (a redundant copy's start), or -1. */
  copyStart(fromOffset: number): number {
    return this.sendBuffer.copyStart(fromOffset);
  }

  /**
   * Writes one DATA frame on `path`: lost ranges first (they hold delivery up), then the path's
   * redundant copy from `copyAt` (or -1), then new data. Returns the stream offset just past what it
   * wrote and whether it was a retransmission, or undefined if it wrote nothing.
   */
  writeData(w: FrameWriter, path: Path, copyAt: number): { end: number; retransmission: boolean } | undefined {
    if (w.room < MIN_DATA_ROOM) return undefined;
    const buffer = this.sendBuffer;
    const maxBytes = w.room - dataFrameHeaderLength(buffer.writtenBytes + w.limit, w.limit, false);
    const range = copyAt >= 0 && !buffer.hasLostData ? buffer.nextCopy(copyAt, maxBytes) : buffer.nextRange(maxBytes);
    if (range === undefined) return undefined;
    w.at = encodeDataFrameHeader(w.buf, w.at, range.offset, range.length, range.fin, false);
    w.at += buffer.copyTo(range.offset, range.length, w.buf, w.at);
    w.ackEliciting = true;
    const c = w.contents;
    c.dataOffset = range.offset;
    c.dataLength = range.length;
    c.dataFin = range.fin;
    if (range.retransmission) {
      path.stats.streamBytesRetransmitted += range.length;
      this.counters.bytesRetransmitted += range.length;
    } else {
      path.stats.streamBytesSent += range.length;
    }
    return { end: range.offset + range.length, retransmission: range.retransmission };
  }

  // ----- what became of what we sent ------------------------------------------------------

  /** A packet that carried `c` was acknowledged on `path`. */
  onAcked(c: PacketContents, path: Path): void {
    if (c.dataOffset >= 0) {
      this.sendBuffer.onAcked(c.dataOffset, c.dataLength, c.dataFin);
      path.stats.streamBytesAcked += c.dataLength;
    }
  }

  /** After a batch of acknowledgements: a 'writable' event once the buffer drained below its limit. */
  onAcksDone(): void {
    if (this.writeBlocked && this.sendBuffer.unackedBytes < this.config.sendBufferBytes) {
      this.writeBlocked = false;
      this.emit({ type: 'writable' });
    }
  }

  /** A packet that carried `c` will never be acknowledged: queue again what it carried of ours. */
  onLost(c: PacketContents): void {
    if (c.dataOffset >= 0) this.sendBuffer.onLost(c.dataOffset, c.dataLength, c.dataFin);
    if (c.maxData >= 0) this.flow.onMaxDataLost(c.maxData);
    if (c.dataBlocked >= 0 && c.dataBlocked === this.dataBlockedReported) this.dataBlockedReported = -1;
    if (c.reset) this.resetPending = true;
  }

  /** Queues the stream data of `c` again (a probe's or a failing path's copy), nothing else. */
  onDataRequeued(c: PacketContents): void {
    if (c.dataOffset >= 0) this.sendBuffer.onLost(c.dataOffset, c.dataLength, c.dataFin);
  }
}

/**
 * The stream's control frames for the packet writer: its flow-control frames (MAX_DATA, DATA_BLOCKED),
 * or its RESET, which goes after every other control frame. One class for both keeps the writer's
 * question "anything due?" to few receiver shapes, which it asks of every source for most packets.
 */
class StreamFrames implements FrameSource {
  constructor(
    private readonly stream: ByteStream,
    private readonly reset: boolean,
  ) {}

  get framesDue(): boolean {
    const stream = this.stream;
    return this.reset ? stream.resetDue : stream.maxDataDue || stream.dataBlockedDue !== undefined;
  }

  writeFrames(w: FrameWriter, path: Path, nowMs: number): void {
    if (this.reset) this.stream.writeReset(w);
    else this.stream.writeFlowFrames(w, path, nowMs);
  }
}
