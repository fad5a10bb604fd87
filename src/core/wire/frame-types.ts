/**
 * Frame type codes and the {@link Frame} union. Every frame is a varint type
 * code followed by type-specific fields (RFC 9000 §12.4 style). All codes are
 * below 0x40, so every type is one byte on the wire; a longer (non-minimal)
 * encoding is rejected as RFC 9000 §12.4 permits.
 *
 * Frames travel only in short-header packets, inside the AEAD; long-header
 * packets carry Noise messages, not frames. Codes follow QUIC where the frame
 * has a QUIC counterpart; the multipath frames sit at 0x20.. in place of the
 * long codes of draft-ietf-quic-multipath, since mpt has its own version.
 * @module
 */
export const FrameType = {
  /** 0x00 PADDING: one zero byte; a run of them decodes as one frame. */
  Padding: 0x00,
  /** 0x01 PING: no fields; elicits an ACK. */
  Ping: 0x01,
  /** 0x02 ACK: per-path acknowledgement ranges. (0x03 reserved for a future ACK with ECN counts.) */
  Ack: 0x02,
  /** 0x04 RESET: abrupt end of the stream with an application error code and final size. */
  Reset: 0x04,
  /** 0x08..0x0b DATA: base code; OR in {@link DATA_FIN_BIT} and {@link DATA_LEN_BIT}. */
  Data: 0x08,
  /** 0x10 MAX_DATA: connection-level flow-control credit. */
  MaxData: 0x10,
  /** 0x14 DATA_BLOCKED: the sender is blocked at this flow-control limit. */
  DataBlocked: 0x14,
  /** 0x18 NEW_CONNECTION_ID: a CID for one path. */
  NewConnectionId: 0x18,
  /** 0x19 RETIRE_CONNECTION_ID. */
  RetireConnectionId: 0x19,
  /** 0x1a PATH_CHALLENGE: 8 bytes to echo. */
  PathChallenge: 0x1a,
  /** 0x1b PATH_RESPONSE: the 8 echoed bytes. */
  PathResponse: 0x1b,
  /** 0x1c CLOSE: closes the connection with a reason. */
  Close: 0x1c,
  /** 0x1e HANDSHAKE_DONE: server confirms the handshake. */
  HandshakeDone: 0x1e,
  /** 0x20 ADD_ADDRESS: advertise an address the peer may open paths to. */
  AddAddress: 0x20,
  /** 0x21 REMOVE_ADDRESS: withdraw an advertised address. */
  RemoveAddress: 0x21,
  /** 0x22 PATH_STATUS: mark a path available or backup. */
  PathStatus: 0x22,
  /** 0x23 PATH_ABANDON: close one path with a reason. */
  PathAbandon: 0x23,
  /** 0x24 MTU_PROBE: marks a DPLPMTUD probe packet and states its size. */
  MtuProbe: 0x24,
} as const;

/** One of the base frame type codes of {@link FrameType}. */
export type FrameTypeCode = (typeof FrameType)[keyof typeof FrameType];

/** DATA type bit 0x01: this frame ends the stream (its last byte is the final size minus one). */
export const DATA_FIN_BIT = 0x01;
/** DATA type bit 0x02: a Length field is present; without it the data runs to the end of the packet. */
export const DATA_LEN_BIT = 0x02;

/**
 * Most ACK Ranges one ACK frame may carry after its First ACK Range (so at most
 * 257 ranges in all). RFC 9000 §19.3 sets no limit, but an unbounded count lets
 * an authenticated peer make the receiver decode a 64 KB datagram into ~32,000
 * objects. RFC 9000 §13.2.3 already has receivers limit the ranges they send
 * and omit the oldest (smallest packet numbers) first, so a sender keeps the
 * newest ones and a receiver rejects a larger Range Count.
 */
export const MAX_ACK_RANGES = 256;
/** Longest CLOSE reason phrase, in bytes of UTF-8. */
export const MAX_REASON_PHRASE_LENGTH = 1024;
/** Length of PATH_CHALLENGE / PATH_RESPONSE data in bytes. */
export const PATH_CHALLENGE_LENGTH = 8;
// Path ids are 32 bits because the AEAD nonce has 32 bits for them (docs/protocol.md, Packet protection).
export { MAX_PATH_ID } from '../../crypto/packet-protection.js';
/** Smallest MTU_PROBE size in bytes: every path must carry 1200-byte UDP payloads (as RFC 9000 §14). */
export const MIN_PROBE_SIZE = 1200;
/** Largest MTU_PROBE size in bytes: the largest UDP payload over IPv6 without jumbograms. */
export const MAX_PROBE_SIZE = 65_527;

/** PATH_STATUS status values on the wire. 0 and values above 2 are invalid. */
export const PathStatusCode = {
  /** The path may carry data whenever the scheduler likes. */
  available: 1,
  /** The path carries data only when no available path can. */
  backup: 2,
} as const;

/** A path's status as carried by PATH_STATUS. */
export type PathStatus = keyof typeof PathStatusCode;

/** Address family of ADD_ADDRESS, as its wire byte: 4 (IPv4, 4 address bytes) or 6 (IPv6, 16). */
export type AddressFamily = 4 | 6;

/** PADDING: `length` zero bytes. */
export interface PaddingFrame {
  /** Discriminant. */
  readonly type: 'padding';
  /** Run length in bytes, >= 1. */
  readonly length: number;
}

/** PING: asks for an acknowledgement; used for keep-alive and loss probes. */
export interface PingFrame {
  /** Discriminant. */
  readonly type: 'ping';
}

/** One gap / range-length pair of an ACK frame (RFC 9000 §19.3.1). */
export interface AckRange {
  /** Unacknowledged packets between this range and the previous one, minus one. */
  readonly gap: number;
  /** Packets in this range minus one. */
  readonly length: number;
}

/** ACK: acknowledges packets of one path's packet number space. */
export interface AckFrame {
  /** Discriminant. */
  readonly type: 'ack';
  /** Path whose packet number space is acknowledged. */
  readonly pathId: number;
  /** Largest packet number acknowledged. */
  readonly largestAcked: number;
  /** Ack delay in units of 2^ack_delay_exponent microseconds (the sender's transport parameter). */
  readonly ackDelay: number;
  /** Packets acknowledged below `largestAcked`, contiguously (first range length minus one). */
  readonly firstRange: number;
  /** Further ranges, in descending packet number order; at most {@link MAX_ACK_RANGES}. */
  readonly ranges: readonly AckRange[];
}

/** DATA: bytes of the connection's single stream. */
export interface DataFrame {
  /** Discriminant. */
  readonly type: 'data';
  /** Stream offset in bytes of the first data byte. */
  readonly offset: number;
  /** The bytes; on decode a view into the packet (zero copy). */
  readonly data: Uint8Array;
  /** Whether the stream ends after these bytes. */
  readonly fin: boolean;
  /** Whether a Length field is sent; if not, the frame must be the last in its packet. */
  readonly explicitLength: boolean;
}

/** MAX_DATA: the receiver accepts stream bytes up to this offset. */
export interface MaxDataFrame {
  /** Discriminant. */
  readonly type: 'maxData';
  /** Flow-control limit, a stream offset in bytes. */
  readonly maximumData: number;
}

/** DATA_BLOCKED: the sender has data but is held at this limit. */
export interface DataBlockedFrame {
  /** Discriminant. */
  readonly type: 'dataBlocked';
  /** The limit (stream offset in bytes) the sender is blocked at. */
  readonly limit: number;
}

/** RESET: abandons the sending side of the stream. */
export interface ResetFrame {
  /** Discriminant. */
  readonly type: 'reset';
  /** Application-defined error code. */
  readonly applicationErrorCode: number;
  /** Final size of the stream in bytes. */
  readonly finalSize: number;
}

/** NEW_CONNECTION_ID: a CID the peer may use to reach the sender on one path. */
export interface NewConnectionIdFrame {
  /** Discriminant. */
  readonly type: 'newConnectionId';
  /** The path this CID is for. */
  readonly pathId: number;
  /** Sequence number of the CID within the path. */
  readonly sequenceNumber: number;
  /** CIDs of this path with a lower sequence number must be retired. <= sequenceNumber. */
  readonly retirePriorTo: number;
  /** The connection ID, 1..20 bytes. */
  readonly connectionId: Uint8Array;
  /** 16-byte stateless reset token bound to this CID. */
  readonly statelessResetToken: Uint8Array;
}

/** RETIRE_CONNECTION_ID: the sender stops using a CID the peer issued. */
export interface RetireConnectionIdFrame {
  /** Discriminant. */
  readonly type: 'retireConnectionId';
  /** The path the CID was issued for. */
  readonly pathId: number;
  /** Sequence number of the retired CID. */
  readonly sequenceNumber: number;
}

/** PATH_CHALLENGE: 8 unpredictable bytes the peer must echo on the same path. */
export interface PathChallengeFrame {
  /** Discriminant. */
  readonly type: 'pathChallenge';
  /** 8 bytes. */
  readonly data: Uint8Array;
}

/** PATH_RESPONSE: echo of a PATH_CHALLENGE. */
export interface PathResponseFrame {
  /** Discriminant. */
  readonly type: 'pathResponse';
  /** The 8 challenge bytes. */
  readonly data: Uint8Array;
}

/** ADD_ADDRESS: an address (of the sender) the peer may open paths to. */
export interface AddAddressFrame {
  /** Discriminant. */
  readonly type: 'addAddress';
  /** Sender-chosen id naming this address in later frames. */
  readonly addressId: number;
  /** Per-address-id sequence number; receivers ignore frames not newer than the last seen. */
  readonly sequenceNumber: number;
  /** 4 or 6. */
  readonly family: AddressFamily;
  /** Address bytes in network order: 4 for IPv4, 16 for IPv6. */
  readonly address: Uint8Array;
  /** UDP port, 1..65535. */
  readonly port: number;
}

/** REMOVE_ADDRESS: withdraws an advertised address. */
export interface RemoveAddressFrame {
  /** Discriminant. */
  readonly type: 'removeAddress';
  /** The id given in ADD_ADDRESS. */
  readonly addressId: number;
  /** Sequence number, in the same space as ADD_ADDRESS's for this id. */
  readonly sequenceNumber: number;
}

/** PATH_STATUS: the sender's preference for a path. */
export interface PathStatusFrame {
  /** Discriminant. */
  readonly type: 'pathStatus';
  /** The path concerned. */
  readonly pathId: number;
  /** Increases with each PATH_STATUS for this path; stale ones are ignored. */
  readonly sequenceNumber: number;
  /** 'available' or 'backup'. */
  readonly status: PathStatus;
}

/** PATH_ABANDON: closes one path. */
export interface PathAbandonFrame {
  /** Discriminant. */
  readonly type: 'pathAbandon';
  /** The path to close. */
  readonly pathId: number;
  /** Why; a {@link ReasonCode} value or any other number. */
  readonly reasonCode: number;
}

/** CLOSE: closes the connection. */
export interface CloseFrame {
  /** Discriminant. */
  readonly type: 'close';
  /** Why; a ReasonCode value or any other number. */
  readonly reasonCode: number;
  /** Application's code, meaningful when reasonCode is ApplicationClose; else 0. */
  readonly applicationErrorCode: number;
  /** Reason phrase as UTF-8 bytes (unvalidated on decode), at most 1024. See `closeReasonText`. */
  readonly reason: Uint8Array;
}

/** MTU_PROBE: marks a DPLPMTUD probe packet (RFC 8899, RFC 9000 §14.3). */
export interface MtuProbeFrame {
  /** Discriminant. */
  readonly type: 'mtuProbe';
  /** UDP payload size in bytes of the datagram carrying this probe, 1200..65527. */
  readonly probeSize: number;
}

/** HANDSHAKE_DONE: sent by the server once the handshake is complete. */
export interface HandshakeDoneFrame {
  /** Discriminant. */
  readonly type: 'handshakeDone';
}

/** Any mpt frame, tagged by `type`. */
export type Frame =
  | PaddingFrame
  | PingFrame
  | AckFrame
  | DataFrame
  | MaxDataFrame
  | DataBlockedFrame
  | ResetFrame
  | NewConnectionIdFrame
  | RetireConnectionIdFrame
  | PathChallengeFrame
  | PathResponseFrame
  | AddAddressFrame
  | RemoveAddressFrame
  | PathStatusFrame
  | PathAbandonFrame
  | CloseFrame
  | MtuProbeFrame
  | HandshakeDoneFrame;

/**
 * Whether a frame makes its packet ack-eliciting (RFC 9002 §2): everything but
 * PADDING, ACK and CLOSE.
 */
export function isAckEliciting(frame: Frame): boolean {
  return frame.type !== 'padding' && frame.type !== 'ack' && frame.type !== 'close';
}

/**
 * Whether a frame is a probing frame (RFC 9000 §9.1): a packet holding only
 * these may be sent on an unvalidated path without it counting as migration.
 */
export function isProbingFrame(frame: Frame): boolean {
  return frame.type === 'padding' || frame.type === 'pathChallenge' || frame.type === 'pathResponse' || frame.type === 'newConnectionId';
}
