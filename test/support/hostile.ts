// A keyed but malicious peer: frames sealed as the next 1-RTT packet of a
// real, established Connection (its keys, CIDs and packet numbers), so the
// other end authenticates them exactly as it would the connection's own.
import { AEAD_TAG_LENGTH } from '../../src/crypto/provider.js';
import type { Connection } from '../../src/core/connection.js';
import { PacketContents } from '../../src/core/path.js';
import { encodeFrames as writeFrames, encodeShortHeader, frameLength, packetNumberLength, type Frame } from '../../src/core/wire/index.js';

/** Encodes frames back to back. */
export function encodeFrames(frames: readonly Frame[]): Uint8Array {
  let n = 0;
  for (const f of frames) n += frameLength(f);
  const out = new Uint8Array(n);
  writeFrames(out, 0, frames);
  return out;
}

/**
 * Seals `frames` (or an encoded payload) as `from`'s next packet on path 0, as if its engine had sent
 * it: the packet number is recorded as sent (not ack-eliciting), so the peer's ACK of it is consistent.
 */
export function sealAs(from: Connection, frames: readonly Frame[] | Uint8Array, nowMs: number): Uint8Array {
  const path = from.paths[0];
  const keys = from.outcome;
  if (path === undefined || keys === undefined) throw new Error('sealAs: the connection has no keys yet');
  const payload = frames instanceof Uint8Array ? frames : encodeFrames(frames);
  const pn = path.nextPacketNumber++;
  const out = new Uint8Array(64 + payload.length + AEAD_TAG_LENGTH);
  const headerLength = encodeShortHeader(out, 0, { keyPhase: 0, dcid: path.remoteCid, packetNumber: pn, packetNumberLength: packetNumberLength(pn, path.loss.largestAckedPn) });
  const length = headerLength + payload.length + AEAD_TAG_LENGTH;
  keys.send.seal(path.id, pn, out.subarray(0, headerLength), payload, out.subarray(headerLength, length));
  path.loss.onPacketSent(pn, nowMs, length, false, false, new PacketContents());
  return out.subarray(0, length);
}
