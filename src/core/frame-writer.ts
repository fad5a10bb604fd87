import { encodeFrame, type Frame } from './wire/index.js';
import { PacketContents, type SentFrameOwner } from './packet-contents.js';
import type { Path } from './path.js';

/**
 * The payload of one packet being built: each owner appends its frames here (in the packet writer's
 * fixed order) and notes in {@link contents} what it put in, so the packet's acknowledgement or loss
 * can be routed back to it.
 * @module
 */

/** Smallest room, in bytes, worth starting a DATA frame in; control frames leave it free. */
export const MIN_DATA_ROOM = 32;

/** A packet payload under construction. */
export class FrameWriter {
  /** Where the next frame goes. */
  at = 0;
  /** Whether a frame that asks for an acknowledgement has been written. */
  ackEliciting = false;
  /** What the packet carries, for its acknowledgement or loss. */
  contents = new PacketContents();

  /**
   * @param buf - the payload buffer (shared scratch space).
   * @param limit - the payload's end: the datagram's room less header and AEAD tag.
   */
  constructor(
    readonly buf: Uint8Array,
    public limit: number,
  ) {}

  /** Starts the next packet in the same buffer (the writer is reused: one per connection, not per packet). */
  restart(limit: number): void {
    this.at = 0;
    this.ackEliciting = false;
    this.limit = limit;
    this.contents = new PacketContents();
  }

  /** Bytes left. */
  get room(): number {
    return this.limit - this.at;
  }

  /** Appends `frame`; `ackEliciting` false for ACK, PADDING and CLOSE. */
  put(frame: Frame, ackEliciting = true): void {
    this.at = encodeFrame(this.buf, this.at, frame);
    if (ackEliciting) this.ackEliciting = true;
  }

  /** Leaves a record of the frame just written: `owner` hears, by `token`, whether its packet was acknowledged or lost. */
  record<T>(owner: SentFrameOwner<T>, token: T): void {
    (this.contents.records ??= []).push({ owner: owner as SentFrameOwner<never>, token });
  }

  /** PADDING up to the limit. */
  pad(): void {
    this.buf.fill(0, this.at, this.limit);
    this.at = this.limit;
  }
}

/**
 * An owner of connection-level control frames (sent only on validated paths), asked by the packet
 * writer, in a fixed order, to write what it has due.
 */
export interface FrameSource {
  /** Whether it has frames to send now. */
  readonly framesDue: boolean;
  /**
   * Writes what is due, recording each frame for its ACK or loss. Small frames that come early in the
   * order (HANDSHAKE_DONE, MAX_DATA, RESET) always fit; an owner whose frames may not (a list of them)
   * checks {@link FrameWriter.room} and leaves {@link MIN_DATA_ROOM} for data.
   */
  writeFrames(w: FrameWriter, path: Path, nowMs: number): void;
}
