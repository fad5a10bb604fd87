import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RangeSet } from '../../src/core/range-set.js';
import { SendBuffer, type SendRange } from '../../src/core/send-buffer.js';

const bytes = (n: number, seed = 0): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff);
const brief = (s: SendRange | undefined): [number, number, boolean] | undefined => (s === undefined ? undefined : [s.offset, s.length, s.fin]);

function copy(sb: SendBuffer, s: SendRange): Uint8Array {
  const out = new Uint8Array(s.length);
  expect(sb.copyTo(s.offset, s.length, out, 0)).toBe(s.length);
  return out;
}

describe('RangeSet', () => {
  it('inserts with merging and reports newly covered counts', () => {
    const s = new RangeSet();
    expect(s.insert(10, 20)).toBe(10);
    expect(s.insert(30, 40)).toBe(10);
    expect(s.insert(0, 5)).toBe(5);
    expect(s.insert(15, 35)).toBe(10);
    expect(s.rangeCount).toBe(2);
    expect([s.start(1), s.end(1)]).toEqual([10, 40]);
    expect(s.insert(5, 10)).toBe(5); // adjacent on both sides
    expect(s.rangeCount).toBe(1);
    expect(s.totalLength).toBe(40);
  });

  it('removes with splitting', () => {
    const s = new RangeSet();
    s.insert(0, 100);
    expect(s.remove(10, 20)).toBe(10);
    expect(s.remove(90, 200)).toBe(10);
    expect(s.remove(-5, 2)).toBe(2);
    expect([s.start(0), s.end(0), s.start(1), s.end(1)]).toEqual([2, 10, 20, 90]);
    expect(s.contains(9)).toBe(true);
    expect(s.contains(10)).toBe(false);
    expect(s.remove(0, 1000)).toBe(78);
    expect(s.isEmpty).toBe(true);
  });

  it('matches a naive set under random operations', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.nat(60), fc.nat(15))), (ops) => {
        const s = new RangeSet();
        const naive = new Set<number>();
        for (const [add, start, len] of ops) {
          let changed = 0;
          for (let x = start; x < start + len; x++) {
            if (add ? !naive.has(x) : naive.has(x)) changed++;
            if (add) naive.add(x);
            else naive.delete(x);
          }
          expect(add ? s.insert(start, start + len) : s.remove(start, start + len)).toBe(changed);
        }
        for (let x = 0; x < 80; x++) expect(s.contains(x)).toBe(naive.has(x));
        for (let i = 1; i < s.rangeCount; i++) expect(s.start(i)).toBeGreaterThan(s.end(i - 1));
      }),
    );
  });
});

describe('SendBuffer', () => {
  it('hands out new data in order up to maxBytes and copies it from the chunks', () => {
    const sb = new SendBuffer(1 << 20);
    const a = bytes(10, 1);
    const b = bytes(10, 2);
    sb.write(a);
    sb.write(b);
    const r1 = sb.nextRange(15) as SendRange;
    expect(brief(r1)).toEqual([0, 15, false]);
    expect(r1.retransmission).toBe(false);
    const out = new Uint8Array(20);
    expect(sb.copyTo(0, 15, out, 5)).toBe(15);
    expect(out.subarray(5, 15)).toEqual(a);
    expect(out.subarray(15, 20)).toEqual(b.subarray(0, 5));
    expect(brief(sb.nextRange(15))).toEqual([15, 5, false]);
    expect(sb.nextRange(15)).toBeUndefined();
    expect(sb.hasDataToSend).toBe(false);
    expect(sb.copyTo(15, 10, out, 0)).toBe(0); // never written: refused, not thrown
  });

  it('write copies, writeOwned does not', () => {
    const sb = new SendBuffer(100);
    const a = bytes(4);
    const b = bytes(4);
    sb.write(a);
    sb.writeOwned(b);
    a[0] = 0xee;
    b[0] = 0xdd;
    const out = new Uint8Array(8);
    sb.copyTo(0, 8, out, 0);
    expect(out[0]).toBe(bytes(4)[0]);
    expect(out[4]).toBe(0xdd);
  });

  it('retransmits lost ranges first, skipping parts already acknowledged', () => {
    const sb = new SendBuffer(1000);
    sb.write(bytes(30));
    sb.nextRange(10); // 0..10
    sb.nextRange(10); // 10..20
    sb.onAcked(3, 4, false);
    expect(sb.onLost(0, 10, false)).toBe(6);
    expect(brief(sb.nextRange(100))).toEqual([0, 3, false]);
    const r = sb.nextRange(2) as SendRange;
    expect(brief(r)).toEqual([7, 2, false]);
    expect(r.retransmission).toBe(true);
    expect(brief(sb.nextRange(100))).toEqual([9, 1, false]);
    expect(brief(sb.nextRange(100))).toEqual([20, 10, false]);
    // an acknowledgement of a queued range cancels its retransmission
    sb.onLost(10, 10, false);
    sb.onAcked(10, 10, false);
    expect(sb.nextRange(100)).toBeUndefined();
    // a loss of bytes never sent or already freed queues nothing
    expect(sb.onLost(40, 5, false)).toBe(0);
  });

  it('frees chunks once everything below them is acknowledged', () => {
    const sb = new SendBuffer(1000);
    for (let i = 0; i < 3; i++) sb.write(bytes(10, i));
    while (sb.nextRange(7) !== undefined);
    expect(sb.bufferedBytes).toBe(30);
    sb.onAcked(10, 10, false);
    expect(sb.bufferedBytes).toBe(30);
    expect(sb.ackedOffset).toBe(0);
    expect(sb.unackedBytes).toBe(20);
    sb.onAcked(0, 15, false);
    expect(sb.ackedOffset).toBe(20);
    expect(sb.bufferedBytes).toBe(10);
    const out = new Uint8Array(10);
    expect(sb.copyTo(20, 10, out, 0)).toBe(10);
    expect(out).toEqual(bytes(10, 2));
    expect(sb.copyTo(5, 5, out, 0)).toBe(0); // freed
  });

  it('respects the peer MAX_DATA for new data only and reports the blocking limit', () => {
    const sb = new SendBuffer(10);
    sb.write(bytes(25));
    expect(brief(sb.nextRange(100))).toEqual([0, 10, false]);
    expect(sb.nextRange(100)).toBeUndefined();
    expect(sb.blockedAtOffset).toBe(10);
    sb.onLost(0, 10, false);
    expect(brief(sb.nextRange(100))).toEqual([0, 10, false]); // retransmission while blocked
    expect(sb.onMaxData(5)).toBe(false);
    expect(sb.onMaxData(20)).toBe(true);
    expect(sb.blockedAtOffset).toBeUndefined();
    expect(brief(sb.nextRange(100))).toEqual([10, 10, false]);
    expect(sb.blockedAtOffset).toBe(20);
  });

  it('sends FIN with the last data, alone, and again when lost', () => {
    const sb = new SendBuffer(100);
    sb.write(bytes(5));
    sb.finish();
    expect(sb.write(bytes(1))).toBe(false);
    expect(brief(sb.nextRange(3))).toEqual([0, 3, false]);
    expect(brief(sb.nextRange(3))).toEqual([3, 2, true]);
    expect(sb.nextRange(3)).toBeUndefined();
    sb.onLost(3, 2, true);
    expect(brief(sb.nextRange(100))).toEqual([3, 2, true]);
    sb.onAcked(0, 5, true);
    expect(sb.isFinished).toBe(true);

    const alone = new SendBuffer(100);
    alone.write(bytes(4));
    expect(brief(alone.nextRange(10))).toEqual([0, 4, false]);
    alone.finish();
    expect(brief(alone.nextRange(10))).toEqual([4, 0, true]);
    alone.onLost(4, 0, true);
    expect(alone.hasDataToSend).toBe(true);
    expect(brief(alone.nextRange(10))).toEqual([4, 0, true]);
    alone.onAcked(4, 0, true);
    expect(alone.isFinished).toBe(false); // data not yet acknowledged
    alone.onAcked(0, 4, false);
    expect(alone.isFinished).toBe(true);
    expect(alone.nextRange(10)).toBeUndefined();
  });

  it('property: any interleaving of sends, acks and losses delivers exactly the written bytes', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('write' as const), length: fc.integer({ min: 0, max: 50 }) }),
      fc.record({ kind: fc.constant('send' as const), max: fc.integer({ min: 1, max: 40 }) }),
      fc.record({ kind: fc.constant('ack' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('lose' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('maxData' as const), grow: fc.integer({ min: 0, max: 60 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 120 }), fc.boolean(), (ops, withFin) => {
        const sb = new SendBuffer(20);
        const written: number[] = [];
        const received = new Map<number, number>();
        const inFlight: { range: SendRange; data: Uint8Array }[] = [];
        let finAcked = false;
        let seed = 0;
        const send = (max: number): boolean => {
          const range = sb.nextRange(max);
          if (range === undefined) return false;
          const data = copy(sb, range);
          for (let i = 0; i < data.length; i++) expect(data[i]).toBe(written[range.offset + i]);
          inFlight.push({ range, data });
          return true;
        };
        const ack = (i: number): void => {
          const [p] = inFlight.splice(i, 1);
          if (p === undefined) return;
          p.data.forEach((b, k) => received.set(p.range.offset + k, b));
          if (p.range.fin) finAcked = true;
          sb.onAcked(p.range.offset, p.range.length, p.range.fin);
        };
        for (const o of ops) {
          if (o.kind === 'write') {
            const b = bytes(o.length, seed++);
            written.push(...b);
            sb.write(b);
          } else if (o.kind === 'send') send(o.max);
          else if (o.kind === 'maxData') sb.onMaxData(sb.maxDataOffset + o.grow);
          else if (inFlight.length > 0) {
            const i = o.pick % inFlight.length;
            if (o.kind === 'ack') ack(i);
            else {
              const [p] = inFlight.splice(i, 1);
              if (p !== undefined) sb.onLost(p.range.offset, p.range.length, p.range.fin);
            }
          }
          expect(sb.unackedBytes).toBe(written.length - received.size);
        }
        if (withFin) sb.finish();
        // Drain: open flow control, send everything, acknowledge it all.
        sb.onMaxData(written.length);
        while (send(17));
        while (inFlight.length > 0) ack(inFlight.length - 1);
        expect(sb.hasDataToSend).toBe(false);
        expect(received.size).toBe(written.length);
        for (let i = 0; i < written.length; i++) expect(received.get(i)).toBe(written[i]);
        expect(sb.ackedOffset).toBe(written.length);
        expect(sb.bufferedBytes).toBe(0);
        expect(sb.unackedBytes).toBe(0);
        expect(finAcked).toBe(withFin);
        expect(sb.isFinished).toBe(withFin);
      }),
      { numRuns: 300 },
    );
  });
});

describe('SendBuffer redundant copies (copyStart / nextCopy)', () => {
  it('copies only sent, unacknowledged bytes, stopping at the next acknowledged range, and changes no state', () => {
    const buf = new SendBuffer(1 << 20);
    buf.write(new Uint8Array(10_000));
    expect(buf.copyStart(0)).toBe(-1); // nothing sent yet
    buf.nextRange(6000);
    buf.onAcked(0, 1000, false);
    buf.onAcked(2000, 1000, false);
    expect(buf.copyStart(0)).toBe(1000);
    expect(buf.nextCopy(0, 5000)).toEqual({ offset: 1000, length: 1000, fin: false, retransmission: false });
    expect(buf.copyStart(2000)).toBe(3000);
    expect(buf.nextCopy(2500, 1200)).toEqual({ offset: 3000, length: 1200, fin: false, retransmission: false });
    expect(buf.nextCopy(4500, 5000)).toEqual({ offset: 4500, length: 1500, fin: false, retransmission: false });
    expect(buf.copyStart(6000)).toBe(-1); // never beyond what was sent
    expect(buf.nextCopy(1000, 0)).toBeUndefined();
    // Nothing was marked sent, acknowledged or lost by copying.
    expect(buf.sentOffset).toBe(6000);
    expect(buf.hasLostData).toBe(false);
    expect(buf.nextRange(10_000)).toMatchObject({ offset: 6000, length: 4000, retransmission: false });
  });

  it('a copy ending at the final size carries FIN until FIN is acknowledged', () => {
    const buf = new SendBuffer(1 << 20);
    buf.write(new Uint8Array(3000));
    buf.finish();
    buf.nextRange(3000);
    expect(buf.nextCopy(0, 5000)).toEqual({ offset: 0, length: 3000, fin: true, retransmission: false });
    buf.onAcked(0, 1000, false);
    buf.onAcked(2000, 1000, true);
    expect(buf.nextCopy(0, 5000)).toEqual({ offset: 1000, length: 1000, fin: false, retransmission: false });
    buf.onAcked(1000, 1000, false);
    expect(buf.copyStart(0)).toBe(-1);
    expect(buf.isFinished).toBe(true);
  });
});
