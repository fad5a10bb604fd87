// Unit tests of ByteStream (src/core/byte-stream.ts): the write limit and 'writable' after ACKs, FIN,
// reads and the counters, DATA and RESET from the peer checked (errors returned as a TransportError,
// never thrown), the stream events reported once, the MAX_DATA / DATA_BLOCKED / RESET frame sources,
// DATA written, and what a lost packet's contents queue again.
import { describe, expect, test } from 'vitest';
import { RenoController } from '../../src/cc/reno.js';
import { ByteStream, type ByteStreamConfig, type StreamCounters } from '../../src/core/byte-stream.js';
import type { ConnectionEvent } from '../../src/core/connection-events.js';
import { FrameWriter, MIN_DATA_ROOM } from '../../src/core/frame-writer.js';
import { PacketContents } from '../../src/core/packet-contents.js';
import { Path } from '../../src/core/path.js';
import { BASE_SEGMENT_LIMIT, MERGE_BELOW_BYTES } from '../../src/core/reassembly.js';
import { decodeFrames, ReasonCode, type Frame } from '../../src/core/wire/index.js';

const CONFIG: ByteStreamConfig = { initialWindowBytes: 1000, maxWindowBytes: 4000, sendBufferBytes: 100 };

function make(config: ByteStreamConfig = CONFIG) {
  const events: ConnectionEvent[] = [];
  const counters: StreamCounters = { bytesWritten: 0, bytesRead: 0, bytesRetransmitted: 0 };
  const stream = new ByteStream(config, counters, (e) => events.push(e));
  const types = (): string[] => events.map((e) => e.type);
  return { stream, events, counters, types };
}

function makePath(): Path {
  return new Path({
    id: 0,
    local: { host: '10.0.0.1', port: 1 },
    remote: { host: '10.0.0.2', port: 2 },
    localCid: new Uint8Array(8),
    remoteCid: new Uint8Array(8).fill(1),
    cc: new RenoController({ maxDatagramSizeBytes: 1200, nowMs: 0 }),
    initialRttMs: 100,
    peerMaxAckDelayMs: 25,
    localMaxAckDelayMs: 25,
    ackDelayExponent: 3,
    baseDatagramBytes: 1200,
    maxDatagramBytes: 1200,
  });
}

function bytes(n: number, seed = 1): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 7 + seed) & 0xff;
  return b;
}

function writer(limit = 1200): FrameWriter {
  return new FrameWriter(new Uint8Array(1500), limit);
}

function frames(w: FrameWriter): Frame[] {
  return w.at === 0 ? [] : decodeFrames(w.buf.subarray(0, w.at))._unsafeUnwrap();
}

/** Sends one DATA frame of at most `room` bytes of payload space; returns the packet's contents. */
function send(stream: ByteStream, path: Path, limit = 1200): PacketContents {
  const w = writer(limit);
  stream.writeData(w, path, -1);
  return w.contents;
}

describe('writing', () => {
  test('write() copies and counts the bytes; false once the unacknowledged bytes reach the send buffer limit', () => {
    const { stream, counters } = make();
    const data = bytes(60);
    expect(stream.write(data)).toBe(true);
    data.fill(0); // copied: the caller may reuse its buffer
    expect(stream.bufferedBytes).toBe(60);
    expect(stream.write(bytes(39))).toBe(true); // 99 < 100
    expect(stream.write(bytes(1))).toBe(false); // 100
    expect(counters.bytesWritten).toBe(100);
    // Still accepted (the limit is advice), and an empty write reports the same state.
    expect(stream.write(new Uint8Array(0))).toBe(false);
    expect(counters.bytesWritten).toBe(100);
    stream.onMaxData(1000);
    const path = makePath();
    const w = writer();
    stream.writeData(w, path, -1);
    expect(frames(w)).toEqual([{ type: 'data', offset: 0, data: new Uint8Array([...bytes(60), ...bytes(39), ...bytes(1)]), fin: false, explicitLength: false }]);
  });

  test("'writable' once, after the batch of ACKs that brought the buffer under its limit, and only after write() returned false", () => {
    const { stream, types } = make();
    const path = makePath();
    stream.onMaxData(10_000);
    expect(stream.write(bytes(150))).toBe(false);
    const a = send(stream, path, 40); // a few bytes per packet
    const b = send(stream, path, 1200);
    stream.onAcked(a, path);
    stream.onAcksDone();
    expect(stream.bufferedBytes).toBe(150 - a.dataLength);
    expect(a.dataLength).toBeLessThan(50); // still at or over the limit
    expect(types()).toEqual([]);
    stream.onAcked(b, path);
    stream.onAcksDone();
    expect(stream.bufferedBytes).toBe(0);
    expect(types()).toEqual(['writable']);
    expect(path.stats.streamBytesAcked).toBe(150);
    stream.onAcksDone();
    expect(types()).toEqual(['writable']);

    // Never blocked: no event.
    const other = make();
    other.stream.onMaxData(10_000);
    expect(other.stream.write(bytes(10))).toBe(true);
    const c = send(other.stream, path);
    other.stream.onAcked(c, path);
    other.stream.onAcksDone();
    expect(other.types()).toEqual([]);
  });

  test('finish(): the FIN goes with the last bytes; no write after; writeEnded once data and FIN are acknowledged', () => {
    const { stream, counters } = make();
    const path = makePath();
    stream.onMaxData(1000);
    stream.write(bytes(10));
    stream.finish();
    expect(stream.write(bytes(5))).toBe(false);
    expect(counters.bytesWritten).toBe(10);
    const w = writer();
    stream.writeData(w, path, -1);
    expect(frames(w)).toEqual([{ type: 'data', offset: 0, data: bytes(10), fin: true, explicitLength: false }]);
    expect(w.contents.dataFin).toBe(true);
    expect(stream.writeEnded).toBe(false);
    stream.onAcked(w.contents, path);
    expect(stream.writeEnded).toBe(true);
  });

  test('a lone FIN after everything was sent', () => {
    const { stream } = make();
    const path = makePath();
    stream.onMaxData(1000);
    stream.write(bytes(10));
    send(stream, path);
    expect(stream.hasDataToSend).toBe(false);
    stream.finish();
    expect(stream.hasDataToSend).toBe(true);
    const w = writer();
    expect(stream.writeData(w, path, -1)).toEqual({ end: 10, retransmission: false });
    expect(frames(w)).toEqual([{ type: 'data', offset: 10, data: new Uint8Array(0), fin: true, explicitLength: false }]);
  });
});

describe('writeData', () => {
  test('nothing in less than MIN_DATA_ROOM, or with nothing to send', () => {
    const { stream } = make();
    const path = makePath();
    stream.onMaxData(1000);
    expect(stream.writeData(writer(), path, -1)).toBeUndefined();
    stream.write(bytes(10));
    const w = writer(MIN_DATA_ROOM - 1);
    expect(stream.writeData(w, path, -1)).toBeUndefined();
    expect(w.at).toBe(0);
    expect(w.ackEliciting).toBe(false);
    const ok = writer(MIN_DATA_ROOM);
    expect(stream.writeData(ok, path, -1)).toEqual({ end: 10, retransmission: false });
    expect(ok.ackEliciting).toBe(true);
  });

  test("held to the peer's MAX_DATA; fills the room; counts new bytes on the path", () => {
    const { stream } = make({ ...CONFIG, sendBufferBytes: 10_000 });
    const path = makePath();
    stream.write(bytes(3000));
    expect(stream.hasDataToSend).toBe(false); // MAX_DATA 0 until the peer's parameters
    stream.onMaxData(2000);
    const w = writer(1000);
    const sent = stream.writeData(w, path, -1);
    // The DATA frame (no Length field) fills the room, less at most a byte the header estimate keeps
    // (it sizes the offset field for the largest offset this packet could start at).
    expect(w.at).toBeGreaterThanOrEqual(999);
    expect(w.at).toBeLessThanOrEqual(1000);
    expect(w.contents.dataLength).toBeGreaterThanOrEqual(995);
    expect(sent).toEqual({ end: w.contents.dataLength, retransmission: false });
    expect(w.contents.dataOffset).toBe(0);
    const second = writer(1200);
    expect(stream.writeData(second, path, -1)?.end).toBe(2000);
    expect(stream.hasDataToSend).toBe(false);
    expect(path.stats.streamBytesSent).toBe(2000);
    expect(path.stats.streamBytesRetransmitted).toBe(0);
  });
});

describe('reading', () => {
  test('read() returns the bytes in order and counts them', () => {
    const { stream, counters } = make();
    expect(stream.onData(5, bytes(5, 2).subarray(0, 5), false)).toBeUndefined();
    expect(stream.hasReadable).toBe(false);
    expect(stream.read()).toBeUndefined();
    const all = bytes(10);
    expect(stream.onData(0, all.slice(0, 5), false)).toBeUndefined();
    expect(stream.onData(5, all.slice(5), false)).toBeUndefined(); // overlaps what arrived first: kept first
    expect(stream.hasReadable).toBe(true);
    const got = [...(stream.read(3) ?? [])];
    expect(got).toEqual([...all.subarray(0, 3)]);
    expect(counters.bytesRead).toBe(3);
    let rest: number[] = [];
    for (let b = stream.read(); b !== undefined; b = stream.read()) rest = [...rest, ...b];
    expect(rest.length).toBe(7);
    expect(counters.bytesRead).toBe(10);
  });

  test('reading half the window makes MAX_DATA due, at the consumed offset plus the window', () => {
    const { stream } = make();
    const path = makePath();
    stream.onData(0, bytes(600), false);
    stream.read(499);
    expect(stream.maxDataDue).toBe(false);
    expect(stream.flowFrames.framesDue).toBe(false);
    stream.read(1);
    expect(stream.maxDataDue).toBe(true);
    expect(stream.flowFrames.framesDue).toBe(true);
    const w = writer();
    stream.flowFrames.writeFrames(w, path, 0);
    expect(frames(w)).toEqual([{ type: 'maxData', maximumData: 1500 }]);
    expect(w.contents.maxData).toBe(1500);
    expect(w.ackEliciting).toBe(true);
    expect(stream.flowFrames.framesDue).toBe(false);
    // The new limit is enforced: up to 1500 is accepted, beyond is not.
    expect(stream.onData(600, bytes(900), false)).toBeUndefined();
    expect(stream.onData(1500, bytes(1), false)).toEqual({ reasonCode: ReasonCode.FlowControlError, reason: 'data beyond MAX_DATA' });
  });

  test('readEnded once the FIN arrived and everything before it was read', () => {
    const { stream } = make();
    stream.onData(0, bytes(4), true);
    expect(stream.readEnded).toBe(false);
    stream.read();
    expect(stream.readEnded).toBe(true);
  });
});

describe('DATA from the peer: errors returned, not thrown', () => {
  test('beyond MAX_DATA: FLOW_CONTROL_ERROR; nothing stored, nothing reported', () => {
    const { stream, types } = make();
    expect(stream.onData(0, bytes(1001), false)).toEqual({ reasonCode: ReasonCode.FlowControlError, reason: 'data beyond MAX_DATA' });
    expect(stream.onData(999, bytes(2), true)).toEqual({ reasonCode: ReasonCode.FlowControlError, reason: 'data beyond MAX_DATA' });
    expect(stream.hasReadable).toBe(false);
    expect(types()).toEqual([]);
    expect(stream.onData(0, bytes(1000), false)).toBeUndefined(); // exactly the window
  });

  test('a changed final size, or data past the FIN: FINAL_SIZE_ERROR', () => {
    const { stream } = make();
    expect(stream.onData(0, bytes(10), true)).toBeUndefined();
    expect(stream.onData(0, bytes(12), true)).toEqual({ reasonCode: ReasonCode.FinalSizeError, reason: 'final size changed' });
    expect(stream.onData(10, bytes(1), false)).toEqual({ reasonCode: ReasonCode.FinalSizeError, reason: 'final size changed' });
    expect(stream.onData(0, bytes(10), true)).toBeUndefined(); // the same FIN again is fine
  });

  test('beyond the final size a RESET gave: FINAL_SIZE_ERROR', () => {
    const { stream } = make();
    expect(stream.onReset(3, 100)).toBeUndefined();
    const error = { reasonCode: ReasonCode.FinalSizeError, reason: 'DATA beyond the RESET final size' };
    expect(stream.onData(90, bytes(11), false)).toEqual(error);
    expect(stream.onData(0, bytes(50), true)).toEqual(error); // a FIN elsewhere
    expect(stream.onData(90, bytes(10), false)).toBeUndefined();
    expect(stream.onData(0, bytes(100), true)).toBeUndefined();
  });

  test('too many out-of-order segments: LACK_OF_RESOURCES, on the insert past the bound and after', () => {
    const window = 16 * 1024;
    const { stream, types } = make({ initialWindowBytes: window, maxWindowBytes: window, sendBufferBytes: 100 });
    const bound = BASE_SEGMENT_LIMIT + Math.ceil(window / MERGE_BELOW_BYTES);
    // One-byte pieces with a hole before each: none is readable or merges with another.
    for (let i = 0; i < bound; i++) expect(stream.onData(2 * i + 1, Uint8Array.of(i & 0xff), false)).toBeUndefined();
    const error = { reasonCode: ReasonCode.LackOfResources, reason: 'too many out-of-order segments' };
    expect(stream.onData(2 * bound + 1, Uint8Array.of(1), false)).toEqual(error);
    expect(stream.onData(2 * bound + 3, Uint8Array.of(1), false)).toEqual(error);
    expect(types()).toEqual([]);
  });
});

describe('stream events', () => {
  test("'readable' when bytes become readable (not again while they stay so); 'finished' once at the FIN", () => {
    const { stream, types } = make();
    stream.onData(3, bytes(3), false);
    expect(types()).toEqual([]);
    stream.onData(0, bytes(3), false);
    expect(types()).toEqual(['readable']);
    stream.onData(6, bytes(3), false);
    expect(types()).toEqual(['readable']);
    stream.read();
    stream.read();
    expect(stream.hasReadable).toBe(false);
    stream.onData(9, bytes(1), true);
    expect(types()).toEqual(['readable', 'readable', 'finished']);
    stream.onData(9, bytes(1), true); // the FIN again
    stream.onData(0, bytes(10), true);
    expect(types()).toEqual(['readable', 'readable', 'finished']);
  });

  test("'finished' for an empty FIN too, with no 'readable'", () => {
    const { stream, types } = make();
    expect(stream.onData(0, new Uint8Array(0), true)).toBeUndefined();
    expect(types()).toEqual(['finished']);
    expect(stream.readEnded).toBe(true);
  });

  test("RESET: 'reset' once with the code; a repeat with the same final size is accepted silently", () => {
    const { stream, events } = make();
    stream.onData(0, bytes(20), false);
    events.length = 0;
    expect(stream.onReset(9, 30)).toBeUndefined();
    expect(events).toEqual([{ type: 'reset', applicationErrorCode: 9 }]);
    expect(stream.onReset(9, 30)).toBeUndefined();
    expect(stream.onReset(1, 30)).toBeUndefined();
    expect(events).toEqual([{ type: 'reset', applicationErrorCode: 9 }]);
  });

  test('RESET final size checks: below the data received, unlike the FIN, unlike an earlier RESET, beyond MAX_DATA', () => {
    const differs = { reasonCode: ReasonCode.FinalSizeError, reason: 'RESET final size differs from the data received' };
    const a = make();
    a.stream.onData(0, bytes(20), false);
    expect(a.stream.onReset(0, 19)).toEqual(differs);
    expect(a.stream.onReset(0, 20)).toBeUndefined(); // equal to what arrived is fine

    const b = make();
    b.stream.onData(0, bytes(20), true);
    expect(b.stream.onReset(0, 21)).toEqual(differs);
    expect(b.stream.onReset(0, 20)).toBeUndefined();

    const c = make();
    expect(c.stream.onReset(0, 50)).toBeUndefined();
    expect(c.stream.onReset(0, 51)).toEqual(differs);
    expect(c.types()).toEqual(['reset']);

    const d = make();
    expect(d.stream.onReset(0, 1001)).toEqual({ reasonCode: ReasonCode.FlowControlError, reason: 'RESET final size beyond MAX_DATA' });
    expect(d.types()).toEqual([]);
  });
});

describe('frame sources', () => {
  test('nothing due at first', () => {
    const { stream } = make();
    expect(stream.flowFrames.framesDue).toBe(false);
    expect(stream.resetFrames.framesDue).toBe(false);
    expect(stream.dataBlockedDue).toBeUndefined();
    expect(stream.resetDue).toBe(false);
    expect(stream.mayCarryData).toBe(true);
  });

  test('DATA_BLOCKED once per limit, at the limit that holds new data back', () => {
    const { stream } = make({ ...CONFIG, sendBufferBytes: 10_000 });
    const path = makePath();
    stream.write(bytes(50));
    expect(stream.dataBlockedDue).toBe(0);
    expect(stream.flowFrames.framesDue).toBe(true);
    const w = writer();
    stream.flowFrames.writeFrames(w, path, 0);
    expect(frames(w)).toEqual([{ type: 'dataBlocked', limit: 0 }]);
    expect(w.contents.dataBlocked).toBe(0);
    expect(stream.dataBlockedSent).toBe(1);
    expect(stream.dataBlockedDue).toBeUndefined();
    expect(stream.flowFrames.framesDue).toBe(false);
    stream.onMaxData(20);
    expect(stream.dataBlockedDue).toBeUndefined(); // not blocked while below the limit
    send(stream, path);
    expect(stream.dataBlockedDue).toBe(20);
    const w2 = writer();
    stream.flowFrames.writeFrames(w2, path, 0);
    expect(frames(w2)).toEqual([{ type: 'dataBlocked', limit: 20 }]);
    expect(stream.dataBlockedSent).toBe(2);
  });

  test('MAX_DATA and DATA_BLOCKED go in the same call, MAX_DATA first', () => {
    const { stream } = make({ ...CONFIG, sendBufferBytes: 10_000 });
    const path = makePath();
    stream.write(bytes(5));
    stream.onData(0, bytes(500), false);
    stream.read();
    const w = writer();
    stream.flowFrames.writeFrames(w, path, 0);
    expect(frames(w)).toEqual([
      { type: 'maxData', maximumData: 1500 },
      { type: 'dataBlocked', limit: 0 },
    ]);
  });

  test('RESET: written once with the code and the bytes sent as final size; no DATA or DATA_BLOCKED from reset() on', () => {
    const { stream } = make({ ...CONFIG, sendBufferBytes: 10_000 });
    const path = makePath();
    stream.onMaxData(30);
    stream.write(bytes(40));
    send(stream, path);
    stream.reset(77);
    expect(stream.resetDue).toBe(true);
    expect(stream.resetFrames.framesDue).toBe(true);
    expect(stream.mayCarryData).toBe(false); // from reset() on
    const w = writer();
    stream.resetFrames.writeFrames(w, path, 0);
    expect(frames(w)).toEqual([{ type: 'reset', applicationErrorCode: 77, finalSize: 30 }]); // 30 sent of 40 written
    expect(w.contents.reset).toBe(true);
    expect(w.ackEliciting).toBe(true);
    expect(stream.resetDue).toBe(false);
    expect(stream.resetFrames.framesDue).toBe(false);
    expect(stream.mayCarryData).toBe(false);
    // Blocked at 30 with 10 bytes unsent, but no DATA_BLOCKED after RESET.
    expect(stream.dataBlockedDue).toBeUndefined();
    expect(stream.flowFrames.framesDue).toBe(false);
  });
});

describe('what a lost packet queues again (onLost)', () => {
  test('its DATA, as a retransmission counted on the path and the connection', () => {
    const { stream, counters } = make();
    const path = makePath();
    stream.onMaxData(1000);
    stream.write(bytes(30));
    stream.finish();
    const c = send(stream, path);
    expect(stream.hasDataToSend).toBe(false);
    stream.onLost(c);
    expect(stream.hasDataToSend).toBe(true);
    const w = writer();
    expect(stream.writeData(w, path, -1)).toEqual({ end: 30, retransmission: true });
    expect(frames(w)).toEqual([{ type: 'data', offset: 0, data: bytes(30), fin: true, explicitLength: false }]);
    expect(counters.bytesRetransmitted).toBe(30);
    expect(path.stats.streamBytesRetransmitted).toBe(30);
    expect(path.stats.streamBytesSent).toBe(30);
  });

  test('its MAX_DATA while still the current limit (the same value again), not a superseded one', () => {
    const { stream } = make();
    const path = makePath();
    stream.onData(0, bytes(1000), false);
    stream.read(500);
    const first = writer();
    stream.flowFrames.writeFrames(first, path, 0);
    expect(first.contents.maxData).toBe(1500);
    stream.onLost(first.contents);
    expect(stream.flowFrames.framesDue).toBe(true);
    const again = writer();
    stream.flowFrames.writeFrames(again, path, 0);
    expect(frames(again)).toEqual([{ type: 'maxData', maximumData: 1500 }]);
    // A newer limit supersedes it: losing the old one queues nothing.
    stream.read(500);
    const newer = writer();
    stream.flowFrames.writeFrames(newer, path, 1e6); // long after: no auto-tuning
    expect(newer.contents.maxData).toBe(2000);
    stream.onLost(first.contents);
    expect(stream.flowFrames.framesDue).toBe(false);
  });

  test('its DATA_BLOCKED while still the last limit reported, not an older one', () => {
    const { stream } = make({ ...CONFIG, sendBufferBytes: 10_000 });
    const path = makePath();
    stream.write(bytes(50));
    const first = writer();
    stream.flowFrames.writeFrames(first, path, 0);
    stream.onLost(first.contents);
    expect(stream.dataBlockedDue).toBe(0);
    const again = writer();
    stream.flowFrames.writeFrames(again, path, 0);
    expect(frames(again)).toEqual([{ type: 'dataBlocked', limit: 0 }]);
    stream.onMaxData(10);
    send(stream, path);
    const newer = writer();
    stream.flowFrames.writeFrames(newer, path, 0);
    expect(newer.contents.dataBlocked).toBe(10);
    stream.onLost(again.contents); // the limit-0 frame: superseded
    expect(stream.dataBlockedDue).toBeUndefined();
    stream.onLost(newer.contents);
    expect(stream.dataBlockedDue).toBe(10);
  });

  test('its RESET, written again', () => {
    const { stream } = make();
    const path = makePath();
    stream.reset(5);
    const w = writer();
    stream.resetFrames.writeFrames(w, path, 0);
    stream.onLost(w.contents);
    expect(stream.resetFrames.framesDue).toBe(true);
    const again = writer();
    stream.resetFrames.writeFrames(again, path, 0);
    expect(frames(again)).toEqual([{ type: 'reset', applicationErrorCode: 5, finalSize: 0 }]);
  });

  test('onDataRequeued queues the data only, not MAX_DATA, DATA_BLOCKED or RESET', () => {
    const { stream } = make({ ...CONFIG, sendBufferBytes: 10_000 });
    const path = makePath();
    stream.onMaxData(10);
    stream.write(bytes(20));
    const data = send(stream, path);
    stream.onData(0, bytes(600), false);
    stream.read();
    stream.reset(1);
    const ctl = writer();
    stream.flowFrames.writeFrames(ctl, path, 0);
    stream.resetFrames.writeFrames(ctl, path, 0);
    const c = ctl.contents;
    c.dataOffset = data.dataOffset;
    c.dataLength = data.dataLength;
    expect(c.maxData).toBe(1600);
    expect(c.dataBlocked).toBe(10);
    expect(c.reset).toBe(true);
    stream.onDataRequeued(c);
    expect(stream.flowFrames.framesDue).toBe(false);
    expect(stream.resetFrames.framesDue).toBe(false);
    expect(stream.hasDataToSend).toBe(true); // the 10 bytes, as a retransmission
  });

  test('an empty record queues nothing', () => {
    const { stream } = make();
    stream.onLost(new PacketContents());
    expect(stream.hasDataToSend).toBe(false);
    expect(stream.flowFrames.framesDue).toBe(false);
    expect(stream.resetFrames.framesDue).toBe(false);
  });
});

describe('RESET final size', () => {
  test('is what was sent when the application reset, never beyond the peer\'s limit: the peer reports the reset', () => {
    const config = { initialWindowBytes: 1000, maxWindowBytes: 1000, sendBufferBytes: 4000 };
    const sender = make(config).stream;
    const receiver = make(config);
    const path = makePath();
    sender.onMaxData(1000); // the receiver's initial_max_data
    sender.write(bytes(2000)); // write() takes bytes beyond the peer's limit; flow control holds them back
    while (sender.writeData(writer(), path, -1) !== undefined);
    sender.reset(1);
    const w = writer();
    sender.resetFrames.writeFrames(w, path, 0);
    const [reset] = frames(w);
    expect(reset).toEqual({ type: 'reset', applicationErrorCode: 1, finalSize: 1000 });
    expect(receiver.stream.onReset(1, 1000)).toBeUndefined();
    expect(receiver.types()).toEqual(['reset']);
  });

  test('does not move: writes after reset() are refused, and a RESET sent again after a loss carries the same final size', () => {
    const { stream } = make();
    const path = makePath();
    stream.onMaxData(1000);
    stream.write(bytes(30));
    send(stream, path);
    stream.reset(4);
    expect(stream.write(bytes(10))).toBe(false);
    expect(stream.mayCarryData).toBe(false);
    const w = writer();
    stream.resetFrames.writeFrames(w, path, 0);
    stream.onLost(w.contents);
    const again = writer();
    stream.resetFrames.writeFrames(again, path, 0);
    expect(frames(w)).toEqual([{ type: 'reset', applicationErrorCode: 4, finalSize: 30 }]);
    expect(frames(again)).toEqual(frames(w));
  });
});
