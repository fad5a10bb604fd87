import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FrameType,
  MAX_ACK_RANGES,
  MAX_REASON_PHRASE_LENGTH,
  Reader,
  ackFrameFromRanges,
  ackFrameRanges,
  closeReasonText,
  decodeFrame,
  decodeFrames,
  encodeDataFrameHeader,
  encodeFrame,
  encodeFrames,
  frameLength,
  isAckEliciting,
  makeCloseFrame,
  readFrame,
  writeVarint,
  type Frame,
} from '../../../src/core/wire/index.js';
import { frameArb, frameArbs, normalizeFrames } from './arbitraries.js';

function encodeOne(frame: Frame): Uint8Array {
  const buf = new Uint8Array(frameLength(frame));
  expect(encodeFrame(buf, 0, frame)).toBe(buf.length);
  return buf;
}

/** Builds bytes from a list of (byte | varint) pieces: numbers are single bytes, `v(n)` are varints. */
function bytesOf(...parts: (number | { v: number })[]): Uint8Array {
  const buf = new Uint8Array(parts.length * 8);
  let p = 0;
  for (const part of parts) {
    if (typeof part === 'number') buf[p++] = part;
    else p = writeVarint(buf, p, part.v);
  }
  return buf.subarray(0, p);
}
const v = (n: number): { v: number } => ({ v: n });

describe('frames: round trip', () => {
  for (const [type, arb] of Object.entries(frameArbs)) {
    it(`${type} round-trips and frameLength is exact (property)`, () => {
      fc.assert(
        fc.property(arb, fc.nat(16), (frame, pad) => {
          const buf = new Uint8Array(pad + frameLength(frame));
          const end = encodeFrame(buf, pad, frame);
          expect(end).toBe(buf.length);
          const decoded = decodeFrame(buf, pad)._unsafeUnwrap();
          expect(decoded.next).toBe(end);
          expect(decoded.frame).toEqual(frame);
        }),
        { numRuns: 200 },
      );
    });
  }

  it('multi-frame payloads round-trip through encodeFrames / decodeFrames (property)', () => {
    fc.assert(
      fc.property(fc.array(frameArb, { minLength: 1, maxLength: 12 }), (raw) => {
        const frames = normalizeFrames(raw);
        const size = frames.reduce((n, f) => n + frameLength(f), 0);
        const buf = new Uint8Array(size);
        expect(encodeFrames(buf, 0, frames)).toBe(size);
        expect(decodeFrames(buf)._unsafeUnwrap()).toEqual(frames);
        // the iterator form sees the same frames
        const r = new Reader(buf);
        const seen: Frame[] = [];
        while (r.pos < r.end) {
          const f = readFrame(r);
          expect(r.error).toBeUndefined();
          seen.push(f as Frame);
        }
        expect(seen).toEqual(frames);
      }),
      { numRuns: 300 },
    );
  });

  it('uses the documented type codes', () => {
    const first = (f: Frame): number => encodeOne(f)[0] as number;
    expect(first({ type: 'ping' })).toBe(0x01);
    expect(first({ type: 'handshakeDone' })).toBe(0x1e);
    const data = new Uint8Array(3);
    expect(first({ type: 'data', offset: 0, data, fin: false, explicitLength: false })).toBe(0x08);
    expect(first({ type: 'data', offset: 0, data, fin: true, explicitLength: false })).toBe(0x09);
    expect(first({ type: 'data', offset: 0, data, fin: false, explicitLength: true })).toBe(0x0a);
    expect(first({ type: 'data', offset: 0, data, fin: true, explicitLength: true })).toBe(0x0b);
    expect(first({ type: 'pathStatus', pathId: 0, sequenceNumber: 0, status: 'backup' })).toBe(FrameType.PathStatus);
    expect([...encodeOne({ type: 'pathStatus', pathId: 3, sequenceNumber: 9, status: 'backup' })]).toEqual([0x22, 3, 9, 2]);
    expect([...encodeOne({ type: 'addAddress', addressId: 1, sequenceNumber: 2, family: 4, address: Uint8Array.from([10, 0, 0, 1]), port: 4433 })]).toEqual([
      0x20, 1, 2, 4, 10, 0, 0, 1, 0x11, 0x51,
    ]);
  });
});

describe('frames: semantics and rejection', () => {
  it('decodes DATA as a zero-copy view, running to the end without LEN', () => {
    const payload = bytesOf(0x0a, v(100), v(3), 1, 2, 3, 0x09, v(103), 4, 5, 6, 7);
    const [a, b] = decodeFrames(payload)._unsafeUnwrap();
    expect(a).toMatchObject({ type: 'data', offset: 100, fin: false, explicitLength: true });
    expect(b).toMatchObject({ type: 'data', offset: 103, fin: true, explicitLength: false });
    if (a?.type !== 'data' || b?.type !== 'data') throw new Error('not data');
    expect([...a.data]).toEqual([1, 2, 3]);
    expect([...b.data]).toEqual([4, 5, 6, 7]);
    expect(a.data.buffer).toBe(payload.buffer);
    expect(a.data.byteOffset).toBe(payload.byteOffset + 4);
    payload[4] = 99; // same memory
    expect(a.data[0]).toBe(99);
  });

  it('lets the engine write a DATA header and copy the bytes itself', () => {
    const buf = new Uint8Array(32);
    const p = encodeDataFrameHeader(buf, 0, 70_000, 5, true, true);
    buf.set([1, 2, 3, 4, 5], p);
    expect(decodeFrame(buf.subarray(0, p + 5), 0)._unsafeUnwrap().frame).toEqual({
      type: 'data', offset: 70_000, data: Uint8Array.from([1, 2, 3, 4, 5]), fin: true, explicitLength: true,
    });
  });

  it('rejects a DATA end offset above 2^53-1 and a length lie', () => {
    expect(decodeFrame(bytesOf(0x0a, v(2 ** 53 - 2), v(2), 1, 2), 0)._unsafeUnwrapErr().kind).toBe('InvalidField');
    expect(decodeFrame(bytesOf(0x0a, v(2 ** 53 - 2), v(1), 1), 0).isOk()).toBe(true);
    expect(decodeFrame(bytesOf(0x0a, v(0), v(5), 1, 2), 0)._unsafeUnwrapErr().kind).toBe('Truncated');
  });

  it('rejects ACK ranges that underflow below packet number 0', () => {
    // largest 5, first range 6 -> smallest -1
    expect(decodeFrame(bytesOf(0x02, v(0), v(5), v(0), v(0), v(6)), 0)._unsafeUnwrapErr()).toMatchObject({ kind: 'InvalidField', offset: 5 });
    expect(decodeFrame(bytesOf(0x02, v(0), v(5), v(0), v(0), v(5)), 0).isOk()).toBe(true);
    // largest 10, first range 2 (8..10), gap 5 -> next largest 1, length 2 -> smallest -1
    expect(decodeFrame(bytesOf(0x02, v(0), v(10), v(0), v(1), v(2), v(5), v(2)), 0)._unsafeUnwrapErr()).toMatchObject({ kind: 'InvalidField', offset: 6 });
    const okAck = decodeFrame(bytesOf(0x02, v(0), v(10), v(0), v(1), v(2), v(5), v(1)), 0)._unsafeUnwrap().frame;
    expect(okAck.type === 'ack' && ackFrameRanges(okAck)).toEqual([{ smallest: 8, largest: 10 }, { smallest: 0, largest: 1 }]);
    // the gap alone can underflow: largest 1, first 1 (0..1), gap 0 -> next largest -2
    expect(decodeFrame(bytesOf(0x02, v(0), v(1), v(0), v(1), v(1), v(0), v(0)), 0)._unsafeUnwrapErr().kind).toBe('InvalidField');
    expect(() => encodeOne({ type: 'ack', pathId: 0, largestAcked: 5, ackDelay: 0, firstRange: 6, ranges: [] })).toThrow(RangeError);
  });

  it('rejects an ACK range count that cannot fit, before allocating', () => {
    expect(decodeFrame(bytesOf(0x02, v(0), v(100), v(0), v(MAX_ACK_RANGES), v(0), 0, 0), 0)._unsafeUnwrapErr()).toMatchObject({ kind: 'Truncated', offset: 5 });
  });

  /** An ACK of path 0 with `count` ranges (gap 0, length 0), largest acknowledged high enough for all of them. */
  const manyRanges = (count: number): Frame => ({
    type: 'ack', pathId: 0, largestAcked: 2 * count + 10, ackDelay: 0, firstRange: 0, ranges: new Array(count).fill({ gap: 0, length: 0 }),
  });

  it(`caps an ACK at ${MAX_ACK_RANGES} ranges after the first: decode rejects more with InvalidField, encode throws`, () => {
    expect(MAX_ACK_RANGES).toBe(256);
    const atCap = encodeOne(manyRanges(MAX_ACK_RANGES));
    const decoded = decodeFrame(atCap, 0)._unsafeUnwrap().frame;
    expect(decoded.type === 'ack' && decoded.ranges.length).toBe(MAX_ACK_RANGES);
    // one range more, every byte present: rejected at the Range Count (offset 5, after a 2-byte Largest Acknowledged)
    const over = bytesOf(0x02, v(0), v(2 * 257 + 10), v(0), v(257), v(0), ...new Array<number>(2 * 257).fill(0));
    expect(decodeFrame(over, 0)._unsafeUnwrapErr()).toMatchObject({ kind: 'InvalidField', offset: 5 });
    // a hostile count is rejected by the cap before the length check
    expect(decodeFrame(bytesOf(0x02, v(0), v(100), v(0), v(2 ** 40), v(0), 0, 0), 0)._unsafeUnwrapErr()).toMatchObject({ kind: 'InvalidField', offset: 5 });
    expect(() => encodeOne(manyRanges(MAX_ACK_RANGES + 1))).toThrow(RangeError);
  });

  it('builds an ACK from the newest ranges only when there are more than the cap', () => {
    // 300 single-packet ranges, largest first: 1000, 997, 994, ...
    const ranges = Array.from({ length: 300 }, (_, i) => ({ smallest: 1000 - 3 * i, largest: 1000 - 3 * i }));
    const frame = ackFrameFromRanges(0, ranges, 0);
    expect(frame.ranges.length).toBe(MAX_ACK_RANGES);
    expect(ackFrameRanges(frame)).toEqual(ranges.slice(0, MAX_ACK_RANGES + 1));
    expect(decodeFrame(encodeOne(frame), 0)._unsafeUnwrap().frame).toEqual(frame);
  });

  it('converts between ACK ranges and the frame encoding (property)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.nat(10_000), { minLength: 1, maxLength: 200 }), (pns) => {
        const sorted = [...pns].sort((a, b) => b - a);
        const ranges: { smallest: number; largest: number }[] = [];
        for (const pn of sorted) {
          const last = ranges[ranges.length - 1];
          if (last !== undefined && last.smallest === pn + 1) last.smallest = pn;
          else ranges.push({ smallest: pn, largest: pn });
        }
        const frame = ackFrameFromRanges(7, ranges, 3);
        const decoded = decodeFrame(encodeOne(frame), 0)._unsafeUnwrap().frame;
        expect(decoded.type === 'ack' && ackFrameRanges(decoded)).toEqual(ranges);
      }),
    );
  });

  it('rejects invalid fields', () => {
    const token = new Array<number>(16).fill(0xee);
    const cid = (n: number): number[] => new Array<number>(n).fill(0xc1);
    const nci = (len: number): Uint8Array => bytesOf(0x18, v(0), v(1), v(0), len, ...cid(len), ...token);
    expect(decodeFrame(nci(8), 0).isOk()).toBe(true);
    expect(decodeFrame(nci(0), 0)._unsafeUnwrapErr().kind).toBe('InvalidField');
    expect(decodeFrame(nci(21), 0)._unsafeUnwrapErr().kind).toBe('InvalidField');
    // retire prior to > sequence number
    expect(decodeFrame(bytesOf(0x18, v(0), v(1), v(2), 1, 0, ...token), 0)._unsafeUnwrapErr().kind).toBe('InvalidField');
    // path id above 32 bits
    expect(decodeFrame(bytesOf(0x23, v(2 ** 32), v(0)), 0)._unsafeUnwrapErr().kind).toBe('InvalidField');
    expect(decodeFrame(bytesOf(0x23, v(2 ** 32 - 1), v(0)), 0).isOk()).toBe(true);
    for (const status of [0, 3, 255]) expect(decodeFrame(bytesOf(0x22, v(0), v(0), status), 0)._unsafeUnwrapErr().kind).toBe('InvalidField');
    expect(decodeFrame(bytesOf(0x20, v(1), v(1), 5, 1, 2, 3, 4, 0, 80), 0)._unsafeUnwrapErr().kind).toBe('InvalidField');
    expect(decodeFrame(bytesOf(0x20, v(1), v(1), 4, 1, 2, 3, 4, 0, 0), 0)._unsafeUnwrapErr().kind).toBe('InvalidField');
    expect(decodeFrame(bytesOf(0x20, v(1), v(1), 6, 1, 2, 3, 4, 0, 80), 0)._unsafeUnwrapErr().kind).toBe('Truncated');
    expect(decodeFrame(bytesOf(0x24, v(1199)), 0)._unsafeUnwrapErr().kind).toBe('InvalidField');
    expect(decodeFrame(bytesOf(0x24, v(65_528)), 0)._unsafeUnwrapErr().kind).toBe('InvalidField');
    const longReason = new Uint8Array(1 + 1 + 1 + 2 + 1025);
    longReason.set(bytesOf(0x1c, v(0), v(0), v(1025)));
    expect(decodeFrame(longReason, 0)._unsafeUnwrapErr().kind).toBe('InvalidField');
    expect(decodeFrame(bytesOf(0x1a, 1, 2, 3, 4, 5, 6, 7), 0)._unsafeUnwrapErr().kind).toBe('Truncated');
  });

  it('rejects unknown and non-minimally encoded frame types, and empty payloads', () => {
    for (const t of [0x03, 0x05, 0x1d, 0x1f, 0x25, 0x3f]) {
      expect(decodeFrame(Uint8Array.from([t, 0, 0, 0]), 0)._unsafeUnwrapErr()).toMatchObject({ kind: 'UnknownFrameType', offset: 0 });
    }
    expect(decodeFrame(bytesOf(0x80, 0, 0x01, 0x00), 0)._unsafeUnwrapErr().kind).toBe('UnknownFrameType');
    expect(decodeFrame(bytesOf(0x40, 0x01), 0)._unsafeUnwrapErr().kind).toBe('InvalidField');
    expect(decodeFrame(bytesOf(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), 0)._unsafeUnwrapErr().kind).toBe('VarintOverflow');
    expect(decodeFrames(new Uint8Array(0))._unsafeUnwrapErr().kind).toBe('InvalidField');
    // stops at the first bad frame and reports where it is
    expect(decodeFrames(Uint8Array.from([0x01, 0x01, 0x3f, 0x01]))._unsafeUnwrapErr()).toMatchObject({ kind: 'UnknownFrameType', offset: 2 });
  });

  it('decodes a run of zero bytes as one PADDING frame', () => {
    expect(decodeFrames(Uint8Array.from([0x01, 0, 0, 0, 0, 0x01, 0, 0]))._unsafeUnwrap()).toEqual([
      { type: 'ping' }, { type: 'padding', length: 4 }, { type: 'ping' }, { type: 'padding', length: 2 },
    ]);
  });

  it('never throws on invalid UTF-8 in a CLOSE reason', () => {
    const frame = decodeFrame(bytesOf(0x1c, v(9), v(42), v(4), 0xff, 0xc3, 0x28, 0x41), 0)._unsafeUnwrap().frame;
    if (frame.type !== 'close') throw new Error('not close');
    expect(frame.reasonCode).toBe(9);
    expect(frame.applicationErrorCode).toBe(42);
    expect(closeReasonText(frame)).toBe('\ufffd\ufffd(A');
  });

  it('cuts a long CLOSE reason at a character boundary within 1024 bytes', () => {
    const text = 'é'.repeat(600); // 1200 bytes of 2-byte characters
    const frame = makeCloseFrame(9, 1, 'x' + text);
    expect(frame.reason.length).toBe(1023);
    expect(closeReasonText(frame)).toBe('x' + 'é'.repeat(511));
    expect(decodeFrame(encodeOne(frame), 0)._unsafeUnwrap().frame).toEqual(frame);
    expect(makeCloseFrame(0, 0, 'bye').reason.length).toBe(3);
    expect(() => encodeOne({ ...frame, reason: new Uint8Array(MAX_REASON_PHRASE_LENGTH + 1) })).toThrow(RangeError);
  });

  it('classifies ack-eliciting frames', () => {
    expect(isAckEliciting({ type: 'padding', length: 1 })).toBe(false);
    expect(isAckEliciting({ type: 'ack', pathId: 0, largestAcked: 0, ackDelay: 0, firstRange: 0, ranges: [] })).toBe(false);
    expect(isAckEliciting(makeCloseFrame(0, 0, ''))).toBe(false);
    expect(isAckEliciting({ type: 'ping' })).toBe(true);
    expect(isAckEliciting({ type: 'mtuProbe', probeSize: 1500 })).toBe(true);
  });

  it('throws RangeError on programmer errors when encoding', () => {
    const small = new Uint8Array(2);
    expect(() => encodeFrame(small, 0, { type: 'pathChallenge', data: new Uint8Array(8) })).toThrow(RangeError);
    expect(() => encodeOne({ type: 'pathChallenge', data: new Uint8Array(7) })).toThrow(RangeError);
    expect(() => encodeOne({ type: 'addAddress', addressId: 0, sequenceNumber: 0, family: 6, address: new Uint8Array(4), port: 1 })).toThrow(RangeError);
    expect(() => encodeOne({ type: 'newConnectionId', pathId: 0, sequenceNumber: 0, retirePriorTo: 0, connectionId: new Uint8Array(0), statelessResetToken: new Uint8Array(16) })).toThrow(RangeError);
    expect(() => encodeOne({ type: 'maxData', maximumData: 2 ** 53 })).toThrow(RangeError);
    expect(() => encodeOne({ type: 'padding', length: 0 })).toThrow(RangeError);
    const data = { type: 'data' as const, offset: 0, data: new Uint8Array(1), fin: false, explicitLength: false };
    expect(() => encodeFrames(new Uint8Array(16), 0, [data, { type: 'ping' }])).toThrow(RangeError);
  });
});
