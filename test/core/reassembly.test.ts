import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BASE_SEGMENT_LIMIT, MERGE_BELOW_BYTES, Reassembly, ReassemblyStatus } from '../../src/core/reassembly.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array | undefined): string => (b === undefined ? '' : new TextDecoder().decode(b));

function readAll(r: Reassembly, max?: number): string {
  let s = '';
  for (let b = r.read(max); b !== undefined; b = r.read(max)) s += dec(b);
  return s;
}

describe('Reassembly', () => {
  it('delivers in-order data zero-copy', () => {
    const r = new Reassembly(1000);
    const data = enc('hello world');
    expect(r.insert(0, data, false)).toBe(ReassemblyStatus.Ok);
    const out = r.read(5) as Uint8Array;
    expect(dec(out)).toBe('hello');
    expect(out.buffer).toBe(data.buffer);
    expect(r.bufferedBytes).toBe(6);
    expect(dec(r.read())).toBe(' world');
    expect(r.read()).toBeUndefined();
    expect(r.readOffset).toBe(11);
  });

  it('holds out-of-order data until the hole is filled', () => {
    const r = new Reassembly(1000);
    r.insert(6, enc('world'), true);
    expect(r.hasReadable).toBe(false);
    expect(r.read()).toBeUndefined();
    expect(r.isFinished).toBe(false);
    r.insert(0, enc('hello '), false);
    expect(readAll(r)).toBe('hello world');
    expect(r.isFinished).toBe(true);
  });

  it('trims partial overlaps and counts duplicate bytes', () => {
    const r = new Reassembly(1000);
    const text = 'abcdefghijklmnopqrstuvwxyz';
    r.insert(5, enc(text.slice(5, 10)), false);
    r.insert(15, enc(text.slice(15, 20)), false);
    r.insert(3, enc(text.slice(3, 17)), false); // overlaps both, fills 3..5 and 10..15
    expect(r.duplicateBytes).toBe(7);
    r.insert(0, enc(text.slice(0, 4)), false);
    expect(readAll(r, 4)).toBe(text.slice(0, 20));
    r.insert(2, enc(text.slice(2, 22)), false); // mostly already read
    expect(readAll(r)).toBe(text.slice(20, 22));
    expect(r.conflictingFrames).toBe(0);
  });

  it('keeps the first bytes when a peer resends different ones, and counts it', () => {
    const r = new Reassembly(1000);
    r.insert(0, enc('AAAA'), false);
    r.insert(8, enc('CCCC'), false);
    r.insert(2, enc('xxBBBByy'), false);
    expect(r.conflictingFrames).toBe(1);
    expect(readAll(r)).toBe('AAAABBBBCCCC');
  });

  it('enforces the final size (RFC 9000 §4.5)', () => {
    const r = new Reassembly(1000);
    r.insert(0, enc('abcdef'), false);
    expect(r.insert(0, enc('abc'), true)).toBe(ReassemblyStatus.FinalSizeError); // below data received
    expect(r.insert(6, enc('gh'), true)).toBe(ReassemblyStatus.Ok);
    expect(r.finalSize).toBe(8);
    expect(r.insert(6, enc('ghi'), false)).toBe(ReassemblyStatus.FinalSizeError); // beyond it
    expect(r.insert(9, new Uint8Array(0), true)).toBe(ReassemblyStatus.FinalSizeError); // changed
    expect(r.insert(4, enc('efgh'), true)).toBe(ReassemblyStatus.Ok); // same final size again
    expect(readAll(r)).toBe('abcdefgh');
    expect(r.isFinished).toBe(true);
  });

  it('rejects data beyond the advertised limit and accepts it once raised', () => {
    const r = new Reassembly(10);
    expect(r.insert(5, enc('abcdef'), false)).toBe(ReassemblyStatus.FlowControlError);
    expect(r.bufferedBytes).toBe(0);
    expect(r.highestReceivedOffset).toBe(0);
    expect(r.insert(5, enc('abcde'), false)).toBe(ReassemblyStatus.Ok);
    r.setLimitOffset(20);
    r.setLimitOffset(15); // never lowered
    expect(r.limitOffset).toBe(20);
    expect(r.insert(10, enc('fghij'), false)).toBe(ReassemblyStatus.Ok);
  });

  it('finishes on an empty FIN at the read offset', () => {
    const r = new Reassembly(10);
    expect(r.insert(0, new Uint8Array(0), true)).toBe(ReassemblyStatus.Ok);
    expect(r.isFinished).toBe(true);
  });

  it('a hostile pattern (1-byte frames at every other offset, descending) stops at the segment bound', () => {
    const window = 1 << 20;
    const r = new Reassembly(window);
    const bound = BASE_SEGMENT_LIMIT + window / MERGE_BELOW_BYTES;
    let inserted = 0;
    let status: number = ReassemblyStatus.Ok;
    for (let offset = window - 2; offset >= 2 && status === ReassemblyStatus.Ok; offset -= 2) {
      const packet = new Uint8Array(1200); // each frame a slice of a whole decrypted packet
      status = r.insert(offset, packet.subarray(0, 1), false);
      inserted++;
    }
    expect(status).toBe(ReassemblyStatus.TooManySegments);
    expect(inserted).toBe(bound + 1);
    expect(r.segmentCount).toBe(bound + 1);
    // Copied out of the packets: memory follows the stored bytes, not 1200 bytes per frame.
    expect(r.bufferedBytes).toBe(bound + 1);
    expect(r.heldBytes).toBe(bound + 1);
    // A caller that carries on gets the same answer, and nothing more is stored.
    expect(r.insert(1, new Uint8Array(1), false)).toBe(ReassemblyStatus.TooManySegments);
    expect(r.segmentCount).toBe(bound + 1);
  });

  it('small in-order pieces after a hole are merged into one segment; large ones are kept by reference', () => {
    const r = new Reassembly(1 << 20);
    const data = new Uint8Array(100_000).map((_, i) => i * 7);
    let offset = 1000; // bytes 0..999 are the hole
    for (let size = 1; offset < 50_000; size = (size % 900) + 37) {
      expect(r.insert(offset, data.slice(offset, offset + size), false)).toBe(ReassemblyStatus.Ok);
      offset += size;
    }
    expect(r.segmentCount).toBe(1);
    expect(r.heldBytes).toBeLessThanOrEqual(2 * r.bufferedBytes + 256);
    const big = data.slice(60_000, 62_000);
    r.insert(60_000, big, false);
    expect(r.segmentCount).toBe(2);
    r.insert(0, data.slice(0, 1000), false);
    const out: number[] = [];
    for (let b = r.read(); b !== undefined; b = r.read()) out.push(...b);
    expect(Uint8Array.from(out)).toEqual(data.subarray(0, offset));
  });

  it('a peer sending in order with one early hole never reaches the bound (16 MiB window of 1200-byte packets)', () => {
    const window = 16 << 20;
    const r = new Reassembly(window);
    const packet = 1150;
    for (let offset = packet; offset + packet <= window; offset += packet) {
      expect(r.insert(offset, new Uint8Array(packet), false)).toBe(ReassemblyStatus.Ok);
    }
    expect(r.segmentCount).toBeLessThanOrEqual(BASE_SEGMENT_LIMIT + window / MERGE_BELOW_BYTES);
  });

  it('property: random chunking, order and duplication reassemble exactly the source', () => {
    const scenario = fc
      .uint8Array({ minLength: 0, maxLength: 400 })
      .chain((data) =>
        fc.record({
          data: fc.constant(data),
          // frames: [start, length] over the data, plus some repeated
          cuts: fc.array(fc.integer({ min: 0, max: data.length }), { maxLength: 30 }),
          extra: fc.array(fc.tuple(fc.integer({ min: 0, max: data.length }), fc.integer({ min: 0, max: 60 })), { maxLength: 30 }),
          seed: fc.nat(),
          readMax: fc.integer({ min: 1, max: 64 }),
          readEvery: fc.integer({ min: 1, max: 5 }),
        }),
      );
    fc.assert(
      fc.property(scenario, ({ data, cuts, extra, seed, readMax, readEvery }) => {
        const points = [...new Set([0, data.length, ...cuts])].sort((a, b) => a - b);
        const frames: [number, number][] = [];
        for (let i = 0; i + 1 < points.length; i++) frames.push([points[i] as number, (points[i + 1] as number) - (points[i] as number)]);
        if (data.length === 0) frames.push([0, 0]);
        for (const [start, len] of extra) frames.push([start, Math.min(len, data.length - start)]);
        // deterministic shuffle
        let s = seed;
        for (let i = frames.length - 1; i > 0; i--) {
          s = (s * 1103515245 + 12345) >>> 0;
          const j = s % (i + 1);
          [frames[i], frames[j]] = [frames[j] as [number, number], frames[i] as [number, number]];
        }
        const r = new Reassembly(data.length);
        const out: number[] = [];
        frames.forEach(([start, len], k) => {
          // each frame in its own buffer, as decrypted packets are
          const fin = start + len === data.length;
          expect(r.insert(start, data.slice(start, start + len), fin)).toBe(ReassemblyStatus.Ok);
          if (k % readEvery === 0) for (let b = r.read(readMax); b !== undefined; b = r.read(readMax)) out.push(...b);
        });
        for (let b = r.read(readMax); b !== undefined; b = r.read(readMax)) out.push(...b);
        expect(Uint8Array.from(out)).toEqual(data);
        expect(r.isFinished).toBe(true);
        expect(r.bufferedBytes).toBe(0);
        expect(r.conflictingFrames).toBe(0);
      }),
      { numRuns: 500 },
    );
  });
});
