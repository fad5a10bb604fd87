import type { AddAddressFrame, PathAbandonFrame, PathStatusFrame, RemoveAddressFrame } from './wire/index.js';

/**
 * The record kept for each sent packet: what it carried, so that its acknowledgement or loss goes back
 * to each frame's owner (the stream, the path set, the path signals, the path, the handshake).
 * @module
 */

/** The frames that tell the peer about addresses and paths (docs/protocol.md §7.10-7.13). */
export type SignalFrame = AddAddressFrame | RemoveAddressFrame | PathStatusFrame | PathAbandonFrame;

/**
 * What a sent packet carried, so that an ACK or a loss can be applied to
 * each part: stream data goes back to the send buffer, control frames are
 * re-queued, probes inform PMTU discovery.
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
  /** Whether HANDSHAKE_DONE was sent. */
  handshakeDone = false;
  /** Whether RESET was sent. */
  reset = false;
  /** Size of an MTU probe in bytes, or 0. */
  mtuProbeBytes = 0;
  /** Whether a PATH_CHALLENGE was sent. */
  pathChallenge = false;
  /** Path ids whose NEW_CONNECTION_ID this packet carried, or undefined (rare: allocated only then). */
  newCids: number[] | undefined = undefined;
  /** ADD_ADDRESS, REMOVE_ADDRESS, PATH_STATUS and PATH_ABANDON frames this packet carried, or undefined (rare). */
  signals: SignalFrame[] | undefined = undefined;
}

