import { err, ok, type Result } from 'neverthrow';
import { MAX_CID_LENGTH } from './connection-id.js';
import { FIXED_BIT, HEADER_FORM_BIT, PN_LENGTH_MASK } from './invariant-header.js';
import { writePacketNumber, type PacketNumberLength } from './packet-number.js';
import { Reader } from './reader.js';
import { wireError, type WireError } from './wire-error.js';
import { ensureRoom, writeBytes } from './writer.js';

/**
 * Short headers carry every packet after the handshake (RFC 9000 §17.3.1,
 * without header protection). Layout:
 *
 *     byte 0:  0 (form) | 1 (fixed) | reserved (3) | key phase (1) | pn length - 1 (2)
 *     DCID:    the length the receiver chose for the CIDs it issued (not on the wire)
 *     packet number: 1..4 bytes, truncated (RFC 9000 §17.1)
 *
 * The whole header is the AEAD associated data of the sealed payload that
 * follows, so every bit of it is authenticated. The reserved bits must be 0,
 * but a receiver only acts on them after the AEAD has opened the packet
 * (otherwise anyone could get packets dropped as protocol violations by
 * flipping a bit), so the decoder reports them and does not reject.
 *
 * The path id is not in the header: the receiver finds it from the DCID,
 * because each CID is issued for one path (draft-ietf-quic-multipath §5).
 * @module
 */

/** Byte 0 bits 0x38 of a short header: reserved, must be 0 (checked after decryption). */
export const SHORT_RESERVED_MASK = 0x38;
/** Byte 0 bit 0x04 of a short header: the key phase (RFC 9001 §6), see docs/crypto.md. */
export const KEY_PHASE_BIT = 0x04;

/** Fields of a short header, for encoding. */
export interface ShortHeader {
  /** Key phase bit, 0 or 1. */
  readonly keyPhase: 0 | 1;
  /** Destination connection ID, 0..20 bytes (mpt uses 8 by default). */
  readonly dcid: Uint8Array;
  /** Full packet number (encode) or truncated packet number as read (decode). */
  readonly packetNumber: number;
  /** Bytes of packet number on the wire, 1..4. */
  readonly packetNumberLength: PacketNumberLength;
}

/** A decoded short header. The AEAD associated data is `bytes.subarray(0, headerLength)`. */
export interface DecodedShortHeader extends ShortHeader {
  /** Byte 0 & {@link SHORT_RESERVED_MASK}, as read; the engine rejects nonzero after decryption. */
  readonly reservedBits: number;
  /** Bytes from the start of the packet to the first ciphertext byte. */
  readonly headerLength: number;
}

/** Encoded size in bytes of a short header: 1 + DCID + packet number. */
export function shortHeaderLength(header: ShortHeader): number {
  return 1 + header.dcid.length + header.packetNumberLength;
}

/**
 * Writes a short header at `buf[offset]` with the reserved bits 0.
 * @returns the offset just past the packet number, where the sealed payload goes.
 * @throws RangeError on a too-small buffer, a CID over 20 bytes or a packet number out of range.
 */
export function encodeShortHeader(buf: Uint8Array, offset: number, header: ShortHeader): number {
  if (header.dcid.length > MAX_CID_LENGTH) throw new RangeError(`dcid: ${header.dcid.length} bytes exceeds ${MAX_CID_LENGTH}`);
  ensureRoom(buf, offset, shortHeaderLength(header));
  buf[offset] = FIXED_BIT | (header.keyPhase === 1 ? KEY_PHASE_BIT : 0) | (header.packetNumberLength - 1);
  const p = writeBytes(buf, offset + 1, header.dcid);
  return writePacketNumber(buf, p, header.packetNumber, header.packetNumberLength);
}

/**
 * Decodes the short header at the start of `bytes`. The DCID is a view into `bytes`.
 *
 * @param cidLength the length in bytes of the CIDs this endpoint issued (0..20; mpt default 8).
 * Errors: `Truncated` if the header does not fit; `InvalidField` for a long
 * header, a clear fixed bit, or a `cidLength` outside 0..20.
 */
export function decodeShortHeader(bytes: Uint8Array, cidLength: number): Result<DecodedShortHeader, WireError> {
  if (!(cidLength >= 0 && cidLength <= MAX_CID_LENGTH && Number.isInteger(cidLength))) {
    return err(wireError('InvalidField', 0, `short header: bad cid length ${cidLength}`));
  }
  const r = new Reader(bytes);
  const first = r.u8('first byte');
  if (r.error !== undefined) return err(r.error);
  if ((first & HEADER_FORM_BIT) !== 0) return err(wireError('InvalidField', 0, 'short header: form bit set'));
  if ((first & FIXED_BIT) === 0) return err(wireError('InvalidField', 0, 'short header: fixed bit clear'));
  const dcid = r.bytes(cidLength, 'dcid');
  const packetNumberLength = ((first & PN_LENGTH_MASK) + 1) as PacketNumberLength;
  const packetNumber = r.uint(packetNumberLength, 'packet number');
  if (r.error !== undefined) return err(r.error);
  return ok({
    keyPhase: (first & KEY_PHASE_BIT) === 0 ? 0 : 1,
    dcid,
    packetNumber,
    packetNumberLength,
    reservedBits: first & SHORT_RESERVED_MASK,
    headerLength: r.pos,
  });
}
