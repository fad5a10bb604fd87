import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Reader, decodeVarint, varintLength, writeVarint, writeVarintWithLength } from '../../../src/core/wire/index.js';
import { VARINT_BOUNDARIES, varintArb } from './arbitraries.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s/g, ''), 'hex'));

function encode(value: number): Uint8Array {
  const buf = new Uint8Array(8);
  return buf.subarray(0, writeVarint(buf, 0, value));
}

describe('varint (RFC 9000 §16)', () => {
  it('decodes the RFC 9000 A.1 examples that fit a JS number', () => {
    expect(decodeVarint(hex('9d7f3e7d'), 0)._unsafeUnwrap()).toEqual({ value: 494_878_333, next: 4 });
    expect(decodeVarint(hex('7bbd'), 0)._unsafeUnwrap()).toEqual({ value: 15_293, next: 2 });
    expect(decodeVarint(hex('25'), 0)._unsafeUnwrap()).toEqual({ value: 37, next: 1 });
    // non-minimal encodings are legal
    expect(decodeVarint(hex('4025'), 0)._unsafeUnwrap()).toEqual({ value: 37, next: 2 });
  });

  it('rejects the RFC 8-byte example (151288809941952652 > 2^53-1) as VarintOverflow, not a rounded number', () => {
    const e = decodeVarint(hex('c2197c5eff14e88c'), 0)._unsafeUnwrapErr();
    expect(e.kind).toBe('VarintOverflow');
    expect(e.offset).toBe(0);
  });

  it('accepts 2^53-1 and rejects 2^53 and all-ones in both decoders', () => {
    expect(decodeVarint(hex('c01fffffffffffff'), 0)._unsafeUnwrap().value).toBe(Number.MAX_SAFE_INTEGER);
    for (const s of ['c020000000000000', 'ffffffffffffffff']) {
      expect(decodeVarint(hex(s), 0)._unsafeUnwrapErr().kind).toBe('VarintOverflow');
      const r = new Reader(hex(s));
      expect(r.varint()).toBe(0);
      expect(r.error?.kind).toBe('VarintOverflow');
    }
  });

  it('uses the minimal length at every boundary', () => {
    const expected: Record<number, number> = {
      0: 1, 1: 1, 63: 1, 64: 2, 16_383: 2, 16_384: 4, [2 ** 30 - 1]: 4, [2 ** 30]: 8, [2 ** 32 - 1]: 8, [2 ** 32]: 8, [2 ** 53 - 1]: 8,
    };
    for (const v of VARINT_BOUNDARIES) {
      expect(varintLength(v)).toBe(expected[v]);
      expect(encode(v).length).toBe(expected[v]);
    }
  });

  it('round-trips every value through both decoders (property)', () => {
    fc.assert(
      fc.property(varintArb, fc.nat(7), (value, pad) => {
        const bytes = new Uint8Array(pad + 8);
        const end = writeVarint(bytes, pad, value);
        expect(decodeVarint(bytes, pad)._unsafeUnwrap()).toEqual({ value, next: end });
        const r = new Reader(bytes, pad);
        expect(r.varint()).toBe(value);
        expect(r.pos).toBe(end);
        expect(r.error).toBeUndefined();
      }),
    );
  });

  it('round-trips non-minimal encodings of any length that fits', () => {
    fc.assert(
      fc.property(varintArb, fc.constantFrom(1, 2, 4, 8 as const), (value, length) => {
        fc.pre(length >= varintLength(value));
        const buf = new Uint8Array(8);
        expect(writeVarintWithLength(buf, 0, value, length as 1 | 2 | 4 | 8)).toBe(length);
        expect(decodeVarint(buf, 0)._unsafeUnwrap()).toEqual({ value, next: length });
      }),
    );
  });

  it('reports truncation instead of reading past the end', () => {
    for (const s of ['', '40', '80ffff', 'c0000000000000']) {
      expect(decodeVarint(hex(s), 0)._unsafeUnwrapErr().kind).toBe('Truncated');
      const r = new Reader(hex(s));
      r.varint();
      expect(r.error?.kind).toBe('Truncated');
    }
  });

  it('reports an offset outside the input as an error, never throwing', () => {
    for (const offset of [-1, 4, 5, 1.5, Number.NaN]) {
      expect(decodeVarint(hex('25252525'), offset)._unsafeUnwrapErr().kind).toBe('Truncated');
    }
    expect(decodeVarint(hex('25252525'), 3)._unsafeUnwrap()).toEqual({ value: 37, next: 4 });
  });

  it('throws RangeError on programmer errors when encoding', () => {
    const buf = new Uint8Array(8);
    for (const bad of [-1, 1.5, 2 ** 53, Number.NaN, Infinity]) expect(() => writeVarint(buf, 0, bad)).toThrow(RangeError);
    expect(() => writeVarint(new Uint8Array(1), 0, 64)).toThrow(RangeError);
    expect(() => writeVarint(buf, 8, 0)).toThrow(RangeError);
    expect(() => writeVarintWithLength(buf, 0, 64, 1)).toThrow(RangeError);
  });
});
