/**
 * Packet numbers (RFC 9000 §12.3, §17.1, appendix A.2/A.3).
 *
 * Each path has its own packet number space (draft-ietf-quic-multipath), so
 * packet numbers start at 0 on every path. A full packet number is an integer
 * in [0, {@link MAX_PACKET_NUMBER}]; on the wire only its low 1-4 bytes are
 * sent, and the receiver reconstructs the rest from the largest packet number
 * it has received on that path.
 *
 * The wire format allows packet numbers up to 2^62-1, but mpt keeps them in JS
 * numbers, so it caps them at 2^53-1 (2^53 packets at ten million packets a
 * second is 28 years). An endpoint closes a path before reaching the cap.
 * @module
 */

import { MAX_PACKET_NUMBER } from '../../crypto/packet-protection.js';

export { MAX_PACKET_NUMBER };

/** Encoded length of a truncated packet number, in bytes. */
export type PacketNumberLength = 1 | 2 | 3 | 4;

/**
 * How many bytes to send of `packetNumber`, given the largest packet number the
 * peer has acknowledged on this path (-1 if none), per RFC 9000 A.2: enough
 * bits to represent more than twice the number of packets in flight, so the
 * receiver's window (A.3) always contains the true value.
 * @throws RangeError if more than 2^31 packets would be unacknowledged (programmer error:
 *   the sender must never let that many be in flight).
 */
export function packetNumberLength(packetNumber: number, largestAckedPn: number): PacketNumberLength {
  const unacked = largestAckedPn < 0 ? packetNumber + 1 : packetNumber - largestAckedPn;
  // need 2 * unacked <= 2^(8 * len), i.e. unacked <= 2^(8 * len - 1)
  if (unacked <= 0x80) return 1;
  if (unacked <= 0x8000) return 2;
  if (unacked <= 0x80_0000) return 3;
  if (unacked <= 0x8000_0000) return 4;
  throw new RangeError(`packet number ${packetNumber}: ${unacked} packets unacknowledged, too many to encode`);
}

/**
 * Writes the low `length` bytes of `packetNumber` big-endian at `buf[offset]`.
 * @returns the offset just past the written bytes.
 * @throws RangeError if the packet number is out of range or `buf` is too small.
 */
export function writePacketNumber(buf: Uint8Array, offset: number, packetNumber: number, length: PacketNumberLength): number {
  if (!(packetNumber >= 0 && packetNumber <= MAX_PACKET_NUMBER && Number.isInteger(packetNumber))) {
    throw new RangeError(`packet number out of range: ${packetNumber}`);
  }
  if (offset < 0 || offset + length > buf.length) throw new RangeError('packet number: buffer too small');
  // The low 32 bits, in arithmetic: bitwise operators would truncate first.
  let low = packetNumber % 0x1_0000_0000;
  for (let i = length - 1; i >= 0; i--) {
    buf[offset + i] = low & 0xff;
    low = Math.floor(low / 256);
  }
  return offset + length;
}

/**
 * Reconstructs a full packet number from its truncated form (RFC 9000 A.3):
 * the value closest to `largestPn + 1` whose low `length` bytes equal
 * `truncatedPn`.
 *
 * @param largestPn the largest packet number received so far on this path, or -1 if none.
 * @param truncatedPn the value read from the wire, in [0, 2^(8*length)).
 * @param length the encoded length in bytes (1..4).
 * @returns the full packet number, or -1 if the only candidate exceeds
 *   {@link MAX_PACKET_NUMBER} (the packet cannot be genuine and is dropped).
 */
export function decodePacketNumber(largestPn: number, truncatedPn: number, length: PacketNumberLength): number {
  // Nothing can follow the last packet number; also keeps the arithmetic below exact.
  if (largestPn >= MAX_PACKET_NUMBER) return -1;
  const expected = largestPn + 1;
  const win = 2 ** (length * 8);
  const hwin = win / 2;
  // expected & ~(win - 1) | truncated, in arithmetic because the values exceed 32 bits.
  // Every step is exact while the result stays <= 2^53-1: win divides 2^53,
  // so the base is a multiple of win that is <= expected. A result above the
  // cap rounds to a value that is still above it, so the final test is reliable.
  const candidate = expected - (expected % win) + truncatedPn;
  let pn = candidate;
  if (candidate <= expected - hwin && candidate <= MAX_PACKET_NUMBER - win) {
    pn = candidate + win;
  } else if (candidate > expected + hwin && candidate >= win) {
    pn = candidate - win;
  }
  return pn > MAX_PACKET_NUMBER ? -1 : pn;
}
