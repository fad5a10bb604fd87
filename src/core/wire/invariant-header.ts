import { err, ok, type Result } from 'neverthrow';
import { Reader } from './reader.js';
import { wireError, type WireError } from './wire-error.js';

/**
 * First-byte bits and the version-independent view of a packet
 * (RFC 8999, RFC 9000 §17). Everything here is the same in every mpt version,
 * so an endpoint can route a datagram, or answer an unknown version with
 * Version Negotiation, without understanding the rest of the packet.
 * @module
 */

/** Header form bit of byte 0: set for long headers, clear for short headers. */
export const HEADER_FORM_BIT = 0x80;
/** Fixed bit of byte 0: always set in version 1 packets (RFC 9000 §17.2); a clear bit means not mpt. */
export const FIXED_BIT = 0x40;
/** Low two bits of byte 0 in Initial, Handshake and short headers: packet number length minus one. */
export const PN_LENGTH_MASK = 0x03;

/** Whether a datagram whose first byte is `firstByte` starts with a long header. */
export function isLongHeader(firstByte: number): boolean {
  return (firstByte & HEADER_FORM_BIT) !== 0;
}

/** The version-independent fields of a long header. Views share the input's memory. */
export interface InvariantLongHeader {
  /** Discriminant. */
  readonly form: 'long';
  /** The 32-bit version field; 0 means Version Negotiation. */
  readonly version: number;
  /** Destination connection ID, 0..255 bytes (RFC 8999 §5.1 allows more than version 1's 20). */
  readonly dcid: Uint8Array;
  /** Source connection ID, 0..255 bytes. */
  readonly scid: Uint8Array;
}

/** The version-independent fields of a short header. */
export interface InvariantShortHeader {
  /** Discriminant. */
  readonly form: 'short';
  /** Destination connection ID, of the length the receiver chose for the CIDs it issues. */
  readonly dcid: Uint8Array;
}

/** What any mpt version can read from a packet: enough to route it. */
export type InvariantHeader = InvariantLongHeader | InvariantShortHeader;

/**
 * Reads the form, version and connection IDs of the packet at the start of
 * `bytes`, as RFC 8999 §5 defines them for every version. Use it to route a
 * datagram by DCID and to spot versions that need Version Negotiation before
 * calling a version-specific decoder.
 *
 * @param shortCidLength the length in bytes of the CIDs this endpoint issues (short headers
 *   do not carry it).
 */
export function decodeInvariantHeader(bytes: Uint8Array, shortCidLength: number): Result<InvariantHeader, WireError> {
  const r = new Reader(bytes);
  const first = r.u8('first byte');
  if (r.error !== undefined) return err(r.error);
  if ((first & HEADER_FORM_BIT) === 0) {
    if (!(shortCidLength >= 0 && shortCidLength <= 255 && Number.isInteger(shortCidLength))) {
      return err(wireError('InvalidField', 0, `short header: bad cid length ${shortCidLength}`));
    }
    const dcid = r.bytes(shortCidLength, 'dcid');
    if (r.error !== undefined) return err(r.error);
    return ok({ form: 'short', dcid });
  }
  const version = r.u32('version');
  const dcid = r.bytes(r.u8('dcid length'), 'dcid');
  const scid = r.bytes(r.u8('scid length'), 'scid');
  if (r.error !== undefined) return err(r.error);
  return ok({ form: 'long', version, dcid, scid });
}
