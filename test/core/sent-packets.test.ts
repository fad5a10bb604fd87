import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SentPacket, SentPackets } from '../../src/core/sent-packets.js';

const packet = (pn: number): SentPacket<number> => new SentPacket(pn, pn, 100, true, true, pn * 10);

describe('SentPackets', () => {
  it('looks up, removes and slides the window; remembers skipped numbers', () => {
    const s = new SentPackets<number>();
    for (const pn of [0, 1, 2, 4]) expect(s.push(packet(pn))).toBe(true);
    expect(s.push(packet(4))).toBe(false);
    expect(s.isSkipped(3)).toBe(true);
    expect(s.hasSkipped).toBe(true);
    expect(s.get(2)?.payload).toBe(20);
    expect(s.remove(1)?.pn).toBe(1);
    expect(s.remove(1)).toBeUndefined();
    expect(s.lowestPn).toBe(0);
    s.remove(0);
    expect(s.lowestPn).toBe(2);
    s.remove(2);
    expect(s.lowestPn).toBe(4); // slid past the skipped 3
    expect(s.hasSkipped).toBe(false);
    expect(s.size).toBe(1);
    expect(s.drain().map((p) => p.pn)).toEqual([4]);
    expect(s.size).toBe(0);
    expect(s.push(packet(5))).toBe(true);
  });

  it('matches a Map under random sends and removals (ring wrap-around and growth)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.nat(3), fc.nat(300)), { maxLength: 600 }), (ops) => {
        const s = new SentPackets<number>();
        const model = new Map<number, number>();
        let next = 0;
        for (const [isSend, skip, pick] of ops) {
          if (isSend) {
            next += skip;
            expect(s.push(packet(next))).toBe(true);
            model.set(next, next * 10);
            next++;
          } else {
            const pn = next - 1 - (pick % Math.max(1, next));
            expect(s.remove(pn)?.payload).toBe(model.get(pn));
            model.delete(pn);
          }
          expect(s.size).toBe(model.size);
        }
        for (let pn = 0; pn < next; pn++) expect(s.get(pn)?.payload).toBe(model.get(pn));
        expect(s.drain().map((p) => p.pn)).toEqual([...model.keys()].sort((a, b) => a - b));
      }),
      { numRuns: 300 },
    );
  });
});
