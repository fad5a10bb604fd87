import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_PACKET_NUMBER,
  Reader,
  decodePacketNumber,
  packetNumberLength,
  writePacketNumber,
  type PacketNumberLength,
} from '../../../src/core/wire/index.js';

function truncate(pn: number, length: PacketNumberLength): number {
  const buf = new Uint8Array(4);
  writePacketNumber(buf, 0, pn, length);
  return new Reader(buf).uint(length);
}

describe('packet numbers (RFC 9000 A.2, A.3)', () => {
  it('expands the RFC 9000 A.3 example: largest 0xa82f30ea, truncated 0x9b32 -> 0xa82f9b32', () => {
    expect(decodePacketNumber(0xa82f30ea, 0x9b32, 2)).toBe(0xa82f9b32);
  });

  it('chooses lengths as the RFC 9000 A.2 examples', () => {
    expect(packetNumberLength(0xac5c02, 0xabe8b3)).toBe(2);
    expect(packetNumberLength(0xace8fe, 0xabe8b3)).toBe(3);
    expect(packetNumberLength(0, -1)).toBe(1);
    expect(packetNumberLength(127, -1)).toBe(1);
    expect(packetNumberLength(128, -1)).toBe(2);
    expect(packetNumberLength(2 ** 40 + 128, 2 ** 40)).toBe(1);
    expect(packetNumberLength(2 ** 40 + 129, 2 ** 40)).toBe(2);
    expect(() => packetNumberLength(2 ** 33, 0)).toThrow(RangeError);
  });

  it('writes the low bytes big-endian, also above 2^32', () => {
    const buf = new Uint8Array(4);
    writePacketNumber(buf, 0, 2 ** 40 + 0x01020304, 4);
    expect([...buf]).toEqual([1, 2, 3, 4]);
    writePacketNumber(buf, 0, 0xa82f9b32, 2);
    expect([...buf.subarray(0, 2)]).toEqual([0x9b, 0x32]);
  });

  it('recovers any packet number inside the window around largest+1 (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: -1, max: 1000 }), fc.integer({ min: -1, max: 2 ** 40 }), fc.integer({ min: 2 ** 52, max: MAX_PACKET_NUMBER - 1 })),
        fc.constantFrom<PacketNumberLength>(1, 2, 3, 4),
        fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
        (largest, length, where) => {
          const hwin = 2 ** (8 * length - 1);
          const expected = largest + 1;
          // A.3's window: (expected - hwin, expected + hwin]
          const lo = Math.max(0, expected - hwin + 1);
          const hi = Math.min(MAX_PACKET_NUMBER, expected + hwin);
          const pn = lo + Math.floor(where * (hi - lo + 1));
          expect(decodePacketNumber(largest, truncate(pn, length), length)).toBe(pn);
        },
      ),
    );
  });

  it('round-trips with the length the sender chose from its largest acked (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1, max: 2 ** 50 }), fc.integer({ min: 1, max: 2 ** 31 }), (largestAcked, ahead) => {
        const pn = largestAcked + ahead;
        const length = packetNumberLength(pn, largestAcked);
        // the receiver has seen at least largestAcked; anything between it and pn-1 must also work
        expect(decodePacketNumber(largestAcked, truncate(pn, length), length)).toBe(pn);
        expect(decodePacketNumber(pn - 1, truncate(pn, length), length)).toBe(pn);
      }),
    );
  });

  it('never yields a packet number above 2^53-1', () => {
    expect(decodePacketNumber(MAX_PACKET_NUMBER - 1, truncate(MAX_PACKET_NUMBER, 1), 1)).toBe(MAX_PACKET_NUMBER);
    // the next value would be 2^53: not representable, so rejected
    expect(decodePacketNumber(MAX_PACKET_NUMBER - 1, 0x00, 1)).toBe(MAX_PACKET_NUMBER - 255);
    expect(decodePacketNumber(MAX_PACKET_NUMBER, 0x00, 1)).toBe(-1);
    fc.assert(
      fc.property(fc.integer({ min: MAX_PACKET_NUMBER - 2 ** 33, max: MAX_PACKET_NUMBER - 1 }), fc.constantFrom<PacketNumberLength>(1, 2, 3, 4), fc.nat(), (largest, length, t) => {
        const pn = decodePacketNumber(largest, t % 2 ** (8 * length), length);
        expect(pn === -1 || (Number.isSafeInteger(pn) && pn >= 0 && pn <= MAX_PACKET_NUMBER)).toBe(true);
      }),
    );
  });

  it('throws on out-of-range packet numbers when writing', () => {
    const buf = new Uint8Array(4);
    expect(() => writePacketNumber(buf, 0, -1, 1)).toThrow(RangeError);
    expect(() => writePacketNumber(buf, 0, 2 ** 53, 1)).toThrow(RangeError);
    expect(() => writePacketNumber(buf, 2, 1, 4)).toThrow(RangeError);
  });
});
