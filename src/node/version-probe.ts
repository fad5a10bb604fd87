import { randomBytes } from 'node:crypto';

/**
 * The version probe: how a client tells "nothing listens there" from "an mpt
 * server listens but silently dropped our handshake" (a wrong pinned key in
 * IK, a wrong PSK, a refused client key, a full server).
 *
 * It is a long-header datagram of at least 1200 bytes with a reserved
 * 0x?a?a?a?a version. Every mpt server answers one with a stateless Version
 * Negotiation packet (docs/protocol.md §2, §3.4; RFC 9000 §6) that echoes the
 * probe's source connection ID, without keeping state and without amplifying.
 * Only the RFC 8999 invariant header is used, so no engine internals.
 * @module
 */

/** A reserved ("greasing") version no endpoint supports (RFC 9000 §15). */
const PROBE_VERSION = 0x1a2a_3a4a;
/** Servers answer unknown versions only in datagrams this large (anti-amplification). */
const PROBE_BYTES = 1200;
const CID_BYTES = 8;

/** One probe and the CID its answer will carry. */
export interface VersionProbe {
  /** The datagram to send. */
  readonly datagram: Uint8Array;
  /** Our SCID, which a Version Negotiation answer carries as its DCID. */
  readonly cid: Uint8Array;
}

/** A fresh probe. */
export function makeVersionProbe(): VersionProbe {
  const datagram = new Uint8Array(PROBE_BYTES);
  const dcid = randomBytes(CID_BYTES);
  const scid = randomBytes(CID_BYTES);
  const view = new DataView(datagram.buffer);
  datagram[0] = 0xc0; // long header, fixed bit
  view.setUint32(1, PROBE_VERSION);
  datagram[5] = CID_BYTES;
  datagram.set(dcid, 6);
  datagram[6 + CID_BYTES] = CID_BYTES;
  datagram.set(scid, 7 + CID_BYTES);
  return { datagram, cid: scid };
}

/** Whether `bytes` is a Version Negotiation packet answering `probe`. */
export function answersProbe(bytes: Uint8Array, probe: VersionProbe): boolean {
  if (bytes.length < 6 + CID_BYTES || ((bytes[0] as number) & 0x80) === 0) return false;
  if (bytes[1] !== 0 || bytes[2] !== 0 || bytes[3] !== 0 || bytes[4] !== 0) return false;
  if (bytes[5] !== CID_BYTES) return false;
  for (let i = 0; i < CID_BYTES; i++) if (bytes[6 + i] !== probe.cid[i]) return false;
  return true;
}
