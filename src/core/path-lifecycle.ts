import type { CongestionController } from '../cc/congestion-controller.js';
import type { ConnectionEvent } from './connection-events.js';
import type { PacketContents } from './packet-contents.js';
import type { Path } from './path.js';
import type { PathSet } from './path-set.js';
import type { PathSignals } from './path-signals.js';
import { ProbeBudget } from './probe-budget.js';
import { sameAddress, type SocketAddress } from './socket-address.js';
import { ReasonCode, type AddAddressFrame, type PathAbandonFrame, type PathStatusFrame, type RemoveAddressFrame } from './wire/index.js';
import { protocolError, type TransportError } from './transport-error.js';

/**
 * What happens to a connection's paths after the handshake: opened (by us, or by the peer's first
 * packet on a CID we issued), validated, moved (NAT rebinding), marked backup or available, abandoned
 * by either end, and forgotten. Each change the peer must hear of goes out as a signal frame
 * (PathSignals); each change the owner must hear of is a 'path' or 'remoteAddress' event.
 * @module
 */

/** What path changes need from the connection. */
export interface PathLifecycleHost {
  /** A new path with fresh recovery state (added to the set). */
  newPath(id: number, local: SocketAddress, remote: SocketAddress, localCid: Uint8Array, remoteCid: Uint8Array, nowMs: number, amplificationLimited: boolean): Path;
  /** A fresh congestion controller, for a path that starts afresh at a new address. */
  newController(nowMs: number): CongestionController;
  /** Queues again what a packet that will never be acknowledged carried. */
  requeue(c: PacketContents): void;
  /** Randomness for PATH_CHALLENGE data. */
  randomBytes(n: number): Uint8Array;
  /** Reports a change to the owner. */
  emit(event: ConnectionEvent): void;
}

const EMPTY = new Uint8Array(0);

/** Opens, validates, moves, re-statuses, closes and forgets the paths of one connection. */
export class PathLifecycle {
  /** Starts of challenges to peer addresses that never answered on this connection (see ProbeBudget). */
  readonly probes = new ProbeBudget();
  /** The peer's addresses that answered a challenge on this connection, by `host|port`. */
  private readonly answered = new Set<string>();

  constructor(
    private readonly host: PathLifecycleHost,
    private readonly pathSet: PathSet,
    private readonly signals: PathSignals,
  ) {}

  /** Opens a path from our `local` to the peer's `remote` on the next path id; undefined if none can open now. */
  open(nowMs: number, local: SocketAddress, remote: SocketAddress): number | undefined {
    const next = this.pathSet.nextOpenable();
    if (next === undefined) return undefined;
    const path = this.host.newPath(next.id, local, remote, next.local, next.remote, nowMs, false);
    const startMs = this.hasAnswered(remote) ? nowMs : this.probes.schedule(nowMs);
    path.startChallenge(nowMs, this.host.randomBytes(8), startMs);
    return next.id;
  }

  /**
   * The peer opened path `pathId` (a packet on a CID we issued for it authenticated): answer on it with
   * the CID the peer issued for it (once known), and validate its address with our own challenge;
   * until then it gets at most 3x the `bytes` it sent.
   */
  openedByPeer(pathId: number, local: SocketAddress, remote: SocketAddress, bytes: number, nowMs: number): Path {
    const cids = this.pathSet.cidsFor(pathId);
    const path = this.host.newPath(pathId, local, remote, cids.local, cids.remote ?? EMPTY, nowMs, true);
    path.validation.noteReceived(bytes);
    path.peerBackup = this.signals.peerStatusOf(pathId) === 'backup';
    path.backup = path.peerBackup;
    path.startChallenge(nowMs, this.host.randomBytes(8));
    return path;
  }

  /**
   * The newest authenticated packet of a path came from another address: NAT rebinding, or the peer
   * moved. Only a packet with a new largest packet number moves the path (a reordered or re-sourced
   * older one cannot; a replayed one was dropped as a duplicate), and a packet from the old address with
   * a newer number moves it back the same way. Until the new address answers a PATH_CHALLENGE it gets
   * at most 3x the bytes that arrived from it (RFC 9000 §8.1, §9.3), so a forged source address cannot
   * turn the connection into an amplifier, and a later path carries no stream data meanwhile. Once it
   * answers, the path starts afresh there (RFC 9000 §9.4): outstanding data is requeued, and RTT, loss
   * detection and congestion state restart. A move back to the last validated address (the peer's next
   * real packet after a spoofed one) restores it at once, with its state untouched (RFC 9000 §9.3.2).
   */
  onPeerMoved(path: Path, remote: SocketAddress, bytes: number, nowMs: number): void {
    if (path.moveTo(remote, bytes)) path.startChallenge(nowMs, this.host.randomBytes(8));
  }

  /** The path's current address answered our challenge. */
  onAddressValidated(path: Path, nowMs: number): void {
    this.answered.add(`${path.remote.host}|${path.remote.port}`);
    const wasUsable = path.validated;
    for (const packet of path.onValidated(() => this.host.newController(nowMs))) this.host.requeue(packet.payload);
    if (!wasUsable) this.host.emit({ type: 'path', pathId: path.id, change: 'up', reasonCode: 0 });
  }

  /** Whether `remote` answered a challenge on this connection, or carries a validated path (the handshake's). */
  private hasAnswered(remote: SocketAddress): boolean {
    if (this.answered.has(`${remote.host}|${remote.port}`)) return true;
    return this.pathSet.paths.some((p) => !p.closed && p.validated && sameAddress(p.remote, remote));
  }

  /** Our word on a path: backup or available (PATH_STATUS to the peer). False for an unknown or closed path. */
  setStatus(pathId: number, status: 'available' | 'backup'): boolean {
    const path = this.pathSet.byId(pathId);
    if (path === undefined || path.closed) return false;
    this.signals.setStatus(pathId, status);
    path.localBackup = status === 'backup';
    this.updateBackup(path);
    return true;
  }

  /**
   * Closes one path and tells the peer why (PATH_ABANDON). False for an unknown or closed path, and for
   * the last validated one: the connection would be left with nothing to send on and hang until its
   * idle timeout (open another first, or close the connection).
   */
  abandon(pathId: number, reasonCode: number, nowMs: number): boolean {
    const path = this.pathSet.byId(pathId);
    if (path === undefined || path.closed) return false;
    if (path.validated && !this.pathSet.hasOtherValidated(path)) return false;
    this.signals.abandon(pathId, reasonCode);
    this.close(path, reasonCode, nowMs);
    return true;
  }

  /**
   * Our local addresses are now `addresses`: paths still open from one that went are abandoned
   * (AddressRemoved: their socket is going away), but never the last validated one.
   */
  onLocalAddresses(addresses: readonly SocketAddress[], nowMs: number): void {
    for (const path of this.pathSet.paths) {
      if (!path.closed && !addresses.some((a) => sameAddress(a, path.local))) this.abandon(path.id, ReasonCode.AddressRemoved, nowMs);
    }
  }

  /**
   * Drops a closed path's state and its CIDs (from the endpoint's routing table too), so churn of paths
   * opened and abandoned costs no memory: only its id, never reused, remains taken.
   */
  forget(path: Path): void {
    this.pathSet.forget(path);
    this.signals.forgetPath(path.id);
  }

  // ----- the peer's word ---------------------------------------------------------------------

  /** ADD_ADDRESS: another address of the peer, for the path manager. */
  onPeerAddAddress(frame: AddAddressFrame): void {
    const added = this.signals.onPeerAdd(frame);
    if (added !== undefined) this.host.emit({ type: 'remoteAddress', change: 'added', address: added });
  }

  /** REMOVE_ADDRESS: paths to the withdrawn address are abandoned (docs/protocol.md §7.12). */
  onPeerRemoveAddress(frame: RemoveAddressFrame, nowMs: number): void {
    const removed = this.signals.onPeerRemove(frame);
    if (removed === undefined) return;
    this.host.emit({ type: 'remoteAddress', change: 'removed', address: removed });
    for (const p of this.pathSet.paths) if (!p.closed && sameAddress(p.remote, removed)) this.abandon(p.id, ReasonCode.AddressRemoved, nowMs);
  }

  /**
   * PATH_STATUS: kept for a path id the peer may open next (a status can overtake the path's first
   * packet); ids further ahead are ignored, so the table stays bounded.
   */
  onPeerStatus(frame: PathStatusFrame): void {
    if (!this.pathSet.inWindow(frame.pathId) || !this.signals.onPeerStatus(frame)) return;
    const target = this.pathSet.byId(frame.pathId);
    if (target === undefined || target.closed) return;
    target.peerBackup = frame.status === 'backup';
    this.updateBackup(target);
  }

  /**
   * PATH_ABANDON: the peer closed a path (or gave up one we never saw). Abandoning the only path still
   * open is a protocol violation (we never do it: {@link abandon}): the connection would be left with
   * nothing to send or receive on, an application's socket open and deaf until the idle timeout.
   */
  onPeerAbandon(frame: PathAbandonFrame, nowMs: number): TransportError | undefined {
    const target = this.pathSet.byId(frame.pathId);
    if (target === undefined) this.pathSet.onUnopenedAbandoned(frame.pathId);
    else if (!target.closed) {
      if (!this.pathSet.paths.some((p) => p !== target && !p.closed)) return protocolError(`PATH_ABANDON of the only open path (${frame.pathId})`);
      this.close(target, frame.reasonCode, nowMs);
    }
    return undefined;
  }

  /** Ends a path (either end abandoned it): requeue its outstanding data, replace its CID, report it. */
  private close(path: Path, reasonCode: number, nowMs: number): void {
    for (const packet of path.close(nowMs)) this.host.requeue(packet.payload);
    this.pathSet.issueNext();
    this.host.emit({ type: 'path', pathId: path.id, change: 'closed', reasonCode });
  }

  /** A path is backup while either end's latest PATH_STATUS says so; reported when that changes. */
  private updateBackup(path: Path): void {
    const backup = path.localBackup || path.peerBackup;
    if (path.backup !== backup) {
      path.backup = backup;
      this.host.emit({ type: 'path', pathId: path.id, change: 'status', reasonCode: 0 });
    }
  }
}
