import { frameLength, type AddAddressFrame, type Frame, type PathStatusFrame, type RemoveAddressFrame } from './wire/index.js';
import { MIN_DATA_ROOM, type FrameSource, type FrameWriter } from './frame-writer.js';
import type { SentFrameOwner, SignalFrame } from './packet-contents.js';
import { bytesToIp, ipToBytes } from './ip-address.js';
import { addressKey, sameAddress, type SocketAddress } from './socket-address.js';

/**
 * The multipath signals of one connection (docs/protocol.md §7.11-§7.14):
 * the addresses we advertise and the ones the peer advertised
 * (ADD_ADDRESS / REMOVE_ADDRESS), path status (PATH_STATUS) and path
 * abandonment (PATH_ABANDON). It keeps the sequence numbers, decides what is
 * stale, and holds the frames still to be sent, sent again if a packet that
 * carried one is lost and it is still the latest word. All of it travels
 * inside packet protection, so only the peer can change any of it.
 * @module
 */

/** Most live addresses of the peer remembered; further ADD_ADDRESS frames for new ids are ignored (counted). */
export const MAX_PEER_ADDRESSES = 16;

/**
 * Most withdrawn address ids of the peer remembered (so a reordered older ADD_ADDRESS cannot bring one
 * back); beyond it the oldest is forgotten. Withdrawn ids do not count against {@link MAX_PEER_ADDRESSES}.
 */
export const MAX_PEER_WITHDRAWN = 64;

/** Most addresses we advertise. */
export const MAX_ADVERTISED_ADDRESSES = 16;

/** A signal frame this module sends. */
export type { SignalFrame };

interface Advertised {
  readonly address: SocketAddress;
  /** Sequence number of the latest ADD_ADDRESS or REMOVE_ADDRESS for this id. */
  sequence: number;
  removed: boolean;
}

interface PeerAddress {
  /** The address; undefined once removed (the id and its sequence number are remembered). */
  address: SocketAddress | undefined;
  sequence: number;
}

/** The signalling state of a connection. */
export class PathSignals implements FrameSource, SentFrameOwner<SignalFrame> {
  /** Frames waiting to go out, oldest first. */
  private readonly pending: SignalFrame[] = [];
  /** Our advertised (or withdrawn) addresses by address id; re-advertising an address reuses its id. */
  private readonly ours = new Map<number, Advertised>();
  private nextAddressId = 1;
  /** The peer's addresses by its address id. */
  private readonly peers = new Map<number, PeerAddress>();
  /** Our next PATH_STATUS sequence number per path id. */
  private readonly statusSequenceOut = new Map<number, number>();
  /** The largest PATH_STATUS sequence number the peer sent per path id. */
  private readonly statusSequenceIn = new Map<number, number>();
  /** The status of that latest PATH_STATUS per path id (it may precede the path: applied when it opens). */
  private readonly statusIn = new Map<number, 'available' | 'backup'>();
  /** Path ids we abandoned whose PATH_ABANDON is not yet acknowledged. */
  private readonly abandoning = new Set<number>();
  /** Peer addresses the owner added ({@link addKnown}). */
  private readonly known: SocketAddress[] = [];
  /** ADD_ADDRESS frames ignored because {@link MAX_PEER_ADDRESSES} were known. */
  peerAddressesRefused = 0;

  /** The next frame to send, without removing it. */
  peek(): SignalFrame | undefined {
    return this.pending[0];
  }

  /** Removes the frame {@link peek} returned: it was written into a packet. */
  shift(): void {
    this.pending.shift();
  }

  /** Whether a frame waits to be sent (the packet writer's question). */
  get framesDue(): boolean {
    return this.pending.length > 0;
  }

  /** Writes the pending frames that fit into the packet being built, leaving room for data. */
  writeFrames(w: FrameWriter): void {
    for (let f = this.peek(); f !== undefined; f = this.peek()) {
      if (frameLength(f) > w.room - MIN_DATA_ROOM) break;
      w.put(f);
      this.shift();
      w.record<SignalFrame>(this, f);
    }
  }

  /** A signal frame arrived (its packet was acknowledged). */
  onFrameAcked(frame: SignalFrame): void {
    this.onAcked(frame);
  }

  /** A signal frame was lost: sent again unless superseded. */
  onFrameLost(frame: SignalFrame): void {
    this.onLost(frame);
  }

  // ----- what we say ------------------------------------------------------------------------

  /** Advertises one of our addresses; false if it already is, or too many are. */
  advertise(address: SocketAddress): boolean {
    const bytes = ipToBytes(address.host);
    if (bytes === undefined || address.port <= 0 || address.port > 0xffff) return false;
    let live = 0;
    let withdrawnId = -1;
    for (const [id, a] of this.ours) {
      if (a.removed) {
        if (sameAddress(a.address, address)) withdrawnId = id;
        continue;
      }
      if (sameAddress(a.address, address)) return false;
      live++;
    }
    if (live >= MAX_ADVERTISED_ADDRESSES) return false;
    const again = this.ours.get(withdrawnId);
    if (again !== undefined) {
      // An address that comes back (an interface that flapped) keeps its id, with the next sequence number.
      again.removed = false;
      again.sequence++;
      this.pending.push(addFrame(withdrawnId, again.sequence, address, bytes));
      return true;
    }
    if (this.ours.size >= MAX_ADVERTISED_ADDRESSES + MAX_PEER_WITHDRAWN) this.dropOldestWithdrawn(this.ours);
    const id = this.nextAddressId++;
    this.ours.set(id, { address, sequence: 0, removed: false });
    this.pending.push(addFrame(id, 0, address, bytes));
    return true;
  }

  /** Withdraws an advertised address; false if it was not advertised. */
  withdraw(address: SocketAddress): boolean {
    for (const [id, a] of this.ours) {
      if (a.removed || !sameAddress(a.address, address)) continue;
      a.removed = true;
      a.sequence++;
      this.pending.push({ type: 'removeAddress', addressId: id, sequenceNumber: a.sequence });
      return true;
    }
    return false;
  }

  /** The addresses we advertise now. */
  advertised(): SocketAddress[] {
    const out: SocketAddress[] = [];
    for (const a of this.ours.values()) if (!a.removed) out.push(a.address);
    return out;
  }

  /** Queues PATH_STATUS for a path. */
  setStatus(pathId: number, status: 'available' | 'backup'): void {
    const sequence = this.statusSequenceOut.get(pathId) ?? 0;
    this.statusSequenceOut.set(pathId, sequence + 1);
    // Only the latest word about a path is worth sending.
    for (let i = this.pending.length - 1; i >= 0; i--) {
      const f = this.pending[i] as SignalFrame;
      if (f.type === 'pathStatus' && f.pathId === pathId) this.pending.splice(i, 1);
    }
    this.pending.push({ type: 'pathStatus', pathId, sequenceNumber: sequence, status });
  }

  /** Queues PATH_ABANDON for a path; repeated until acknowledged. */
  abandon(pathId: number, reasonCode: number): void {
    if (this.abandoning.has(pathId)) return;
    this.abandoning.add(pathId);
    for (let i = this.pending.length - 1; i >= 0; i--) {
      const f = this.pending[i] as SignalFrame;
      if (f.type === 'pathStatus' && f.pathId === pathId) this.pending.splice(i, 1);
    }
    this.pending.push({ type: 'pathAbandon', pathId, reasonCode });
  }

  /** A packet that carried `frame` was acknowledged. */
  onAcked(frame: SignalFrame): void {
    if (frame.type === 'pathAbandon') this.abandoning.delete(frame.pathId);
  }

  /** A packet that carried `frame` was lost: queue it again if it is still the latest word. */
  onLost(frame: SignalFrame): void {
    if (this.pending.includes(frame)) return;
    switch (frame.type) {
      case 'addAddress':
      case 'removeAddress': {
        const a = this.ours.get(frame.addressId);
        if (a !== undefined && a.sequence === frame.sequenceNumber) this.pending.push(frame);
        return;
      }
      case 'pathStatus':
        if ((this.statusSequenceOut.get(frame.pathId) ?? 0) === frame.sequenceNumber + 1) this.pending.push(frame);
        return;
      case 'pathAbandon':
        if (this.abandoning.has(frame.pathId)) this.pending.push(frame);
        return;
    }
  }

  // ----- what the peer says ------------------------------------------------------------------

  /** ADD_ADDRESS from the peer: the address if it is new, else undefined (stale, a repeat, or over the limit). */
  onPeerAdd(frame: AddAddressFrame): SocketAddress | undefined {
    const known = this.peers.get(frame.addressId);
    if (known !== undefined && frame.sequenceNumber <= known.sequence) return undefined;
    if (known?.address === undefined && this.livePeerAddresses() >= MAX_PEER_ADDRESSES) {
      this.peerAddressesRefused++;
      return undefined;
    }
    const address: SocketAddress = { host: bytesToIp(frame.address), port: frame.port };
    const previous = known?.address;
    this.peers.set(frame.addressId, { address, sequence: frame.sequenceNumber });
    return previous !== undefined && sameAddress(previous, address) ? undefined : address;
  }

  /** REMOVE_ADDRESS from the peer: the address it withdrew, or undefined (stale or unknown). */
  onPeerRemove(frame: RemoveAddressFrame): SocketAddress | undefined {
    const known = this.peers.get(frame.addressId);
    if (known !== undefined && frame.sequenceNumber <= known.sequence) return undefined;
    const removed = known?.address;
    // The id is remembered as removed, so a reordered older ADD_ADDRESS cannot bring it back; only the
    // newest MAX_PEER_WITHDRAWN such ids are kept.
    this.peers.delete(frame.addressId);
    this.peers.set(frame.addressId, { address: undefined, sequence: frame.sequenceNumber });
    if (this.peers.size - this.livePeerAddresses() > MAX_PEER_WITHDRAWN) this.dropOldestWithdrawn(this.peers);
    return removed;
  }

  /** PATH_STATUS from the peer: whether it is newer than any before for that path. */
  onPeerStatus(frame: PathStatusFrame): boolean {
    const last = this.statusSequenceIn.get(frame.pathId);
    if (last !== undefined && frame.sequenceNumber <= last) return false;
    this.statusSequenceIn.set(frame.pathId, frame.sequenceNumber);
    this.statusIn.set(frame.pathId, frame.status);
    return true;
  }

  /** The status the peer last gave a path id, if any. */
  peerStatusOf(pathId: number): 'available' | 'backup' | undefined {
    return this.statusIn.get(pathId);
  }

  /** Forgets what was kept about a path id once the path is gone (its id is never used again). */
  forgetPath(pathId: number): void {
    this.statusSequenceIn.delete(pathId);
    this.statusIn.delete(pathId);
    this.statusSequenceOut.delete(pathId);
  }

  private livePeerAddresses(): number {
    let n = 0;
    for (const p of this.peers.values()) if (p.address !== undefined) n++;
    return n;
  }

  /** Removes the oldest withdrawn entry (Maps iterate in insertion order). */
  private dropOldestWithdrawn(map: Map<number, { readonly removed?: boolean; readonly address: SocketAddress | undefined }>): void {
    for (const [id, entry] of map) {
      if (entry.removed === true || entry.address === undefined) {
        map.delete(id);
        return;
      }
    }
  }

  /**
   * The peer's addresses: `primary` (the one the connection began with), those the owner added
   * ({@link addKnown}), then those the peer advertised; each once.
   */
  remoteAddresses(primary: SocketAddress): SocketAddress[] {
    const out = [primary];
    for (const a of this.known) if (!out.some((b) => sameAddress(a, b))) out.push(a);
    for (const a of this.peerAddresses()) if (!out.some((b) => sameAddress(a, b))) out.push(a);
    return out;
  }

  /** An address of the peer the owner learnt another way (configuration, DNS); false if known already or too many are. */
  addKnown(primary: SocketAddress, address: SocketAddress): boolean {
    if (this.remoteAddresses(primary).some((a) => sameAddress(a, address)) || this.known.length >= MAX_PEER_ADDRESSES) return false;
    this.known.push(address);
    return true;
  }

  /** The addresses the peer advertises now. */
  peerAddresses(): SocketAddress[] {
    const out: SocketAddress[] = [];
    const seen = new Set<string>();
    for (const p of this.peers.values()) {
      if (p.address === undefined || seen.has(addressKey(p.address))) continue;
      seen.add(addressKey(p.address));
      out.push(p.address);
    }
    return out;
  }
}

/** Whether a frame is one of the signals this module sends. */
export function isSignalFrame(frame: Frame): frame is SignalFrame {
  return frame.type === 'addAddress' || frame.type === 'removeAddress' || frame.type === 'pathStatus' || frame.type === 'pathAbandon';
}

function addFrame(addressId: number, sequenceNumber: number, address: SocketAddress, bytes: Uint8Array): AddAddressFrame {
  return { type: 'addAddress', addressId, sequenceNumber, family: bytes.length === 4 ? 4 : 6, address: bytes, port: address.port };
}
