import type { AddAddressFrame, PathAbandonFrame, PathStatusFrame, RemoveAddressFrame } from './wire/index.js';

/**
 * The record kept for each sent packet: what it carried, so that its acknowledgement or loss goes back
 * to each frame's owner (the stream, the path set, the path signals, the path, the handshake).
 * @module
 */

/** The frames that tell the peer about addresses and paths (docs/protocol.md §7.11-7.14). */
export type SignalFrame = AddAddressFrame | RemoveAddressFrame | PathStatusFrame | PathAbandonFrame;

/**
 * An owner of frames that wants to hear what became of each it sent: `token` is whatever it chose to
 * identify the frame by when it wrote it ({@link FrameWriter.record}).
 */
export interface SentFrameOwner<T = unknown> {
  /** The packet that carried the frame was acknowledged. */
  onFrameAcked(token: T): void;
  /** The packet that carried the frame will never be acknowledged (lost, or its path closed): send again if still needed. */
  onFrameLost(token: T): void;
}

/** One frame's record in a sent packet: its owner and the owner's token. */
export interface SentFrameRecord {
  readonly owner: SentFrameOwner<never>;
  readonly token: unknown;
}

/**
 * What a sent packet carried, so that an ACK or a loss goes back to each frame's owner. The frames of
 * the hot path (DATA, ACK, MAX_DATA, DATA_BLOCKED, RESET, PATH_CHALLENGE, an MTU probe) have fields of
 * their own, read by their owners; every other frame leaves a {@link SentFrameRecord} (rare: the list
 * is allocated only then).
 */
export class PacketContents {
  /** Stream offset of the DATA frame, or -1 if none. */
  dataOffset = -1;
  /** Bytes of stream data. */
  dataLength = 0;
  /** Whether the DATA frame carried FIN. */
  dataFin = false;
  /** Largest packet number acknowledged by an ACK frame in this packet, or -1. */
  ackLargest = -1;
  /** MAX_DATA value sent, or -1. */
  maxData = -1;
  /** DATA_BLOCKED limit sent, or -1. */
  dataBlocked = -1;
  /** Whether RESET was sent. */
  reset = false;
  /** Size of an MTU probe in bytes, or 0. */
  mtuProbeBytes = 0;
  /** Whether a PATH_CHALLENGE was sent. */
  pathChallenge = false;
  /** The other frames' records (HANDSHAKE_DONE, NEW_CONNECTION_ID, the path signals...), or undefined. */
  records: SentFrameRecord[] | undefined = undefined;

  /** Tells each recorded frame's owner that the packet was acknowledged. */
  ackRecords(): void {
    const records = this.records;
    if (records !== undefined) for (const r of records) (r.owner as SentFrameOwner).onFrameAcked(r.token);
  }

  /** Tells each recorded frame's owner that the packet will never be acknowledged. */
  loseRecords(): void {
    const records = this.records;
    if (records !== undefined) for (const r of records) (r.owner as SentFrameOwner).onFrameLost(r.token);
  }
}
