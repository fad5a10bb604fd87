import { err, ok, type Result } from 'neverthrow';
import { FIXED_BIT, HEADER_FORM_BIT } from './invariant-header.js';
import { Reader } from './reader.js';
import { VERSION_NEGOTIATION } from './version.js';
import { wireError, type WireError } from './wire-error.js';
import { ensureRoom, writeBytes, writeU32, writeU8 } from './writer.js';

/**
 * Version Negotiation (RFC 9000 §17.2.1, RFC 8999 §6): a server's answer to a
 * long header whose version it does not speak.
 *
 *     byte 0: 1 (form) | 7 unused bits (mpt sends 0x40 set, the rest 0)
 *     version = 0 (32), DCID len (8), DCID, SCID len (8), SCID,
 *     supported versions (32 each) to the end of the datagram
 *
 * The CIDs echo the client's packet swapped (DCID = client's SCID). They may be
 * up to 255 bytes, since an unknown version may use longer CIDs. The packet is
 * not authenticated; a client only acts on one that arrives before any valid
 * packet and does not list the version it tried (RFC 9000 §6.2).
 * @module
 */

/** A Version Negotiation packet. */
export interface VersionNegotiationPacket {
  /** Destination connection ID (the client's SCID), 0..255 bytes. */
  readonly dcid: Uint8Array;
  /** Source connection ID (the client's DCID), 0..255 bytes. */
  readonly scid: Uint8Array;
  /** Versions the server supports, 32-bit each, in the server's order. */
  readonly supportedVersions: readonly number[];
}

/** Encoded size in bytes of a Version Negotiation packet. */
export function versionNegotiationLength(packet: VersionNegotiationPacket): number {
  return 7 + packet.dcid.length + packet.scid.length + 4 * packet.supportedVersions.length;
}

/**
 * Writes a whole Version Negotiation packet at `buf[offset]`.
 * @returns the offset just past the packet.
 * @throws RangeError on a too-small buffer, a CID over 255 bytes or a version outside 32 bits.
 */
export function encodeVersionNegotiation(buf: Uint8Array, offset: number, packet: VersionNegotiationPacket): number {
  ensureRoom(buf, offset, versionNegotiationLength(packet));
  let p = writeU8(buf, offset, HEADER_FORM_BIT | FIXED_BIT);
  p = writeU32(buf, p, VERSION_NEGOTIATION);
  p = writeU8(buf, p, packet.dcid.length);
  p = writeBytes(buf, p, packet.dcid);
  p = writeU8(buf, p, packet.scid.length);
  p = writeBytes(buf, p, packet.scid);
  for (const v of packet.supportedVersions) p = writeU32(buf, p, v);
  return p;
}

/**
 * Decodes a Version Negotiation packet filling all of `bytes`.
 * Errors: `Truncated`; `InvalidField` if the form bit is clear, the version is
 * not 0, or the version list is not a whole number of 4-byte entries.
 */
export function decodeVersionNegotiation(bytes: Uint8Array): Result<VersionNegotiationPacket, WireError> {
  const r = new Reader(bytes);
  const first = r.u8('first byte');
  const version = r.u32('version');
  const dcid = r.bytes(r.u8('dcid length'), 'dcid');
  const scid = r.bytes(r.u8('scid length'), 'scid');
  if (r.error !== undefined) return err(r.error);
  if ((first & HEADER_FORM_BIT) === 0) return err(wireError('InvalidField', 0, 'version negotiation: form bit clear'));
  if (version !== VERSION_NEGOTIATION) return err(wireError('InvalidField', 1, 'version negotiation: version is not 0'));
  if (r.remaining % 4 !== 0) {
    return err(wireError('InvalidField', r.pos, `version negotiation: ${r.remaining} bytes is not a list of 32-bit versions`));
  }
  const supportedVersions: number[] = [];
  while (r.remaining > 0) supportedVersions.push(r.u32('version'));
  return ok({ dcid, scid, supportedVersions });
}
