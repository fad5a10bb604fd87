import { describe, expect, it } from 'vitest';
import { redundantScheduler } from '../../../src/core/scheduler/index.js';
import { SendBuffer } from '../../../src/core/send-buffer.js';
import { fakePath, ids, type FakePath } from './fake-path.js';

describe('redundantScheduler', () => {
  it('orders like minRTT and asks for copies', () => {
    const s = redundantScheduler();
    const paths = [fakePath(0, 80), fakePath(1, 20, { backup: true }), fakePath(2, 45)];
    const out: FakePath[] = [];
    s.order(paths, out);
    expect(ids(out)).toEqual([2, 0, 1]);
    expect(s.redundant).toBe(true);
    expect(s.carriesData(paths[1]!)).toBe(false);
  });

  it('keeps a copy cursor per path that only new data and copies move', () => {
    const s = redundantScheduler();
    const a = fakePath(0, 10);
    const b = fakePath(3, 10);
    expect(s.copyFrom(a)).toBe(0);
    expect(s.copyFrom(b)).toBe(0);
    s.onDataSent(a, 1200, false);
    s.onDataSent(a, 2400, false);
    expect(s.copyFrom(a)).toBe(2400);
    expect(s.copyFrom(b)).toBe(0);
    // A retransmission beyond b's cursor must not make b skip the copies below it.
    s.onDataSent(b, 2400, true);
    expect(s.copyFrom(b)).toBe(0);
    s.onDataSent(b, 1200, false);
    expect(s.copyFrom(b)).toBe(1200);
    s.onDataSent(b, 600, false); // never moves back
    expect(s.copyFrom(b)).toBe(1200);
  });

  it('with a send buffer: each path sends every byte once, acknowledged bytes are skipped, a loss requeues only unacknowledged bytes', () => {
    const s = redundantScheduler();
    const a = fakePath(0, 10);
    const b = fakePath(1, 30);
    const buf = new SendBuffer(1 << 20);
    buf.write(new Uint8Array(5000));
    buf.finish();
    // a takes new data 0..3000 in two packets.
    for (const size of [1500, 1500]) {
      const r = buf.nextRange(size)!;
      s.onDataSent(a, r.offset + r.length, r.retransmission);
    }
    // b copies 0..1500; then a's first packet is acknowledged, so b's copy skips to 3000 (after 1500..3000).
    let r = buf.nextCopy(buf.copyStart(s.copyFrom(b)), 1500)!;
    expect(r).toEqual({ offset: 0, length: 1500, fin: false, retransmission: false });
    s.onDataSent(b, r.offset + r.length, false);
    buf.onAcked(0, 1500, false);
    buf.onAcked(1500, 1500, false);
    expect(buf.copyStart(s.copyFrom(b))).toBe(-1);
    expect(buf.nextCopy(s.copyFrom(b), 1500)).toBeUndefined();
    // b takes the rest as new data, with FIN; a owes a copy of it, FIN included.
    r = buf.nextRange(2000)!;
    expect(r).toMatchObject({ offset: 3000, length: 2000, fin: true });
    s.onDataSent(b, 5000, false);
    r = buf.nextCopy(buf.copyStart(s.copyFrom(a)), 1500)!;
    expect(r).toEqual({ offset: 3000, length: 1500, fin: false, retransmission: false });
    s.onDataSent(a, 4500, false);
    // a's copy of 3000..4500 arrives; b's packet 3000..5000 is lost: only 4500..5000 (and FIN) is requeued.
    buf.onAcked(3000, 1500, false);
    expect(buf.onLost(3000, 2000, true)).toBe(500);
    r = buf.nextRange(1500)!;
    expect(r).toEqual({ offset: 4500, length: 500, fin: true, retransmission: true });
    // a's own copy of 4500..5000 is still owed (its cursor is at 4500) until those bytes are acknowledged.
    expect(buf.copyStart(s.copyFrom(a))).toBe(4500);
    buf.onAcked(4500, 500, true);
    expect(buf.copyStart(s.copyFrom(a))).toBe(-1);
    expect(buf.isFinished).toBe(true);
  });
});
