/**
 * Packet glue for the demo: turns the wire codec and the crypto layer into
 * whole datagrams. The protocol engine (issue #3) will own this; until then
 * the demo uses exactly the codecs and packet protection it will use.
 */
import {
  ackFrameFromRanges,
  decodeFrames,
  decodePacketNumber,
  decodeShortHeader,
  DEFAULT_CID_LENGTH,
  encodeFrames,
  encodeLongHeader,
  encodeShortHeader,
  frameLength,
  longHeaderLength,
  packetNumberLength,
  type Frame,
  type HandshakeHeader,
  type InitialHeader,
} from '../../core/wire/index.js';
import { deriveSessionKeys } from '../../crypto/key-schedule.js';
import type { HandshakeState } from '../../crypto/noise/handshake-state.js';
import { createPacketProtection, type PacketProtection } from '../../crypto/packet-protection.js';
import { AEAD_TAG_LENGTH, type AeadId, type CryptoProvider } from '../../crypto/provider.js';

/** Smallest datagram that may carry a client's Initial (RFC 9000 §14.1 does the same). */
export const MIN_INITIAL_DATAGRAM = 1200;

/** Largest datagram the demo sends: the safe size every path carries. */
export const DEMO_DATAGRAM_SIZE = 1200;

/** A long-header datagram carrying one Noise handshake message; an Initial is padded to 1200 bytes. */
export function handshakeDatagram(header: InitialHeader | HandshakeHeader, message: Uint8Array): Uint8Array {
  const length = longHeaderLength(header, message.length) + message.length;
  const out = new Uint8Array(header.type === 'initial' ? Math.max(length, MIN_INITIAL_DATAGRAM) : length);
  const at = encodeLongHeader(out, 0, header, message.length);
  out.set(message, at);
  return out; // bytes past the packet are zero: padding (docs/protocol.md)
}

/** What one sealed short-header packet needs besides its frames. */
export interface ShortPacketSpec {
  /** The connection ID the peer issued for this path. */
  readonly dcid: Uint8Array;
  /** Path id the CID belongs to; part of the nonce. */
  readonly pathId: number;
  /** Full packet number in this path's number space. */
  readonly packetNumber: number;
  /** Largest packet number of this path the peer has acknowledged, -1 if none. */
  readonly largestAcked: number;
}

/** Bytes of header and tag around the frames of a short-header packet. */
export function shortPacketOverhead(spec: ShortPacketSpec): number {
  return 1 + spec.dcid.length + packetNumberLength(spec.packetNumber, spec.largestAcked) + AEAD_TAG_LENGTH;
}

/** Encodes and seals one short-header packet carrying `frames`. */
export function sealedDatagram(protection: PacketProtection, spec: ShortPacketSpec, frames: readonly Frame[]): Uint8Array {
  const pnLength = packetNumberLength(spec.packetNumber, spec.largestAcked);
  let payloadLength = 0;
  for (const frame of frames) payloadLength += frameLength(frame);
  const header = new Uint8Array(1 + spec.dcid.length + pnLength);
  encodeShortHeader(header, 0, { keyPhase: 0, dcid: spec.dcid, packetNumber: spec.packetNumber, packetNumberLength: pnLength });
  const payload = new Uint8Array(payloadLength);
  encodeFrames(payload, 0, frames);
  const out = new Uint8Array(header.length + payloadLength + AEAD_TAG_LENGTH);
  out.set(header, 0);
  protection.seal(spec.pathId, spec.packetNumber, header, payload, out.subarray(header.length));
  return out;
}

/** Receive-side state of one path that opening a packet needs. */
export interface ReceivePath {
  /** The path id the CID maps to. */
  readonly pathId: number;
  /** Largest packet number received on the path so far, -1 if none. */
  largestReceived: number;
}

/** Why a datagram was dropped: the counters the demo reports. */
export type DropReason = 'undecodable' | 'unknown-cid' | 'failed-authentication' | 'bad-frames';

/** An opened packet. */
export interface OpenedPacket {
  /** The path it arrived on, found from its DCID. */
  readonly path: ReceivePath;
  /** Its full packet number. */
  readonly packetNumber: number;
  /** Its frames; DATA frames are views into the decrypted payload. */
  readonly frames: Frame[];
}

/**
 * Decodes, authenticates and parses a short-header datagram. Never throws:
 * anything that is not a genuine packet of this connection is a DropReason.
 */
export function openDatagram(
  protection: PacketProtection,
  datagram: Uint8Array,
  pathByCid: ReadonlyMap<string, ReceivePath>,
): OpenedPacket | DropReason {
  const header = decodeShortHeader(datagram, DEFAULT_CID_LENGTH);
  if (header.isErr()) return 'undecodable';
  const h = header.value;
  const path = pathByCid.get(cidKey(h.dcid));
  if (path === undefined) return 'unknown-cid';
  const packetNumber = decodePacketNumber(path.largestReceived, h.packetNumber, h.packetNumberLength);
  if (packetNumber < 0) return 'undecodable';
  const aad = datagram.subarray(0, h.headerLength);
  const payload = protection.open(path.pathId, packetNumber, aad, datagram.subarray(h.headerLength));
  if (payload === null) return 'failed-authentication';
  if (h.reservedBits !== 0) return 'bad-frames';
  const frames = decodeFrames(payload);
  if (frames.isErr()) return 'bad-frames';
  if (packetNumber > path.largestReceived) path.largestReceived = packetNumber;
  return { path, packetNumber, frames: frames.value };
}

/** Hex form of a connection ID, for map keys. */
export function cidKey(cid: Uint8Array): string {
  return Buffer.from(cid).toString('hex');
}

/** Packet protection of both directions. */
export interface SessionProtection {
  /** Seals what we send. */
  readonly send: PacketProtection;
  /** Opens what we receive. */
  readonly receive: PacketProtection;
}

/** Packet protection from a completed handshake, via the key schedule of docs/crypto.md. */
export function sessionProtection(
  handshake: HandshakeState,
  provider: CryptoProvider,
  aead: AeadId,
): SessionProtection | undefined {
  const split = handshake.split();
  if (split.isErr()) return undefined;
  const keys = deriveSessionKeys(split.value.keys, split.value.handshakeHash, handshake.initiator);
  const send = createPacketProtection(provider, aead, keys.send.key, keys.send.iv);
  const receive = createPacketProtection(provider, aead, keys.receive.key, keys.receive.iv);
  if (send.isErr() || receive.isErr()) return undefined;
  return { send: send.value, receive: receive.value };
}

/**
 * Packet numbers received on one path, as disjoint ranges largest first, for
 * building ACK frames. Only the newest ranges are kept: older ones have been
 * acknowledged many times over.
 */
export class ReceivedRanges {
  private ranges: { smallest: number; largest: number }[] = [];

  constructor(private readonly maxRanges = 32) {}

  /** Records packet number `pn`. */
  add(pn: number): void {
    const r = this.ranges;
    let i = 0;
    while (i < r.length && (r[i] as { smallest: number }).smallest > pn + 1) i++;
    const at = r[i];
    if (at === undefined || at.largest < pn - 1) {
      r.splice(i, 0, { smallest: pn, largest: pn });
    } else {
      at.smallest = Math.min(at.smallest, pn);
      at.largest = Math.max(at.largest, pn);
      const next = r[i + 1];
      if (next !== undefined && next.largest >= at.smallest - 1) {
        at.smallest = Math.min(at.smallest, next.smallest);
        r.splice(i + 1, 1);
      }
      const prev = r[i - 1];
      if (prev !== undefined && prev.smallest <= at.largest + 1) {
        prev.smallest = Math.min(prev.smallest, at.smallest);
        r.splice(i, 1);
      }
    }
    if (r.length > this.maxRanges) r.length = this.maxRanges;
  }

  /** The ACK frame for these ranges, or undefined before any packet arrived. */
  ackFrame(pathId: number): Frame | undefined {
    return this.ranges.length === 0 ? undefined : ackFrameFromRanges(pathId, this.ranges, 0);
  }
}
