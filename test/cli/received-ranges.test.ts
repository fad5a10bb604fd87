import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReceivedRanges } from '../../src/cli/demo/packets.js';
import { ackFrameRanges, type AckFrame } from '../../src/core/wire/index.js';

/** Expands the ranges an ACK frame names into the set of packet numbers. */
function acked(frame: AckFrame): Set<number> {
  const out = new Set<number>();
  for (const r of ackFrameRanges(frame)) for (let pn = r.smallest; pn <= r.largest; pn++) out.add(pn);
  return out;
}

describe('ReceivedRanges (the demo server ACK state)', () => {
  it('acknowledges exactly the packet numbers received, in any order and with duplicates', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 200 }), { minLength: 1, maxLength: 300 }), (pns) => {
        const ranges = new ReceivedRanges(1000);
        for (const pn of pns) ranges.add(pn);
        const frame = ranges.ackFrame(3) as AckFrame;
        expect(frame.pathId).toBe(3);
        expect([...acked(frame)].sort((a, b) => a - b)).toEqual([...new Set(pns)].sort((a, b) => a - b));
      }),
    );
  });

  it('keeps only the newest ranges when there are too many', () => {
    const ranges = new ReceivedRanges(2);
    for (const pn of [0, 2, 4, 6]) ranges.add(pn);
    expect([...acked(ranges.ackFrame(0) as AckFrame)]).toEqual([6, 4]);
  });

  it('has no ACK frame before any packet', () => {
    expect(new ReceivedRanges().ackFrame(0)).toBeUndefined();
  });
});
