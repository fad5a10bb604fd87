// Unit tests of PathSet (src/core/path-set.ts): the CIDs it issues for the agreed path limit, the path
// id window, which paths either end may open, the peer's NEW_CONNECTION_ID taken or ignored, retiring
// CIDs when a path is abandoned or forgotten, our NEW_CONNECTION_ID frames written (leaving room for
// data) and sent again once when lost, and the paths' own timers. Paths are real Path objects, made
// as Connection.createPath makes them.
import { describe, expect, test } from 'vitest';
import { RenoController } from '../../src/cc/reno.js';
import { AddressValidation } from '../../src/core/address-validation.js';
import { FrameWriter, MIN_DATA_ROOM } from '../../src/core/frame-writer.js';
import { PacketContents } from '../../src/core/packet-contents.js';
import { Path } from '../../src/core/path.js';
import { PathSet, type PathTimerActions } from '../../src/core/path-set.js';
import type { SocketAddress } from '../../src/core/socket-address.js';
import { decodeFrames, frameLength, type Frame, type NewConnectionIdFrame } from '../../src/core/wire/index.js';

const LOCAL: SocketAddress = { host: '10.0.0.1', port: 5000 };
const REMOTE: SocketAddress = { host: '10.0.0.2', port: 443 };
const INITIAL_RTT_MS = 100;
const MAX_ACK_DELAY_MS = 25;
/** PTO base before any sample: srtt + 4 x (srtt / 2) + max_ack_delay. */
const INITIAL_PTO_MS = INITIAL_RTT_MS + 4 * (INITIAL_RTT_MS / 2) + MAX_ACK_DELAY_MS; // 325

const HANDSHAKE_CID = Uint8Array.of(0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa);

/** Our n-th issued CID (8 bytes). */
function issued(n: number): Uint8Array {
  return Uint8Array.of(0xc0, 0, 0, 0, 0, 0, 0, n);
}

/** A peer CID for a path id. */
function peerCid(id: number): Uint8Array {
  return Uint8Array.of(0xb0, 0, 0, 0, 0, 0, 0, id);
}

/** A path set whose issued and retired CIDs the test sees. */
function makeSet(options: { issue?: boolean } = {}) {
  let n = 0;
  const retired: Uint8Array[] = [];
  let tokens = 0;
  const set = new PathSet(
    HANDSHAKE_CID,
    options.issue === false ? undefined : () => issued(++n),
    (cid) => retired.push(cid),
    (len) => new Uint8Array(len).fill(++tokens),
  );
  return { set, retired };
}

/** A path as Connection.createPath builds it: path 0 takes the handshake's address validation. */
function makePath(id: number, options: { local?: Uint8Array; remote?: Uint8Array; handshake?: boolean; amplificationLimited?: boolean } = {}): Path {
  return new Path({
    id,
    local: LOCAL,
    remote: REMOTE,
    localCid: options.local ?? (id === 0 ? HANDSHAKE_CID : issued(id)),
    remoteCid: options.remote ?? peerCid(id),
    cc: new RenoController({ maxDatagramSizeBytes: 1200, nowMs: 0 }),
    initialRttMs: INITIAL_RTT_MS,
    peerMaxAckDelayMs: MAX_ACK_DELAY_MS,
    localMaxAckDelayMs: MAX_ACK_DELAY_MS,
    ackDelayExponent: 3,
    baseDatagramBytes: 1200,
    maxDatagramBytes: 1200,
    handshakeValidation: (options.handshake ?? id === 0) ? new AddressValidation(true) : undefined,
    amplificationLimited: options.amplificationLimited ?? false,
  });
}

/** Decodes what a FrameWriter holds. */
function written(w: FrameWriter): Frame[] {
  if (w.at === 0) return [];
  return decodeFrames(w.buf.subarray(0, w.at))._unsafeUnwrap();
}

/** The length of our NEW_CONNECTION_ID frame for a path id (8-byte CID). */
function ncidLength(pathId: number): number {
  return frameLength({ type: 'newConnectionId', pathId, sequenceNumber: 0, retirePriorTo: 0, connectionId: issued(1), statelessResetToken: new Uint8Array(16) });
}

describe('CIDs and path ids', () => {
  test('before the handshake: only the handshake CID, for path 0; no path can be opened', () => {
    const { set } = makeSet();
    expect(set.localCids).toEqual([HANDSHAKE_CID]);
    expect(set.localCidPathIds).toEqual([0]);
    expect(set.idForCid(HANDSHAKE_CID)).toBe(0);
    expect(set.idForCid(issued(1))).toBe(-1);
    expect(set.framesDue).toBe(false);
    expect(set.readyForPaths).toBe(true); // one path allowed: nothing to wait for
    expect(set.nextOpenable()).toBeUndefined();
    expect(set.peerMayOpen(1)).toBe(false);
    expect(set.openCount).toBe(0);
  });

  test('issueForLimit issues one CID per further path the smaller limit allows, each found by idForCid', () => {
    const { set } = makeSet();
    set.issueForLimit(4, 3);
    expect(set.localCids).toEqual([HANDSHAKE_CID, issued(1), issued(2)]);
    expect(set.localCidPathIds).toEqual([0, 1, 2]);
    expect(set.idForCid(issued(1))).toBe(1);
    expect(set.idForCid(issued(2).slice())).toBe(2); // by value, not identity
    expect(set.idForCid(issued(3))).toBe(-1);
    expect(set.framesDue).toBe(true);
    expect(set.cidsFor(2)).toEqual({ local: issued(2), remote: undefined });
  });

  test('a limit of one issues nothing; no issuer means no further paths at all', () => {
    const one = makeSet();
    one.set.issueForLimit(1, 8);
    expect(one.set.localCids).toHaveLength(1);
    expect(one.set.framesDue).toBe(false);

    const none = makeSet({ issue: false });
    none.set.issueForLimit(8, 8);
    none.set.issueNext();
    expect(none.set.localCids).toEqual([HANDSHAKE_CID]);
    expect(none.set.framesDue).toBe(false);
    expect(none.set.readyForPaths).toBe(true);
    expect(none.set.peerMayOpen(1)).toBe(false);
  });

  test('inWindow: ids below the next unused id plus twice the limit', () => {
    const { set } = makeSet();
    expect(set.inWindow(2)).toBe(true); // 1 + 2 x 1
    expect(set.inWindow(3)).toBe(false);
    set.issueForLimit(3, 3);
    set.add(makePath(0));
    expect(set.inWindow(6)).toBe(true); // 1 + 2 x 3 = 7
    expect(set.inWindow(7)).toBe(false);
    set.add(makePath(1));
    expect(set.inWindow(7)).toBe(true); // 2 + 6 = 8
    expect(set.inWindow(8)).toBe(false);
  });

  test('peerMayOpen: an id above 0 with a CID of ours, while fewer paths than the limit are open', () => {
    const { set } = makeSet();
    set.issueForLimit(3, 3);
    set.add(makePath(0));
    expect(set.peerMayOpen(0)).toBe(false);
    expect(set.peerMayOpen(1)).toBe(true);
    expect(set.peerMayOpen(2)).toBe(true);
    expect(set.peerMayOpen(3)).toBe(false); // no CID issued for it
    const p1 = makePath(1);
    set.add(p1);
    set.add(makePath(2));
    expect(set.openCount).toBe(3);
    expect(set.peerMayOpen(2)).toBe(false); // the limit
    p1.closed = true;
    expect(set.openCount).toBe(2);
    expect(set.peerMayOpen(2)).toBe(true);
  });

  test('nextOpenable and readyForPaths wait for the peer CID of the next id; the remote CID is a copy', () => {
    const { set } = makeSet();
    set.issueForLimit(3, 3);
    set.add(makePath(0));
    expect(set.readyForPaths).toBe(false);
    expect(set.nextOpenable()).toBeUndefined();
    set.onNewConnectionId(2, 0, peerCid(2)); // not the next id
    expect(set.readyForPaths).toBe(false);
    expect(set.nextOpenable()).toBeUndefined();
    const cid = peerCid(1);
    set.onNewConnectionId(1, 0, cid);
    cid.fill(0); // the frame's buffer is reused
    expect(set.readyForPaths).toBe(true);
    expect(set.nextOpenable()).toEqual({ id: 1, local: issued(1), remote: peerCid(1) });
    set.add(makePath(1));
    expect(set.nextOpenable()).toEqual({ id: 2, local: issued(2), remote: peerCid(2) });
    set.add(makePath(2));
    expect(set.nextOpenable()).toBeUndefined(); // three open: the limit
  });
});

describe('NEW_CONNECTION_ID from the peer', () => {
  function ready() {
    const m = makeSet();
    m.set.issueForLimit(3, 3);
    m.set.add(makePath(0));
    return m;
  }

  test('ignored for path 0, beyond the window, or with a sequence number other than 0', () => {
    const { set } = ready();
    set.onNewConnectionId(0, 0, peerCid(9));
    set.onNewConnectionId(7, 0, peerCid(7)); // window: ids < 1 + 2 x 3
    set.onNewConnectionId(1, 1, peerCid(1));
    expect(set.cidsFor(0).remote).toBeUndefined();
    expect(set.cidsFor(7).remote).toBeUndefined();
    expect(set.cidsFor(1).remote).toBeUndefined();
    set.onNewConnectionId(6, 0, peerCid(6)); // the window's last id is taken
    expect(set.cidsFor(6).remote).toEqual(peerCid(6));
  });

  test('only the first per path id is kept', () => {
    const { set } = ready();
    set.onNewConnectionId(1, 0, peerCid(1));
    set.onNewConnectionId(1, 0, Uint8Array.of(1, 2, 3, 4));
    expect(set.cidsFor(1).remote).toEqual(peerCid(1));
  });

  test('a path the peer opened before its CID arrived takes it (and can send)', () => {
    const { set } = ready();
    const p1 = makePath(1, { remote: new Uint8Array(0), amplificationLimited: true });
    set.add(p1);
    expect(p1.hasRemoteCid).toBe(false);
    set.onNewConnectionId(1, 0, peerCid(1));
    expect(p1.hasRemoteCid).toBe(true);
    expect(p1.remoteCid).toEqual(peerCid(1));
  });

  test('ignored for an id already used: a forgotten path, a closed one, or one that has its CID', () => {
    const { set } = ready();
    // A path with a CID already (we opened it with the peer's first CID for it).
    const p1 = makePath(1);
    set.add(p1);
    set.onNewConnectionId(1, 0, Uint8Array.of(9, 9, 9, 9));
    expect(p1.remoteCid).toEqual(peerCid(1));
    // A closed path without a CID.
    const p2 = makePath(2, { remote: new Uint8Array(0) });
    p2.closed = true;
    set.add(p2);
    set.onNewConnectionId(2, 0, peerCid(2));
    expect(p2.hasRemoteCid).toBe(false);
    expect(set.cidsFor(2).remote).toBeUndefined();
    // A forgotten path (its id below the next unused id, no Path any more).
    set.forget(p2);
    set.onNewConnectionId(2, 0, peerCid(2));
    expect(set.cidsFor(2).remote).toBeUndefined();
  });
});

describe('retiring CIDs', () => {
  test('onUnopenedAbandoned retires our CID for the id, takes the id, and issues one for a new id', () => {
    const { set, retired } = makeSet();
    set.issueForLimit(3, 3);
    set.add(makePath(0));
    set.onNewConnectionId(1, 0, peerCid(1));
    set.onUnopenedAbandoned(1);
    expect(retired).toEqual([issued(1)]);
    expect(set.idForCid(issued(1))).toBe(-1);
    expect(set.localCids).toEqual([HANDSHAKE_CID, issued(2), issued(3)]);
    expect(set.localCidPathIds).toEqual([0, 2, 3]);
    expect(set.cidsFor(1)).toEqual({ local: undefined, remote: undefined });
    expect(set.peerMayOpen(1)).toBe(false);
    // The id is spent: the next path we open is 2.
    set.onNewConnectionId(2, 0, peerCid(2));
    expect(set.nextOpenable()).toEqual({ id: 2, local: issued(2), remote: peerCid(2) });
  });

  test('onUnopenedAbandoned ignores path 0 and ids we issued no CID for (or retired already)', () => {
    const { set, retired } = makeSet();
    set.issueForLimit(3, 3);
    set.onUnopenedAbandoned(0);
    set.onUnopenedAbandoned(-1);
    set.onUnopenedAbandoned(5);
    expect(retired).toEqual([]);
    set.onUnopenedAbandoned(2);
    set.onUnopenedAbandoned(2);
    expect(retired).toEqual([issued(2)]);
    expect(set.localCids).toEqual([HANDSHAKE_CID, issued(1), issued(3)]);
  });

  test('forget drops the path and retires its CID through the callback, and the peer CID with it', () => {
    const { set, retired } = makeSet();
    set.issueForLimit(3, 3);
    const p0 = makePath(0);
    const p1 = makePath(1);
    set.add(p0);
    set.onNewConnectionId(1, 0, peerCid(1));
    set.add(p1);
    set.forget(p1);
    expect(set.paths).toEqual([p0]);
    expect(set.byId(1)).toBeUndefined();
    expect(retired).toEqual([issued(1)]);
    expect(set.idForCid(issued(1))).toBe(-1);
    expect(set.cidsFor(1)).toEqual({ local: undefined, remote: undefined });
    // Forgetting issues nothing by itself; the id stays taken.
    expect(set.localCids).toEqual([HANDSHAKE_CID, issued(2)]);
    expect(set.inWindow(7)).toBe(true); // 2 + 2 x 3: the id is not given back
    // Path 0's CID is the handshake's.
    set.forget(p0);
    expect(retired).toEqual([issued(1), HANDSHAKE_CID]);
    expect(set.paths).toEqual([]);
  });
});

describe('NEW_CONNECTION_ID out (FrameSource)', () => {
  test('writes one frame per pending id, with our CID and a fresh reset token, and records each for its ACK or loss', () => {
    const { set } = makeSet();
    set.issueForLimit(3, 3);
    const w = new FrameWriter(new Uint8Array(1500), 1000);
    set.writeFrames(w);
    const frames = written(w) as NewConnectionIdFrame[];
    expect(frames).toEqual([
      { type: 'newConnectionId', pathId: 1, sequenceNumber: 0, retirePriorTo: 0, connectionId: issued(1), statelessResetToken: new Uint8Array(16).fill(1) },
      { type: 'newConnectionId', pathId: 2, sequenceNumber: 0, retirePriorTo: 0, connectionId: issued(2), statelessResetToken: new Uint8Array(16).fill(2) },
    ]);
    expect(w.ackEliciting).toBe(true);
    expect(w.contents.records).toEqual([
      { owner: set, token: 1 },
      { owner: set, token: 2 },
    ]);
    expect(set.framesDue).toBe(false);
  });

  test('leaves MIN_DATA_ROOM free: a frame that would eat into it waits for the next packet', () => {
    const { set } = makeSet();
    set.issueForLimit(3, 3);
    const len = ncidLength(1);
    const tight = new FrameWriter(new Uint8Array(1500), 2 * len + MIN_DATA_ROOM - 1);
    set.writeFrames(tight);
    expect(written(tight).map((f) => (f as NewConnectionIdFrame).pathId)).toEqual([1]);
    expect(tight.room).toBe(len + MIN_DATA_ROOM - 1);
    expect(set.framesDue).toBe(true);

    const exact = new FrameWriter(new Uint8Array(1500), len + MIN_DATA_ROOM);
    set.writeFrames(exact);
    expect(written(exact).map((f) => (f as NewConnectionIdFrame).pathId)).toEqual([2]);
    expect(exact.room).toBe(MIN_DATA_ROOM);
    expect(set.framesDue).toBe(false);

    const none = makeSet();
    none.set.issueForLimit(2, 2);
    const small = new FrameWriter(new Uint8Array(1500), len + MIN_DATA_ROOM - 1);
    none.set.writeFrames(small);
    expect(small.at).toBe(0);
    expect(small.contents.records).toBeUndefined();
    expect(none.set.framesDue).toBe(true);
  });

  test('a lost frame is sent again, once however often it is reported; an acknowledged one is not', () => {
    const { set } = makeSet();
    set.issueForLimit(3, 3);
    const first = new FrameWriter(new Uint8Array(1500), 1000);
    set.writeFrames(first);
    set.onFrameAcked(1);
    first.contents.loseRecords(); // both frames' packet lost...
    set.onFrameLost(2); // ...and path 2's frame reported lost again (a requeue of outstanding packets)
    expect(set.framesDue).toBe(true);
    const again = new FrameWriter(new Uint8Array(1500), 1000);
    set.writeFrames(again);
    expect(written(again).map((f) => (f as NewConnectionIdFrame).pathId)).toEqual([1, 2]);
    // The same CID and token as the first time.
    expect(written(again)).toEqual(written(first));
    expect(set.framesDue).toBe(false);
    // Acknowledged: nothing more.
    again.contents.ackRecords();
    expect(set.framesDue).toBe(false);
  });

  test('a pending frame for an id retired before it went out is dropped, not written', () => {
    const { set } = makeSet();
    set.issueForLimit(3, 3);
    set.onUnopenedAbandoned(1); // retires 1, issues 3
    const w = new FrameWriter(new Uint8Array(1500), 1000);
    set.writeFrames(w);
    expect(written(w).map((f) => (f as NewConnectionIdFrame).pathId)).toEqual([2, 3]);
    // A loss reported after the retirement: nothing is written for it.
    set.onFrameLost(1);
    const later = new FrameWriter(new Uint8Array(1500), 1000);
    set.writeFrames(later);
    expect(later.at).toBe(0);
    expect(set.framesDue).toBe(false);
  });
});

describe("the paths' timers", () => {
  /** Records what the timers asked the connection to do, in order. */
  function recorder() {
    const calls: string[] = [];
    const actions: PathTimerActions = {
      forget: (p) => calls.push(`forget ${p.id}`),
      validationFailed: (p) => calls.push(`validationFailed ${p.id}`),
      lossTimeout: (p, now) => calls.push(`lossTimeout ${p.id} @${now}`),
    };
    return { calls, actions };
  }
  const neverBlocked = { sendBlocked: () => false };
  const alwaysBlocked = { sendBlocked: () => true };

  test('idle paths have no deadline', () => {
    const { set } = makeSet();
    expect(set.nextTimeout(INITIAL_RTT_MS, neverBlocked)).toBeUndefined();
    set.add(makePath(0));
    set.add(makePath(1));
    expect(set.nextTimeout(INITIAL_RTT_MS, neverBlocked)).toBeUndefined();
    const { calls, actions } = recorder();
    set.handleTimeout(1e9, INITIAL_RTT_MS, neverBlocked, actions);
    expect(calls).toEqual([]);
  });

  test('the loss timer: a PTO after the last ack-eliciting packet; it fires lossTimeout', () => {
    const { set } = makeSet();
    const p0 = makePath(0);
    set.add(p0);
    p0.loss.onPacketSent(0, 1_000, 1200, true, true, new PacketContents());
    expect(set.nextTimeout(INITIAL_RTT_MS, neverBlocked)).toBe(1_000 + INITIAL_PTO_MS);
    const { calls, actions } = recorder();
    set.handleTimeout(1_000 + INITIAL_PTO_MS - 1, INITIAL_RTT_MS, neverBlocked, actions);
    expect(calls).toEqual([]);
    set.handleTimeout(1_000 + INITIAL_PTO_MS, INITIAL_RTT_MS, neverBlocked, actions);
    expect(calls).toEqual([`lossTimeout 0 @${1_000 + INITIAL_PTO_MS}`]);
  });

  test('an ACK delay counts unless the path cannot send', () => {
    const { set } = makeSet();
    const p0 = makePath(0);
    set.add(p0);
    p0.acks.onPacketReceived(0, true, 500);
    expect(set.nextTimeout(INITIAL_RTT_MS, neverBlocked)).toBe(500 + MAX_ACK_DELAY_MS);
    expect(set.nextTimeout(INITIAL_RTT_MS, alwaysBlocked)).toBeUndefined();
  });

  test('a path that cannot send arms no probe timer (RFC 9002 §6.2.2.1), and it does not fire', () => {
    const { set } = makeSet();
    const p0 = makePath(0);
    set.add(p0);
    p0.loss.onPacketSent(0, 1_000, 1200, true, true, new PacketContents());
    expect(set.nextTimeout(INITIAL_RTT_MS, alwaysBlocked)).toBeUndefined();
    const { calls, actions } = recorder();
    set.handleTimeout(1_000 + INITIAL_PTO_MS, INITIAL_RTT_MS, alwaysBlocked, actions);
    expect(calls).toEqual([]);
    // Unblocked (a datagram arrived): the probe timer is due at once.
    expect(set.nextTimeout(INITIAL_RTT_MS, neverBlocked)).toBe(1_000 + INITIAL_PTO_MS);
  });

  test('a closed path counts only its forgetting time, then is handed to forget', () => {
    const { set } = makeSet();
    const p0 = makePath(0);
    const p1 = makePath(1);
    set.add(p0);
    set.add(p1);
    p1.loss.onPacketSent(0, 0, 1200, true, true, new PacketContents());
    p1.close(2_000);
    expect(p1.forgetAtMs).toBe(2_000 + 3 * INITIAL_PTO_MS);
    expect(set.nextTimeout(INITIAL_RTT_MS, neverBlocked)).toBe(2_000 + 3 * INITIAL_PTO_MS);
    const { calls, actions } = recorder();
    set.handleTimeout(2_000 + 3 * INITIAL_PTO_MS - 1, INITIAL_RTT_MS, neverBlocked, actions);
    expect(calls).toEqual([]);
    set.handleTimeout(2_000 + 3 * INITIAL_PTO_MS, INITIAL_RTT_MS, neverBlocked, actions);
    expect(calls).toEqual(['forget 1']);
  });

  test('an unanswered challenge on a later path: three times the larger PTO, then validationFailed', () => {
    const { set } = makeSet();
    const p0 = makePath(0);
    const p1 = makePath(1, { amplificationLimited: true });
    set.add(p0);
    set.add(p1);
    p1.startChallenge(1_000, new Uint8Array(8).fill(7));
    // Path 0 has no sample: its PTO is the initial one, as is the new path's.
    expect(set.nextTimeout(INITIAL_RTT_MS, neverBlocked)).toBe(1_000 + 3 * INITIAL_PTO_MS);
    // Path 0's larger current PTO wins: srtt 400, rttvar 200 -> 400 + 800 + 25.
    p0.loss.rtt.update(400, 0, MAX_ACK_DELAY_MS, true, 0);
    const p0Pto = 400 + 4 * 200 + MAX_ACK_DELAY_MS;
    expect(set.nextTimeout(INITIAL_RTT_MS, neverBlocked)).toBe(1_000 + 3 * p0Pto);
    // The initial RTT given (a config value) sets the fresh path's side.
    expect(set.nextTimeout(1_000, neverBlocked)).toBe(1_000 + 3 * (1_000 + 2_000 + MAX_ACK_DELAY_MS));
    const { calls, actions } = recorder();
    set.handleTimeout(1_000 + 3 * p0Pto - 1, INITIAL_RTT_MS, neverBlocked, actions);
    expect(calls).toEqual([]);
    set.handleTimeout(1_000 + 3 * p0Pto, INITIAL_RTT_MS, neverBlocked, actions);
    expect(calls).toEqual(['validationFailed 1']);
  });

  test('a path that moved goes back to its validated address when the challenge times out; no action', () => {
    const { set } = makeSet();
    const p0 = makePath(0);
    set.add(p0);
    const p1 = makePath(1);
    set.add(p1);
    p1.onValidated(() => new RenoController({ maxDatagramSizeBytes: 1200, nowMs: 0 }));
    const moved: SocketAddress = { host: '10.0.0.9', port: 9999 };
    expect(p1.moveTo(moved, 100)).toBe(true);
    p1.startChallenge(0, new Uint8Array(8));
    const { calls, actions } = recorder();
    set.handleTimeout(3 * INITIAL_PTO_MS, INITIAL_RTT_MS, neverBlocked, actions);
    expect(calls).toEqual([]);
    expect(p1.remote).toEqual(REMOTE);
    expect(p1.challengeOutstanding).toBe(false);
    expect(p1.validation.validated).toBe(true);
  });

  test("the handshake's path without a validated address has no challenge deadline (it waits for the idle timeout)", () => {
    const { set } = makeSet();
    const p0 = new Path({
      id: 0,
      local: LOCAL,
      remote: REMOTE,
      localCid: HANDSHAKE_CID,
      remoteCid: peerCid(0),
      cc: new RenoController({ maxDatagramSizeBytes: 1200, nowMs: 0 }),
      initialRttMs: INITIAL_RTT_MS,
      peerMaxAckDelayMs: MAX_ACK_DELAY_MS,
      localMaxAckDelayMs: MAX_ACK_DELAY_MS,
      ackDelayExponent: 3,
      baseDatagramBytes: 1200,
      maxDatagramBytes: 1200,
      handshakeValidation: new AddressValidation(false),
    });
    set.add(p0);
    p0.startChallenge(0, new Uint8Array(8));
    expect(set.nextTimeout(INITIAL_RTT_MS, neverBlocked)).toBeUndefined();
    const { calls, actions } = recorder();
    set.handleTimeout(1e9, INITIAL_RTT_MS, neverBlocked, actions);
    expect(calls).toEqual([]);
    expect(p0.challengeOutstanding).toBe(true);
  });

  test('the earliest deadline over all paths; due timers run newest path first', () => {
    const { set } = makeSet();
    const paths = [makePath(0), makePath(1), makePath(2)];
    for (const p of paths) set.add(p);
    paths[0]!.loss.onPacketSent(0, 300, 1200, true, true, new PacketContents());
    paths[1]!.loss.onPacketSent(0, 100, 1200, true, true, new PacketContents());
    paths[2]!.loss.onPacketSent(0, 200, 1200, true, true, new PacketContents());
    expect(set.nextTimeout(INITIAL_RTT_MS, neverBlocked)).toBe(100 + INITIAL_PTO_MS);
    const { calls, actions } = recorder();
    const now = 300 + INITIAL_PTO_MS;
    set.handleTimeout(now, INITIAL_RTT_MS, neverBlocked, actions);
    expect(calls).toEqual([`lossTimeout 2 @${now}`, `lossTimeout 1 @${now}`, `lossTimeout 0 @${now}`]);
  });
});
