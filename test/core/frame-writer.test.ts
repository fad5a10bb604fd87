// Unit tests of FrameWriter (src/core/frame-writer.ts): frames appended where the last ended, the room
// left, which frames make the packet ack-eliciting, records routed to their owners, and PADDING.
import { describe, expect, test } from 'vitest';
import { FrameWriter, MIN_DATA_ROOM } from '../../src/core/frame-writer.js';
import type { SentFrameOwner } from '../../src/core/packet-contents.js';
import { decodeFrames, encodeFrame, frameLength, type Frame } from '../../src/core/wire/index.js';

describe('FrameWriter', () => {
  test('MIN_DATA_ROOM is 32 bytes', () => {
    expect(MIN_DATA_ROOM).toBe(32);
  });

  test('put() appends each frame encoded, moves at by its length and shrinks room', () => {
    const buf = new Uint8Array(200);
    const w = new FrameWriter(buf, 100);
    expect(w.at).toBe(0);
    expect(w.room).toBe(100);
    const a: Frame = { type: 'maxData', maximumData: 1_000_000 };
    const b: Frame = { type: 'dataBlocked', limit: 70_000 };
    w.put(a);
    expect(w.at).toBe(frameLength(a));
    w.put(b);
    expect(w.at).toBe(frameLength(a) + frameLength(b));
    expect(w.room).toBe(100 - frameLength(a) - frameLength(b));
    // The bytes are exactly the two frames' encodings, back to back.
    const expected = new Uint8Array(200);
    const end = encodeFrame(expected, encodeFrame(expected, 0, a), b);
    expect(buf.subarray(0, w.at)).toEqual(expected.subarray(0, end));
    expect(decodeFrames(buf.subarray(0, w.at))._unsafeUnwrap()).toEqual([a, b]);
  });

  test('ack-eliciting once any frame put without `false`', () => {
    const w = new FrameWriter(new Uint8Array(100), 100);
    expect(w.ackEliciting).toBe(false);
    w.put({ type: 'ack', pathId: 0, largestAcked: 5, ackDelay: 0, firstRange: 5, ranges: [] }, false);
    expect(w.ackEliciting).toBe(false);
    w.put({ type: 'ping' });
    expect(w.ackEliciting).toBe(true);
    w.put({ type: 'padding', length: 1 }, false);
    expect(w.ackEliciting).toBe(true); // stays
  });

  test('record() keeps each owner and token in order; the packet ACK or loss reaches each owner once', () => {
    const w = new FrameWriter(new Uint8Array(100), 100);
    expect(w.contents.records).toBeUndefined(); // allocated only when needed
    const log: string[] = [];
    const owner = (name: string): SentFrameOwner<number> => ({
      onFrameAcked: (t) => log.push(`${name} acked ${t}`),
      onFrameLost: (t) => log.push(`${name} lost ${t}`),
    });
    const a = owner('a');
    const b = owner('b');
    w.record(a, 1);
    w.record(b, 2);
    w.record(a, 3);
    expect(w.contents.records).toEqual([
      { owner: a, token: 1 },
      { owner: b, token: 2 },
      { owner: a, token: 3 },
    ]);
    w.contents.ackRecords();
    expect(log).toEqual(['a acked 1', 'b acked 2', 'a acked 3']);
    log.length = 0;
    w.contents.loseRecords();
    expect(log).toEqual(['a lost 1', 'b lost 2', 'a lost 3']);
  });

  test('pad() fills with zeros (PADDING) up to the limit and no further; room is then 0', () => {
    const buf = new Uint8Array(64).fill(0xee);
    const w = new FrameWriter(buf, 40);
    w.put({ type: 'ping' });
    w.pad();
    expect(w.at).toBe(40);
    expect(w.room).toBe(0);
    expect(buf[0]).not.toBe(0); // the PING
    expect([...buf.subarray(1, 40)].every((x) => x === 0)).toBe(true);
    expect([...buf.subarray(40)].every((x) => x === 0xee)).toBe(true);
    expect(decodeFrames(buf.subarray(0, w.at))._unsafeUnwrap()).toEqual([{ type: 'ping' }, { type: 'padding', length: 39 }]);
    // PADDING is not ack-eliciting by itself.
    const p = new FrameWriter(new Uint8Array(10), 10);
    p.pad();
    expect(p.ackEliciting).toBe(false);
  });
});
