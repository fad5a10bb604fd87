import { MAX_ACK_RANGES, type AckFrame, type AckRange } from './frame-types.js';

/**
 * Conversions between an ACK frame's gap/length encoding (RFC 9000 §19.3.1)
 * and plain packet number ranges, and of the ack delay field.
 * @module
 */

/** An inclusive range of packet numbers. */
export interface PacketNumberRange {
  /** Smallest packet number in the range. */
  readonly smallest: number;
  /** Largest packet number in the range. */
  readonly largest: number;
}

/**
 * The packet number ranges an ACK frame acknowledges, largest first. A decoded
 * frame never underflows (the decoder rejects that), so every value is >= 0.
 */
export function ackFrameRanges(frame: AckFrame): PacketNumberRange[] {
  const out: PacketNumberRange[] = [];
  let largest = frame.largestAcked;
  let smallest = largest - frame.firstRange;
  out.push({ smallest, largest });
  for (const range of frame.ranges) {
    largest = smallest - range.gap - 2;
    smallest = largest - range.length;
    out.push({ smallest, largest });
  }
  return out;
}

/**
 * Builds an ACK frame from ranges sorted largest first, disjoint and not
 * adjacent (a gap of at least one unacknowledged packet between them).
 * Only the first (newest) 1 + {@link MAX_ACK_RANGES} ranges go into the frame;
 * older ones are left out, as RFC 9000 §13.2.3 has a receiver do when an ACK
 * would grow too large, and are not checked.
 * @param ackDelay in units of 2^ack_delay_exponent microseconds; see {@link encodeAckDelay}.
 * @throws RangeError if `ranges` is empty, unsorted, overlapping or adjacent (programmer error).
 */
export function ackFrameFromRanges(pathId: number, ranges: readonly PacketNumberRange[], ackDelay: number): AckFrame {
  const first = ranges[0];
  if (first === undefined) throw new RangeError('ack: no ranges');
  if (first.smallest < 0 || first.smallest > first.largest) throw new RangeError('ack: bad range');
  const rest: AckRange[] = [];
  let previousSmallest = first.smallest;
  const count = Math.min(ranges.length, 1 + MAX_ACK_RANGES);
  for (let i = 1; i < count; i++) {
    const range = ranges[i] as PacketNumberRange;
    if (range.smallest < 0 || range.smallest > range.largest || range.largest >= previousSmallest - 1) {
      throw new RangeError('ack: ranges must be descending, disjoint and non-adjacent');
    }
    rest.push({ gap: previousSmallest - range.largest - 2, length: range.largest - range.smallest });
    previousSmallest = range.smallest;
  }
  return { type: 'ack', pathId, largestAcked: first.largest, ackDelay, firstRange: first.largest - first.smallest, ranges: rest };
}

/** The ACK Delay field for a delay of `ackDelayUs` microseconds (RFC 9000 §19.3: scaled down by 2^exponent). */
export function encodeAckDelay(ackDelayUs: number, ackDelayExponent: number): number {
  return Math.floor(ackDelayUs / 2 ** ackDelayExponent);
}

/** The delay in microseconds an ACK Delay field stands for, given the sender's ack_delay_exponent. */
export function ackDelayMicros(ackDelay: number, ackDelayExponent: number): number {
  return ackDelay * 2 ** ackDelayExponent;
}
