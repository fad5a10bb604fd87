import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TimerEntry, TimerQueue } from '../../src/core/timer-queue.js';

describe('TimerQueue', () => {
  it('is empty at first', () => {
    const q = new TimerQueue<string>();
    expect(q.size).toBe(0);
    expect(q.peek()).toBeUndefined();
    expect(q.nextDeadline()).toBeUndefined();
    expect(q.popDue(Infinity)).toBeUndefined();
  });

  it('pops entries in deadline order, only once due', () => {
    const q = new TimerQueue<string>();
    const entries = ['c', 'a', 'b'].map((v) => new TimerEntry(v));
    q.set(entries[0]!, 30);
    q.set(entries[1]!, 10);
    q.set(entries[2]!, 20);
    expect(q.nextDeadline()).toBe(10);
    expect(q.popDue(5)).toBeUndefined();
    expect(q.popDue(20)?.value).toBe('a');
    expect(q.popDue(20)?.value).toBe('b');
    expect(q.popDue(20)).toBeUndefined();
    expect(q.size).toBe(1);
    expect(entries[1]!.queued).toBe(false);
    expect(entries[0]!.queued).toBe(true);
  });

  it('moves an entry earlier or later, and removes it on an undefined or NaN deadline', () => {
    const q = new TimerQueue<number>();
    const a = new TimerEntry(1);
    const b = new TimerEntry(2);
    q.set(a, 10);
    q.set(b, 20);
    q.set(b, 5);
    expect(q.peek()).toBe(b);
    q.set(b, 50);
    expect(q.peek()).toBe(a);
    q.set(a, undefined);
    expect(q.size).toBe(1);
    expect(a.queued).toBe(false);
    q.set(b, Number.NaN);
    expect(q.size).toBe(0);
    q.remove(b); // not queued: nothing
    expect(q.size).toBe(0);
  });

  it('visits exactly the due entries', () => {
    const q = new TimerQueue<number>();
    for (let i = 0; i < 100; i++) q.set(new TimerEntry(i), (i * 37) % 100);
    const seen: number[] = [];
    q.forEachDue(49, (e) => seen.push(e.deadlineMs));
    expect(seen.sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(q.size).toBe(100);
  });

  it('agrees with a plain list under any sequence of operations', () => {
    type Op = { kind: 'set'; id: number; at: number | undefined } | { kind: 'remove'; id: number } | { kind: 'pop'; now: number };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), id: fc.integer({ min: 0, max: 15 }), at: fc.option(fc.integer({ min: 0, max: 50 }), { nil: undefined }) }),
      fc.record({ kind: fc.constant('remove' as const), id: fc.integer({ min: 0, max: 15 }) }),
      fc.record({ kind: fc.constant('pop' as const), now: fc.integer({ min: 0, max: 50 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const q = new TimerQueue<number>();
        const entries = Array.from({ length: 16 }, (_, i) => new TimerEntry(i));
        const model = new Map<number, number>();
        for (const o of ops) {
          if (o.kind === 'set') {
            q.set(entries[o.id]!, o.at);
            if (o.at === undefined) model.delete(o.id);
            else model.set(o.id, o.at);
          } else if (o.kind === 'remove') {
            q.remove(entries[o.id]!);
            model.delete(o.id);
          } else {
            const popped = q.popDue(o.now);
            const min = Math.min(...model.values());
            if (model.size === 0 || min > o.now) expect(popped).toBeUndefined();
            else {
              expect(popped).toBeDefined();
              expect(popped!.deadlineMs).toBe(min);
              expect(model.get(popped!.value)).toBe(min);
              model.delete(popped!.value);
            }
          }
          expect(q.size).toBe(model.size);
          expect(q.nextDeadline()).toBe(model.size === 0 ? undefined : Math.min(...model.values()));
          for (const [id, at] of model) {
            expect(entries[id]!.queued).toBe(true);
            expect(entries[id]!.deadlineMs).toBe(at);
          }
        }
      }),
    );
  });
});
