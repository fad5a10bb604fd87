import { err, ok, type Result } from 'neverthrow';
import { MAX_CID_LENGTH } from './connection-id.js';
import { FIXED_BIT, HEADER_FORM_BIT, PN_LENGTH_MASK } from './invariant-header.js';
import { writePacketNumber, type PacketNumberLength } from './packet-number.js';
import { Reader } from './reader.js';
import { varintLength, writeVarint } from './varint.js';
import { VERSION_NEGOTIATION, isSupportedVersion } from './version.js';
import { wireError, type WireError } from './wire-error.js';
import { ensureRoom, writeBytes, writeU32, writeU8 } from './writer.js';

/**
 * Long headers (RFC 9000 §17.2) carry the handshake. Layout of byte 0:
 *
 *     1 (form) | 1 (fixed) | type (2) | reserved (2) | pn length - 1 (2)
 *
 * (for Retry the low four bits are unused and written as 0). Then version (32),
 * DCID length (8), DCID, SCID length (8), SCID and the type-specific fields.
 *
 * The payload of Initial and Handshake packets is one Noise handshake message.
 * The packet layer does not seal it: Noise messages protect what they need to
 * themselves. So nothing in a long header is authenticated by the packet layer,
 * and the decoder checks every field strictly, including the reserved bits.
 * @module
 */

/** The two-bit long packet type (byte 0 bits 0x30). Value 1 (QUIC's 0-RTT) is reserved. */
export const LongPacketType = {
  /** Client's first flight: the first Noise message, plus a retry token if the server asked for one. */
  Initial: 0,
  /** Every later Noise handshake message, in either direction. */
  Handshake: 2,
  /** Server to client: a stateless retry token; no packet number, no payload. */
  Retry: 3,
} as const;

/** One of the {@link LongPacketType} values. */
export type LongPacketType = (typeof LongPacketType)[keyof typeof LongPacketType];

/** Byte 0 bits 0x0c of Initial and Handshake packets: reserved, must be 0. */
export const LONG_RESERVED_MASK = 0x0c;

/** Fields of an Initial packet header, for encoding. */
export interface InitialHeader {
  /** Discriminant. */
  readonly type: 'initial';
  /** Wire version; see `WIRE_VERSION`. */
  readonly version: number;
  /** Destination connection ID, 0..20 bytes. */
  readonly dcid: Uint8Array;
  /** Source connection ID, 0..20 bytes. */
  readonly scid: Uint8Array;
  /** Retry token echoed from a Retry packet; empty on a first attempt. */
  readonly token: Uint8Array;
  /** Full packet number (encode) or truncated packet number as read (decode). */
  readonly packetNumber: number;
  /** Bytes of packet number on the wire, 1..4. */
  readonly packetNumberLength: PacketNumberLength;
}

/** Fields of a Handshake packet header, for encoding. */
export interface HandshakeHeader {
  /** Discriminant. */
  readonly type: 'handshake';
  /** Wire version. */
  readonly version: number;
  /** Destination connection ID, 0..20 bytes. */
  readonly dcid: Uint8Array;
  /** Source connection ID, 0..20 bytes. */
  readonly scid: Uint8Array;
  /** Full packet number (encode) or truncated packet number as read (decode). */
  readonly packetNumber: number;
  /** Bytes of packet number on the wire, 1..4. */
  readonly packetNumberLength: PacketNumberLength;
}

/** A whole Retry packet (it has no payload). */
export interface RetryPacket {
  /** Discriminant. */
  readonly type: 'retry';
  /** Wire version. */
  readonly version: number;
  /** Destination connection ID: the client's SCID. */
  readonly dcid: Uint8Array;
  /** Source connection ID chosen by the server; the client uses it as DCID of its next Initial. */
  readonly scid: Uint8Array;
  /** Opaque retry token, 1+ bytes; its format is in docs/crypto.md. */
  readonly retryToken: Uint8Array;
}

/** Any long-header packet header mpt encodes (Version Negotiation has its own codec). */
export type LongHeader = InitialHeader | HandshakeHeader | RetryPacket;

/** Where a decoded packet's parts lie in the input. */
export interface PacketBounds {
  /** Bytes from the start of the packet to the first payload byte (after the packet number). */
  readonly headerLength: number;
  /** Payload bytes after the packet number: `packetLength - headerLength`. */
  readonly payloadLength: number;
  /** Total bytes of this packet; any bytes after it in the datagram belong to the next packet. */
  readonly packetLength: number;
}

/**
 * A decoded long header. For Initial and Handshake, `packetNumber` is the
 * truncated value as read; expand it with `decodePacketNumber`. The payload is
 * `bytes.subarray(headerLength, packetLength)`.
 */
export type DecodedLongHeader = ((InitialHeader | HandshakeHeader) & PacketBounds) | (RetryPacket & { readonly packetLength: number });

function checkCid(cid: Uint8Array, what: string): void {
  if (cid.length > MAX_CID_LENGTH) throw new RangeError(`${what}: ${cid.length} bytes exceeds ${MAX_CID_LENGTH}`);
}

/**
 * Encoded size in bytes of a long header, up to and including the packet
 * number. For Retry it is the whole packet and `payloadLength` is ignored.
 * @param payloadLength bytes that will follow the packet number.
 */
export function longHeaderLength(header: LongHeader, payloadLength = 0): number {
  const base = 1 + 4 + 1 + header.dcid.length + 1 + header.scid.length;
  if (header.type === 'retry') return base + varintLength(header.retryToken.length) + header.retryToken.length;
  const lengthField = varintLength(header.packetNumberLength + payloadLength);
  const token = header.type === 'initial' ? varintLength(header.token.length) + header.token.length : 0;
  return base + token + lengthField + header.packetNumberLength;
}

/**
 * Writes a long header at `buf[offset]`. For Initial and Handshake it stops
 * after the packet number; the caller then writes exactly `payloadLength`
 * bytes of payload (the Length field promises them). A Retry is written whole.
 * @returns the offset just past what was written.
 * @throws RangeError on a too-small buffer, a CID over 20 bytes, an empty retry
 *   token, or a packet number or length out of range (programmer errors).
 */
export function encodeLongHeader(buf: Uint8Array, offset: number, header: LongHeader, payloadLength = 0): number {
  checkCid(header.dcid, 'dcid');
  checkCid(header.scid, 'scid');
  ensureRoom(buf, offset, longHeaderLength(header, payloadLength));
  let p: number;
  if (header.type === 'retry') {
    if (header.retryToken.length === 0) throw new RangeError('retry: token must not be empty');
    p = writeU8(buf, offset, HEADER_FORM_BIT | FIXED_BIT | (LongPacketType.Retry << 4));
  } else {
    const type = header.type === 'initial' ? LongPacketType.Initial : LongPacketType.Handshake;
    p = writeU8(buf, offset, HEADER_FORM_BIT | FIXED_BIT | (type << 4) | (header.packetNumberLength - 1));
  }
  p = writeU32(buf, p, header.version);
  p = writeU8(buf, p, header.dcid.length);
  p = writeBytes(buf, p, header.dcid);
  p = writeU8(buf, p, header.scid.length);
  p = writeBytes(buf, p, header.scid);
  if (header.type === 'retry') {
    p = writeVarint(buf, p, header.retryToken.length);
    return writeBytes(buf, p, header.retryToken);
  }
  if (header.type === 'initial') {
    p = writeVarint(buf, p, header.token.length);
    p = writeBytes(buf, p, header.token);
  }
  p = writeVarint(buf, p, header.packetNumberLength + payloadLength);
  return writePacketNumber(buf, p, header.packetNumber, header.packetNumberLength);
}

/**
 * Reads a length-prefixed connection ID of 0..20 bytes (a zero-length CID is
 * legal, as in RFC 9000 §17.2); a longer one records `InvalidField`.
 */
function readCid(r: Reader, what: 'dcid' | 'scid'): Uint8Array {
  const at = r.pos;
  const length = r.u8(what);
  if (length > MAX_CID_LENGTH) r.fail('InvalidField', `long header: ${what} length ${length}`, at);
  return r.bytes(length, what);
}

/**
 * Decodes the long-header packet at the start of `bytes` (version 1 layouts
 * only). Validates every length against the input: a Length or token length
 * that claims more bytes than exist is `Truncated`. Bytes after `packetLength`
 * are not examined; they are the next coalesced packet (RFC 9000 §12.2) or
 * datagram padding.
 *
 * Errors: `UnsupportedVersion` for version 0 (use `decodeVersionNegotiation`)
 * or any version but 1; `InvalidField` for a short header, a clear fixed bit,
 * the reserved type 1, set reserved bits, a CID over 20 bytes, a Length
 * shorter than the packet number, or an empty retry token.
 */
export function decodeLongHeader(bytes: Uint8Array): Result<DecodedLongHeader, WireError> {
  const r = new Reader(bytes);
  const first = r.u8('first byte');
  const version = r.u32('version');
  if (r.error !== undefined) return err(r.error);
  if ((first & HEADER_FORM_BIT) === 0) return err(wireError('InvalidField', 0, 'long header: form bit clear'));
  if (version === VERSION_NEGOTIATION) return err(wireError('UnsupportedVersion', 1, 'long header: version negotiation packet'));
  if (!isSupportedVersion(version)) return err(wireError('UnsupportedVersion', 1, `long header: unsupported version 0x${version.toString(16)}`));
  if ((first & FIXED_BIT) === 0) return err(wireError('InvalidField', 0, 'long header: fixed bit clear'));
  const type = (first >> 4) & 0x03;
  if (type === 1) return err(wireError('InvalidField', 0, 'long header: reserved packet type 1'));

  const dcid = readCid(r, 'dcid');
  const scid = readCid(r, 'scid');
  if (r.error !== undefined) return err(r.error);

  if (type === LongPacketType.Retry) {
    const tokenAt = r.pos;
    const retryToken = r.bytes(r.varint('retry token length'), 'retry token');
    if (r.error !== undefined) return err(r.error);
    if (retryToken.length === 0) return err(wireError('InvalidField', tokenAt, 'retry: empty token'));
    return ok({ type: 'retry', version, dcid, scid, retryToken, packetLength: r.pos });
  }

  if ((first & LONG_RESERVED_MASK) !== 0) return err(wireError('InvalidField', 0, 'long header: reserved bits set'));
  const packetNumberLength = ((first & PN_LENGTH_MASK) + 1) as PacketNumberLength;
  let token: Uint8Array | undefined;
  if (type === LongPacketType.Initial) token = r.bytes(r.varint('token length'), 'token');
  const lengthAt = r.pos;
  const length = r.varint('length');
  if (r.error !== undefined) return err(r.error);
  if (length < packetNumberLength) {
    return err(wireError('InvalidField', lengthAt, `long header: length ${length} shorter than packet number`));
  }
  if (length > r.remaining) {
    return err(wireError('Truncated', lengthAt, `long header: length ${length} exceeds the ${r.remaining} bytes left`));
  }
  const packetLength = r.pos + length;
  const packetNumber = r.uint(packetNumberLength, 'packet number');
  const headerLength = r.pos;
  const bounds = { headerLength, payloadLength: packetLength - headerLength, packetLength };
  if (token !== undefined) {
    return ok({ type: 'initial', version, dcid, scid, token, packetNumber, packetNumberLength, ...bounds });
  }
  return ok({ type: 'handshake', version, dcid, scid, packetNumber, packetNumberLength, ...bounds });
}
