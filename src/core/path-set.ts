import { equalBytes } from './bytes.js';
import { MIN_DATA_ROOM, type FrameSource, type FrameWriter } from './frame-writer.js';
import type { SentFrameOwner } from './packet-contents.js';
import type { Path } from './path.js';
import { RttEstimator } from './rtt-estimator.js';
import { frameLength, type Frame } from './wire/index.js';

/**
 * A connection's paths and the connection IDs that name them. Path ids are never reused; each path
 * id has one CID each way: ours (issued here, routed to the connection by the endpoint, announced in
 * NEW_CONNECTION_ID) and the peer's. Path 0's come from the handshake. The set issues one CID for
 * every further path both sides allow, and a fresh one whenever a path closes, so either end can
 * always open a replacement (docs/protocol.md §6).
 * @module
 */

/** The paths and CIDs of one connection. */
export class PathSet implements FrameSource, SentFrameOwner<number> {
  /** Every path not yet forgotten, in the order they were made. */
  readonly paths: Path[] = [];
  /** Our CIDs in use (routed to this connection by the endpoint), with {@link localCidPathIds} alongside. */
  readonly localCids: Uint8Array[] = [];
  /** The path id each of {@link localCids} was issued for. */
  readonly localCidPathIds: number[] = [];
  /** Most paths open at once, agreed with the peer (max_paths); 1 until the handshake. */
  private limit = 1;
  private readonly localCidByPath = new Map<number, Uint8Array>();
  private readonly localResetTokenByPath = new Map<number, Uint8Array>();
  private readonly remoteCidByPath = new Map<number, Uint8Array>();
  /** Path ids whose NEW_CONNECTION_ID is still to be sent (again). */
  private readonly newCidsPending: number[] = [];
  /** The lowest path id not yet used by either end. */
  private nextPathId = 1;
  /** The path id our next issued CID is for. */
  private nextIssuedPathId = 1;

  /**
   * @param handshakeCid - our CID of path 0 (the handshake's SCID).
   * @param issueCid - makes a fresh CID routed to this connection, or undefined: no further paths.
   * @param retireCid - takes one of those CIDs out of routing.
   * @param randomBytes - for stateless reset tokens.
   */
  constructor(
    handshakeCid: Uint8Array,
    private readonly issueCid: (() => Uint8Array) | undefined,
    private readonly retireCid: ((cid: Uint8Array) => void) | undefined,
    private readonly randomBytes: (n: number) => Uint8Array,
  ) {
    this.localCids.push(handshakeCid);
    this.localCidPathIds.push(0);
  }

  /** Adds a path just made. */
  add(path: Path): void {
    this.paths.push(path);
    if (path.id >= this.nextPathId) this.nextPathId = path.id + 1;
  }

  /** The path with this id, or undefined. */
  byId(id: number): Path | undefined {
    const paths = this.paths;
    for (let i = 0; i < paths.length; i++) if ((paths[i] as Path).id === id) return paths[i];
    return undefined;
  }

  /** Paths not closed. */
  get openCount(): number {
    let n = 0;
    for (const p of this.paths) if (!p.closed) n++;
    return n;
  }

  /** Whether a validated path other than `path` can carry data. */
  hasOtherValidated(path: Path): boolean {
    const paths = this.paths;
    for (let i = 0; i < paths.length; i++) {
      const p = paths[i] as Path;
      if (p !== path && p.validated && p.hasRemoteCid && !p.closed) return true;
    }
    return false;
  }

  /** The path id a CID of ours was issued for, or -1. */
  idForCid(cid: Uint8Array): number {
    const cids = this.localCids;
    for (let i = 0; i < cids.length; i++) if (equalBytes(cids[i] as Uint8Array, cid)) return this.localCidPathIds[i] as number;
    return -1;
  }

  /** Whether a path id is one the peer can have heard of: frames naming ids further ahead are ignored, so tables stay bounded. */
  inWindow(pathId: number): boolean {
    return pathId < this.nextPathId + 2 * this.limit;
  }

  /** The peer may open path `pathId` now: a CID of ours for it, unused, and room under the limit. */
  peerMayOpen(pathId: number): boolean {
    return pathId > 0 && this.localCidByPath.has(pathId) && this.openCount < this.limit;
  }

  /** The CIDs (ours, the peer's once known) for a path the peer opened. */
  cidsFor(pathId: number): { local: Uint8Array; remote: Uint8Array | undefined } {
    return { local: this.localCidByPath.get(pathId) as Uint8Array, remote: this.remoteCidByPath.get(pathId) };
  }

  /** Whether we can open a path now or never will: the peer's CID for the next id is here, or only one path is allowed. */
  get readyForPaths(): boolean {
    return this.limit <= 1 || this.remoteCidByPath.has(this.nextPathId);
  }

  /** The id and CIDs for a path we open now, or undefined (the limit reached, or a CID missing). */
  nextOpenable(): { id: number; local: Uint8Array; remote: Uint8Array } | undefined {
    const id = this.nextPathId;
    if (this.openCount >= this.limit) return undefined;
    const local = this.localCidByPath.get(id);
    const remote = this.remoteCidByPath.get(id);
    if (local === undefined || remote === undefined) return undefined;
    return { id, local, remote };
  }

  /** After the handshake: the path limit both sides allow, and one CID for every further path (ids 1 .. limit-1). */
  issueForLimit(ourMax: number, peerMax: number): void {
    if (this.issueCid === undefined) return;
    this.limit = Math.max(1, Math.min(ourMax, peerMax));
    for (let id = 1; id < this.limit; id++) this.issueNext();
  }

  /** Issues one of our CIDs for the next path id and queues its NEW_CONNECTION_ID. */
  issueNext(): void {
    if (this.issueCid === undefined) return;
    const id = this.nextIssuedPathId++;
    const cid = this.issueCid();
    this.localCids.push(cid);
    this.localCidPathIds.push(id);
    this.localCidByPath.set(id, cid);
    this.localResetTokenByPath.set(id, this.randomBytes(16));
    this.newCidsPending.push(id);
  }

  /**
   * NEW_CONNECTION_ID: the peer's CID for a path. Only the first (sequence 0) per path is kept. Ids the
   * peer can have issued are one per path allowed plus one per path closed since; anything further
   * ahead is ignored, and so is a CID for an id already used (ids are never reused), unless the peer
   * opened that path before this frame arrived.
   */
  onNewConnectionId(pathId: number, sequenceNumber: number, cid: Uint8Array): void {
    if (pathId === 0 || !this.inWindow(pathId) || sequenceNumber !== 0 || this.remoteCidByPath.has(pathId)) return;
    const path = this.byId(pathId);
    if (pathId < this.nextPathId && (path === undefined || path.hasRemoteCid || path.closed)) return;
    const copy = cid.slice();
    this.remoteCidByPath.set(pathId, copy);
    if (path !== undefined) {
      path.remoteCid = copy;
      path.hasRemoteCid = true;
    }
  }

  /**
   * The peer abandoned a path id whose packets never reached us (its validation failed): the id is
   * spent all the same. Our CID for it is retired and one issued for a new id, as for a path we saw.
   */
  onUnopenedAbandoned(pathId: number): void {
    if (pathId <= 0 || !this.localCidByPath.has(pathId)) return;
    this.retire(pathId);
    this.remoteCidByPath.delete(pathId);
    if (pathId >= this.nextPathId) this.nextPathId = pathId + 1;
    this.issueNext();
  }

  /** Drops a closed path and its CIDs (from the endpoint's routing too); only its id stays taken. */
  forget(path: Path): void {
    const at = this.paths.indexOf(path);
    if (at >= 0) this.paths.splice(at, 1);
    this.retire(path.id);
    this.remoteCidByPath.delete(path.id);
  }

  /** Takes our CID for a path id out of use. */
  private retire(pathId: number): void {
    const ids = this.localCidPathIds;
    for (let i = ids.length - 1; i >= 0; i--) {
      if (ids[i] !== pathId) continue;
      const cid = this.localCids[i] as Uint8Array;
      this.localCids.splice(i, 1);
      ids.splice(i, 1);
      this.retireCid?.(cid);
    }
    this.localCidByPath.delete(pathId);
    this.localResetTokenByPath.delete(pathId);
  }

  // ----- NEW_CONNECTION_ID out ---------------------------------------------------------------

  /** Whether NEW_CONNECTION_ID frames wait to be sent. */
  get framesDue(): boolean {
    return this.newCidsPending.length > 0;
  }

  /** Writes the pending NEW_CONNECTION_ID frames that fit, leaving room for data. */
  writeFrames(w: FrameWriter): void {
    const pending = this.newCidsPending;
    while (pending.length > 0) {
      const id = pending[0] as number;
      const cid = this.localCidByPath.get(id);
      if (cid === undefined) {
        pending.shift(); // retired before it went out: the path closed
        continue;
      }
      const frame: Frame = {
        type: 'newConnectionId',
        pathId: id,
        sequenceNumber: 0,
        retirePriorTo: 0,
        connectionId: cid,
        statelessResetToken: this.localResetTokenByPath.get(id) as Uint8Array,
      };
      if (w.room - MIN_DATA_ROOM < frameLength(frame)) break;
      w.put(frame);
      pending.shift();
      w.record<number>(this, id);
    }
  }

  /** The NEW_CONNECTION_ID for path `id` arrived. */
  onFrameAcked(_id: number): void {}

  /** The NEW_CONNECTION_ID for path `id` was lost: send it again (unless the path's CID was retired since). */
  onFrameLost(id: number): void {
    if (!this.newCidsPending.includes(id)) this.newCidsPending.push(id);
  }

  // ----- the paths' own timers ----------------------------------------------------------------

  /**
   * The earliest deadline of any path: loss and probe timers, the PMTU raise timer, ACK delays, path
   * validation, and a closed path's forgetting. A path that cannot send yet (see {@link lossTimerMs}) arms
   * neither its probe timer nor its ACK delay: what they would send waits for the datagram that unblocks
   * it, not for a timer that would fire at once, again and again.
   */
  nextTimeout(initialRttMs: number, sender: PathSender): number | undefined {
    let t: number | undefined;
    const paths = this.paths;
    for (let i = 0; i < paths.length; i++) {
      const path = paths[i] as Path;
      if (path.closed) {
        t = earlier(t, path.forgetAtMs);
        continue;
      }
      const blocked = sender.sendBlocked(path);
      t = earlier(t, lossTimerMs(path, blocked));
      t = earlier(t, path.pmtud.raiseAtMs);
      if (!blocked) t = earlier(t, path.acks.ackDueAtMs);
      if (path.challengeDeferred) t = earlier(t, path.challengeStartedMs);
      else if (path.challengeOutstanding && isMovable(path)) t = earlier(t, path.challengeStartedMs + this.validationTimeoutMs(path, initialRttMs));
    }
    return t;
  }

  /** Runs the paths' due timers, newest path first; what they lead to is the connection's (`actions`). */
  handleTimeout(nowMs: number, initialRttMs: number, sender: PathSender, actions: PathTimerActions): void {
    for (let i = this.paths.length - 1; i >= 0; i--) {
      const path = this.paths[i] as Path;
      if (path.closed) {
        if (nowMs >= path.forgetAtMs) actions.forget(path);
        continue;
      }
      if (path.challengeDeferred) {
        if (nowMs >= path.challengeStartedMs) path.releaseChallenge();
        continue;
      }
      if (path.challengeOutstanding && isMovable(path) && nowMs >= path.challengeStartedMs + this.validationTimeoutMs(path, initialRttMs)) {
        // RFC 9000 §8.2.4, §9.3.2: the address never answered. A path that moved goes back to its last
        // validated address; a new later path is given up (path 0 without one waits for the idle timeout).
        if (path.validatedRemote !== undefined) path.restoreValidatedAddress();
        else if (!path.handshakePath) actions.validationFailed(path);
        continue;
      }
      const timer = lossTimerMs(path, sender.sendBlocked(path));
      if (timer !== undefined && nowMs >= timer) actions.lossTimeout(path, nowMs);
    }
  }

  /**
   * How long a path's PATH_CHALLENGE may go unanswered: three times the larger of path 0's current PTO
   * and the new path's PTO from the initial RTT (RFC 9000 §8.2.4). The latter does not shrink with the
   * path's first samples: a challenge lost at a full queue is resent only once its loss is detected, and
   * its answer then queues behind the same congestion.
   */
  private validationTimeoutMs(path: Path, initialRttMs: number): number {
    const fresh = RttEstimator.initialPtoBaseMs(initialRttMs, path.loss.maxAckDelayMs);
    const first = this.paths[0];
    const current = first?.loss.rtt.ptoBaseMs(first.loss.maxAckDelayMs) ?? fresh;
    return 3 * Math.max(fresh, current);
  }
}

/** Whether a path can send now: the packet writer's answer. */
export interface PathSender {
  /** Whether `path` can send nothing until a datagram arrives (no CID for it yet, or its amplification budget spent). */
  sendBlocked(path: Path): boolean;
}

/**
 * A path's loss timer: the time-threshold loss deadline, or else its probe timeout, which a path that
 * cannot send does not arm (RFC 9002 §6.2.2.1: a server at its amplification limit arms no PTO until a
 * datagram arrives). The probe could not go, its time of last ack-eliciting send would not move, and
 * once backed off to its cap the timer would fall due at the same instant forever: a busy loop until the
 * idle timeout, for a spoofed address that answered with nothing.
 */
function lossTimerMs(path: Path, blocked: boolean): number | undefined {
  return blocked ? path.loss.lossTimeMs : path.loss.timerMs;
}

/** What the paths' timers lead to, done by the connection. */
export interface PathTimerActions {
  /** A closed path's time is up: drop it. */
  forget(path: Path): void;
  /** A new path's address never answered our challenge: abandon it. */
  validationFailed(path: Path): void;
  /** A path's loss or probe timer fired. */
  lossTimeout(path: Path, nowMs: number): void;
}

/** The earlier of two optional times. */
function earlier(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return b < a ? b : a;
}

/** Whether a path whose challenge goes unanswered can give up on the address: a later path, or one with a validated address to go back to. */
function isMovable(path: Path): boolean {
  return !path.handshakePath || path.validatedRemote !== undefined;
}
