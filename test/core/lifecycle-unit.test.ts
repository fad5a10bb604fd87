// Unit tests of Lifecycle (src/core/lifecycle.ts) on its own: the phases, the close reported once with
// the right reason and error, the CLOSE reply backoff while closing, the idle timeout and keep-alive,
// and the deadlines per phase. (test/core/lifecycle.test.ts covers the same ground end to end.)
import { describe, expect, test } from 'vitest';
import type { ClosedEvent, ConnectionEvent } from '../../src/core/connection-events.js';
import { Lifecycle } from '../../src/core/lifecycle.js';
import { ReasonCode } from '../../src/core/wire/index.js';
import { MptError, MptErrorCode } from '../../src/errors.js';

/** What the packet writer does with one path: takes the owed CLOSE for path 0, then finds no other path to send it on. */
function sendClose(lc: Lifecycle) {
  const frame = lc.takeCloseFrame(0, true);
  lc.closeSent();
  return frame;
}

const PTO_MS = 100;
const IDLE_MS = 30_000;
const KEEPALIVE_MS = 5_000;

/** A lifecycle whose PTO the test sets (`pto.ms`), and the events it emitted. */
function make(idleMs = IDLE_MS, keepAliveMs = 0) {
  const events: ConnectionEvent[] = [];
  const pto = { ms: PTO_MS };
  const lc = new Lifecycle(idleMs, keepAliveMs, () => pto.ms, (e) => events.push(e));
  const closed = (): ClosedEvent[] => events.filter((e): e is ClosedEvent => e.type === 'closed');
  return { lc, events, pto, closed };
}

function established(idleMs = IDLE_MS, keepAliveMs = 0) {
  const m = make(idleMs, keepAliveMs);
  m.lc.establish();
  return m;
}

describe('phases', () => {
  test('starts handshaking and open; establish() moves to established once', () => {
    const { lc, events } = make();
    expect(lc.state).toBe('handshaking');
    expect(lc.isOpen).toBe(true);
    expect(lc.isEstablished).toBe(false);
    lc.establish();
    expect(lc.state).toBe('established');
    expect(lc.isOpen).toBe(true);
    expect(lc.isEstablished).toBe(true);
    lc.establish();
    expect(lc.state).toBe('established');
    expect(events).toEqual([]);
  });

  test('establish() after a close does not reopen the connection', () => {
    const { lc } = make();
    lc.close(0, ReasonCode.ApplicationClose, 0, '', 'local', undefined, true);
    lc.establish();
    expect(lc.state).toBe('closing');
    expect(lc.isOpen).toBe(false);
    lc.end(ReasonCode.NoError, '', 'local', undefined);
    lc.establish();
    expect(lc.state).toBe('closed');
  });
});

describe('close with keys: the closing period', () => {
  test('enters closing, owes one CLOSE with the reason, and reports closed at once', () => {
    const { lc, closed } = established();
    lc.close(1_000, ReasonCode.ApplicationClose, 42, 'bye', 'local', undefined, true);
    expect(lc.state).toBe('closing');
    expect(lc.isOpen).toBe(false);
    expect(lc.isEstablished).toBe(false);
    expect(closed()).toEqual([{ type: 'closed', reasonCode: ReasonCode.ApplicationClose, applicationErrorCode: 42, reason: 'bye', initiator: 'local', error: undefined }]);
    expect(lc.closeDue).toBe(true);
    const frame = sendClose(lc);
    expect(frame).toEqual({ type: 'close', reasonCode: ReasonCode.ApplicationClose, applicationErrorCode: 42, reason: new TextEncoder().encode('bye') });
    // Taken: nothing more is owed until a packet arrives.
    expect(lc.closeDue).toBe(false);
    expect(sendClose(lc)).toBeUndefined();
  });

  test('a local close for a protocol reason carries a ProtocolViolation error; application close and NO_ERROR carry none', () => {
    const a = established();
    a.lc.close(0, ReasonCode.FlowControlError, 0, 'data beyond MAX_DATA', 'local', undefined, true);
    const error = a.closed()[0]!.error;
    expect(error).toBeInstanceOf(MptError);
    expect(error!.code).toBe(MptErrorCode.ProtocolViolation);
    expect(error!.message).toBe('closed: data beyond MAX_DATA');

    const b = established();
    b.lc.close(0, ReasonCode.NoError, 0, '', 'local', undefined, true);
    expect(b.closed()[0]!.error).toBeUndefined();

    const c = established();
    c.lc.close(0, ReasonCode.ApplicationClose, 7, '', 'local', undefined, true);
    expect(c.closed()[0]!.error).toBeUndefined();
  });

  test('an error handed in is reported as is; a non-local initiator with a protocol reason gets no made-up error', () => {
    const given = new MptError(MptErrorCode.KeyExhausted, 'keys used up');
    const a = established();
    a.lc.close(0, ReasonCode.KeyExhausted, 0, 'keys', 'local', given, true);
    expect(a.closed()[0]!.error).toBe(given);

    const b = established();
    b.lc.close(0, ReasonCode.ProtocolError, 0, 'x', 'handshake', undefined, true);
    expect(b.closed()).toEqual([{ type: 'closed', reasonCode: ReasonCode.ProtocolError, applicationErrorCode: 0, reason: 'x', initiator: 'handshake', error: undefined }]);
  });

  test('a second close, a drain or an end after it report nothing more', () => {
    const { lc, closed } = established();
    lc.close(0, ReasonCode.ApplicationClose, 1, 'first', 'local', undefined, true);
    lc.close(10, ReasonCode.ProtocolError, 2, 'second', 'local', undefined, true);
    expect(lc.state).toBe('closing');
    // The frame is still the first close's.
    expect(sendClose(lc)?.applicationErrorCode).toBe(1);
    lc.drain(20, ReasonCode.ProtocolError, 0, 'peer');
    expect(lc.state).toBe('draining');
    lc.end(ReasonCode.IdleTimeout, 'idle', 'idle-timeout', undefined);
    expect(lc.state).toBe('closed');
    expect(closed()).toHaveLength(1);
    expect(closed()[0]!.reason).toBe('first');
  });

  test('the closing period lasts three PTOs from the close, with the PTO at that time', () => {
    const { lc, pto } = established(0);
    pto.ms = 250;
    lc.close(1_000, ReasonCode.ApplicationClose, 0, '', 'local', undefined, true);
    pto.ms = 10; // later changes do not move the deadline
    expect(lc.nextTimeout()).toBe(1_750);
    expect(lc.handleTimeout(1_749)).toBe(true); // not open: nothing else runs
    expect(lc.state).toBe('closing');
    expect(lc.handleTimeout(1_750)).toBe(true);
    expect(lc.state).toBe('closed');
    expect(lc.nextTimeout()).toBeUndefined();
  });

  test("the peer's CLOSE while closing: draining from then, no CLOSE owed, no second report", () => {
    const { lc, closed } = established(0);
    lc.close(0, ReasonCode.ApplicationClose, 0, '', 'local', undefined, true);
    lc.drain(50, ReasonCode.NoError, 0, '');
    expect(lc.state).toBe('draining');
    expect(lc.closeDue).toBe(false);
    expect(sendClose(lc)).toBeUndefined();
    // The draining period starts at the drain, three PTOs long.
    expect(lc.nextTimeout()).toBe(50 + 3 * PTO_MS);
    expect(closed()).toHaveLength(1);
    expect(closed()[0]!.initiator).toBe('local');
  });
});

describe('close without keys', () => {
  test('ends at once, reports closed once with applicationErrorCode 0, and owes no CLOSE', () => {
    const { lc, closed } = make();
    const given = new MptError(MptErrorCode.HandshakeFailed, 'bad');
    lc.close(0, ReasonCode.HandshakeFailed, 9, 'bad message', 'handshake', given, false);
    expect(lc.state).toBe('closed');
    expect(lc.closeDue).toBe(false);
    expect(sendClose(lc)).toBeUndefined();
    expect(closed()).toEqual([{ type: 'closed', reasonCode: ReasonCode.HandshakeFailed, applicationErrorCode: 0, reason: 'bad message', initiator: 'handshake', error: given }]);
    lc.close(1, ReasonCode.ApplicationClose, 0, '', 'local', undefined, false);
    lc.end(ReasonCode.IdleTimeout, '', 'idle-timeout', undefined);
    expect(closed()).toHaveLength(1);
    expect(lc.nextTimeout()).toBeUndefined();
    expect(lc.handleTimeout(1e9)).toBe(true);
  });
});

describe('drain (the peer closed)', () => {
  test('from established: draining, reported with initiator peer and a PeerClosed error for an error reason', () => {
    const { lc, closed } = established(0);
    lc.drain(500, ReasonCode.ProtocolError, 0, 'bad frame');
    expect(lc.state).toBe('draining');
    expect(lc.isOpen).toBe(false);
    expect(lc.closeDue).toBe(false);
    expect(lc.nextTimeout()).toBe(500 + 3 * PTO_MS);
    const [e] = closed();
    expect(closed()).toHaveLength(1);
    expect(e).toMatchObject({ reasonCode: ReasonCode.ProtocolError, applicationErrorCode: 0, reason: 'bad frame', initiator: 'peer' });
    expect(e!.error!.code).toBe(MptErrorCode.PeerClosed);
    expect(e!.error!.message).toBe(`peer closed the connection: bad frame (reason ${ReasonCode.ProtocolError})`);
  });

  test('an application close or NO_ERROR from the peer carries no error, and the application code', () => {
    for (const code of [ReasonCode.ApplicationClose, ReasonCode.NoError]) {
      const { lc, closed } = established();
      lc.drain(0, code, 77, 'done');
      expect(closed()).toEqual([{ type: 'closed', reasonCode: code, applicationErrorCode: 77, reason: 'done', initiator: 'peer', error: undefined }]);
    }
  });

  test('while handshaking too; a second drain keeps the first deadline and reports nothing', () => {
    const { lc, closed } = make(0);
    lc.drain(100, ReasonCode.ApplicationClose, 0, '');
    lc.drain(200, ReasonCode.ProtocolError, 0, 'again');
    expect(lc.state).toBe('draining');
    expect(lc.nextTimeout()).toBe(100 + 3 * PTO_MS);
    expect(closed()).toHaveLength(1);
    // Packets while draining owe no CLOSE.
    lc.onPacketWhileClosing();
    expect(lc.closeDue).toBe(false);
    expect(lc.handleTimeout(400)).toBe(true);
    expect(lc.state).toBe('closed');
    lc.drain(500, ReasonCode.ApplicationClose, 0, '');
    expect(lc.state).toBe('closed');
    expect(closed()).toHaveLength(1);
  });
});

describe('end()', () => {
  test('from an open phase: closed, reported once with applicationErrorCode 0', () => {
    const { lc, closed } = established();
    const err = new MptError(MptErrorCode.HandshakeFailed, 'x');
    lc.end(ReasonCode.HandshakeFailed, 'failed', 'handshake', err);
    expect(lc.state).toBe('closed');
    expect(closed()).toEqual([{ type: 'closed', reasonCode: ReasonCode.HandshakeFailed, applicationErrorCode: 0, reason: 'failed', initiator: 'handshake', error: err }]);
    lc.end(ReasonCode.HandshakeFailed, 'failed', 'handshake', err);
    expect(closed()).toHaveLength(1);
  });

  test('from closing or draining: closed without a second report', () => {
    for (const enter of ['closing', 'draining'] as const) {
      const { lc, closed } = established();
      if (enter === 'closing') lc.close(0, ReasonCode.ApplicationClose, 0, '', 'local', undefined, true);
      else lc.drain(0, ReasonCode.ApplicationClose, 0, '');
      lc.end(ReasonCode.IdleTimeout, 'idle', 'idle-timeout', undefined);
      expect(lc.state).toBe('closed');
      expect(lc.closeDue).toBe(false);
      expect(closed()).toHaveLength(1);
    }
  });
});

describe('CLOSE replies while closing (RFC 9000 §10.2.1)', () => {
  test('repeated on the 1st, 2nd, 4th, 8th and 16th packet received, not in between', () => {
    const { lc } = established();
    lc.close(0, ReasonCode.ApplicationClose, 0, '', 'local', undefined, true);
    expect(sendClose(lc)).toBeDefined(); // the first CLOSE
    const repliedAt: number[] = [];
    for (let n = 1; n <= 20; n++) {
      lc.onPacketWhileClosing();
      const due = lc.closeDue;
      const frame = sendClose(lc);
      expect(frame !== undefined).toBe(due);
      if (frame !== undefined) repliedAt.push(n);
    }
    expect(repliedAt).toEqual([1, 2, 4, 8, 16]);
  });

  test('an owed CLOSE not yet sent stays owed (one frame, not one per packet)', () => {
    const { lc } = established();
    lc.close(0, ReasonCode.ApplicationClose, 3, '', 'local', undefined, true);
    lc.onPacketWhileClosing();
    lc.onPacketWhileClosing();
    lc.onPacketWhileClosing();
    expect(lc.closeDue).toBe(true);
    const first = sendClose(lc);
    expect(first?.applicationErrorCode).toBe(3);
    expect(sendClose(lc)).toBeUndefined();
    // Three counted, the next reply is at the 4th.
    lc.onPacketWhileClosing();
    expect(sendClose(lc)).toBe(first);
  });

  test('an owed CLOSE goes once on each path: the first it is offered to, then every validated one; the round ends when no path takes it', () => {
    const { lc } = established();
    lc.close(0, ReasonCode.ApplicationClose, 5, '', 'local', undefined, true);
    const first = lc.takeCloseFrame(1, true);
    expect(first?.applicationErrorCode).toBe(5);
    expect(lc.takeCloseFrame(1, true)).toBeUndefined(); // that path has it
    expect(lc.takeCloseFrame(0, true)).toBe(first); // another validated path gets it too
    expect(lc.takeCloseFrame(2, false)).toBeUndefined(); // an unvalidated one only when it is the first
    expect(lc.closeDue).toBe(true);
    lc.closeSent();
    expect(lc.closeDue).toBe(false);
    expect(lc.takeCloseFrame(3, true)).toBeUndefined();
    // The next reply goes on every path again.
    lc.onPacketWhileClosing();
    expect(lc.takeCloseFrame(1, true)).toBe(first);
    expect(lc.takeCloseFrame(0, true)).toBe(first);
    lc.closeSent();
    expect(lc.closeDue).toBe(false);
  });

  test('an unvalidated path may carry the CLOSE when it is the first offered it', () => {
    const { lc } = established();
    lc.close(0, ReasonCode.ApplicationClose, 0, '', 'local', undefined, true);
    expect(lc.takeCloseFrame(0, false)).toBeDefined();
  });

  test('does nothing outside the closing phase', () => {
    const { lc } = established();
    lc.onPacketWhileClosing();
    expect(lc.closeDue).toBe(false);
    expect(sendClose(lc)).toBeUndefined();
    expect(lc.state).toBe('established');
  });
});

describe('idle timeout', () => {
  test('touch() arms it at the timeout from now; each received packet restarts it', () => {
    const { lc } = established();
    lc.touch(1_000);
    expect(lc.nextTimeout()).toBe(1_000 + IDLE_MS);
    lc.onPacketReceived(5_000);
    expect(lc.nextTimeout()).toBe(5_000 + IDLE_MS);
  });

  test('never below three PTOs', () => {
    const { lc, pto } = established(200);
    lc.touch(0);
    expect(lc.nextTimeout()).toBe(300); // 3 x 100 > 200
    pto.ms = 50;
    lc.touch(0);
    expect(lc.nextTimeout()).toBe(200); // 3 x 50 < 200
  });

  test('0 turns it off: no deadline', () => {
    const { lc } = established(0);
    lc.touch(0);
    lc.onPacketReceived(10);
    lc.onAckElicitingSent(20);
    expect(lc.nextTimeout()).toBeUndefined();
    expect(lc.handleTimeout(1e12)).toBe(false);
    expect(lc.state).toBe('established');
  });

  test('only the first ack-eliciting packet sent since a packet arrived restarts it', () => {
    const { lc } = established();
    lc.onPacketReceived(0);
    lc.onAckElicitingSent(1_000);
    expect(lc.nextTimeout()).toBe(1_000 + IDLE_MS);
    lc.onAckElicitingSent(2_000);
    expect(lc.nextTimeout()).toBe(1_000 + IDLE_MS);
    lc.onPacketReceived(3_000);
    expect(lc.nextTimeout()).toBe(3_000 + IDLE_MS);
    lc.onAckElicitingSent(4_000);
    expect(lc.nextTimeout()).toBe(4_000 + IDLE_MS);
  });

  test('fires at the deadline: closed, reported once as an idle timeout with ETIMEDOUT', () => {
    const { lc, closed } = established();
    lc.touch(0);
    expect(lc.handleTimeout(IDLE_MS - 1)).toBe(false);
    expect(lc.state).toBe('established');
    expect(closed()).toEqual([]);
    expect(lc.handleTimeout(IDLE_MS)).toBe(true);
    expect(lc.state).toBe('closed');
    const [e] = closed();
    expect(closed()).toHaveLength(1);
    expect(e).toMatchObject({ type: 'closed', reasonCode: ReasonCode.IdleTimeout, applicationErrorCode: 0, reason: 'idle timeout', initiator: 'idle-timeout' });
    expect(e!.error!.code).toBe(MptErrorCode.IdleTimeout);
    expect(e!.error!.code).toBe('ETIMEDOUT');
    expect(lc.handleTimeout(IDLE_MS * 2)).toBe(true);
    expect(closed()).toHaveLength(1);
  });

  test('while handshaking too', () => {
    const { lc, closed } = make(1_000);
    lc.touch(0);
    expect(lc.handleTimeout(1_000)).toBe(true);
    expect(lc.state).toBe('closed');
    expect(closed()[0]!.initiator).toBe('idle-timeout');
  });

  test('the idle deadline still ends a closing period that would outlast it, silently', () => {
    const { lc, closed, pto } = established(1_000);
    pto.ms = 10;
    lc.touch(0); // idle at 1000
    pto.ms = 500;
    lc.close(900, ReasonCode.ApplicationClose, 0, '', 'local', undefined, true); // closing ends at 2400
    expect(lc.nextTimeout()).toBe(1_000);
    expect(lc.handleTimeout(1_000)).toBe(true);
    expect(lc.state).toBe('closed');
    expect(closed()).toHaveLength(1);
    expect(closed()[0]!.reasonCode).toBe(ReasonCode.ApplicationClose);
  });
});

describe('negotiateIdleTimeout (RFC 9000 §10.1)', () => {
  const cases: [ours: number, peer: number, effective: number | undefined][] = [
    [30_000, 10_000, 10_000], // the smaller
    [10_000, 30_000, 10_000],
    [30_000, 0, 30_000], // the peer's 0: ours
    [0, 20_000, 20_000], // ours 0: the peer's
    [0, 0, undefined], // neither: none
  ];
  test.each(cases)('ours %i, peer %i: %s', (ours, peer, effective) => {
    const { lc, pto } = established(ours);
    pto.ms = 1;
    lc.negotiateIdleTimeout(peer);
    lc.touch(0);
    expect(lc.nextTimeout()).toBe(effective);
  });
});

describe('keep-alive', () => {
  test('armed by each packet sent, at the interval after it; not before the first', () => {
    const { lc } = established(0, KEEPALIVE_MS);
    expect(lc.nextTimeout()).toBeUndefined();
    lc.onPacketSent(1_000);
    expect(lc.nextTimeout()).toBe(1_000 + KEEPALIVE_MS);
    lc.onPacketSent(2_000);
    expect(lc.nextTimeout()).toBe(2_000 + KEEPALIVE_MS);
  });

  test('the earlier of keep-alive and idle is the deadline', () => {
    const { lc } = established(IDLE_MS, KEEPALIVE_MS);
    lc.touch(0);
    lc.onPacketSent(0);
    expect(lc.nextTimeout()).toBe(KEEPALIVE_MS);
    const long = established(3_000, KEEPALIVE_MS);
    long.lc.touch(0);
    long.lc.onPacketSent(0);
    expect(long.lc.nextTimeout()).toBe(3_000);
  });

  test('when due, a PING is owed (handleTimeout returns false) until onPingSent; the next packet sent re-arms it', () => {
    const { lc } = established(0, KEEPALIVE_MS);
    lc.onPacketSent(0);
    expect(lc.handleTimeout(KEEPALIVE_MS - 1)).toBe(false);
    expect(lc.pingDue).toBe(false);
    expect(lc.handleTimeout(KEEPALIVE_MS)).toBe(false);
    expect(lc.pingDue).toBe(true);
    // Disarmed until a packet goes.
    expect(lc.nextTimeout()).toBeUndefined();
    expect(lc.pingDue).toBe(true);
    lc.onPingSent();
    expect(lc.pingDue).toBe(false);
    lc.onPacketSent(KEEPALIVE_MS + 10);
    expect(lc.nextTimeout()).toBe(2 * KEEPALIVE_MS + 10);
  });

  test('setKeepAlive arms from now, 0 or less turns it off', () => {
    const { lc } = established(0, 0);
    lc.onPacketSent(0);
    expect(lc.nextTimeout()).toBeUndefined();
    lc.setKeepAlive(100, 1_000);
    expect(lc.nextTimeout()).toBe(1_100);
    lc.onPacketSent(500);
    expect(lc.nextTimeout()).toBe(1_500);
    lc.setKeepAlive(600, 0);
    expect(lc.nextTimeout()).toBeUndefined();
    lc.onPacketSent(700);
    expect(lc.nextTimeout()).toBeUndefined();
    lc.setKeepAlive(800, -5);
    lc.onPacketSent(900);
    expect(lc.nextTimeout()).toBeUndefined();
    expect(lc.handleTimeout(1e9)).toBe(false);
    expect(lc.pingDue).toBe(false);
  });

  test('ignored while closing or draining: the deadline is the period end, no PING owed', () => {
    const { lc } = established(0, KEEPALIVE_MS);
    lc.onPacketSent(0);
    lc.close(100, ReasonCode.ApplicationClose, 0, '', 'local', undefined, true);
    expect(lc.nextTimeout()).toBe(100 + 3 * PTO_MS);
    // The keep-alive time (5000) is past the closing period: the period ends first and nothing is owed.
    const d = established(0, 50);
    d.lc.onPacketSent(0);
    d.lc.drain(10, ReasonCode.ApplicationClose, 0, '');
    expect(d.lc.nextTimeout()).toBe(10 + 3 * PTO_MS);
    expect(d.lc.handleTimeout(60)).toBe(true);
    expect(d.lc.pingDue).toBe(false);
  });
});
