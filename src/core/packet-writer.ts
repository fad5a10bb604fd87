import type { TransportConfig } from './config.js';
import { AEAD_TAG_LENGTH } from '../crypto/provider.js';
import type { ByteStream } from './byte-stream.js';
import { FrameWriter, MIN_DATA_ROOM, type FrameSource } from './frame-writer.js';
import type { Lifecycle } from './lifecycle.js';
import type { Path } from './path.js';
import type { PathSet } from './path-set.js';
import { SEARCH_RESOLUTION_BYTES } from './pmtud.js';
import type { DuplicatingScheduler } from './scheduler/duplication.js';
import type { Transmit } from './datagram-endpoint.js';
import type { SocketAddress } from './socket-address.js';
import { encodeFrame, encodeShortHeader, frameLength, packetNumberLength, type CloseFrame } from './wire/index.js';

/**
 * Builds one 1-RTT packet for a path. It decides whether the path may send now and how much (the
 * gates: congestion window, pacer, the anti-amplification budget, the caller's buffer, an MTU probe),
 * then asks each owner to write its frames, always in the same order: the path's ACK; on a validated
 * path, each connection-level {@link FrameSource} in the order the connection gave (today HANDSHAKE_DONE,
 * MAX_DATA and DATA_BLOCKED, NEW_CONNECTION_ID, the path signals ADD_ADDRESS / REMOVE_ADDRESS /
 * PATH_STATUS / PATH_ABANDON, RESET); the path's PATH_RESPONSE and PATH_CHALLENGE; then an MTU probe or
 * one DATA frame; then PING if a probe or keep-alive needs something ack-eliciting.
 *
 * Control frames come before data so a full window never delays them, and leave room for data. The
 * packet is sealed and recorded with what it carried ({@link PacketContents}), so its acknowledgement
 * or loss goes back to each owner.
 * @module
 */

/** Smallest packet, in bytes, worth sending under the anti-amplification limit (room for an ACK or a PATH_CHALLENGE). */
export const MIN_AMPLIFICATION_ROOM = 64;

/** Seals a packet payload: the 1-RTT keys. */
export interface PacketSealer {
  seal(pathId: number, packetNumber: number, header: Uint8Array, plaintext: Uint8Array, out: Uint8Array): void;
}

/** What the packet writer needs from the connection besides the owners it writes for. */
export interface PacketWriterHost {
  /** The 1-RTT keys, once the handshake gave them. */
  readonly sealer: PacketSealer | undefined;
  /** Whether PMTU probing was agreed, and redundant copies. */
  readonly pmtuEnabled: boolean;
  readonly redundantAgreed: boolean;
  /** The pacer will let `path` send at `atMs`: wake up then. */
  wakeAt(atMs: number): void;
}

/** Writes packets for one connection. */
export class PacketWriter {
  /** The payload being built, reused packet after packet. */
  private readonly frames: FrameWriter;

  /**
   * @param sources - the owners of connection-level control frames, in the order their frames go into a
   *   packet (after any ACK, before path validation frames and data).
   */
  constructor(
    private readonly transport: TransportConfig,
    private readonly payload: Uint8Array,
    private readonly host: PacketWriterHost,
    private readonly lifecycle: Lifecycle,
    private readonly stream: ByteStream,
    private readonly pathSet: PathSet,
    private readonly sources: readonly FrameSource[],
    private readonly scheduler: DuplicatingScheduler,
  ) {
    this.frames = new FrameWriter(payload, 0);
  }

  /**
   * Whether any owner has connection-level control frames due, asked at most once per {@link next}:
   * nothing changes the answer between paths until a packet is written, and most offers find a full
   * window with nothing else to send, so asking every owner for every path would be most of their cost.
   */
  private controlDue: boolean | undefined = undefined;

  private sharedFramesDue(): boolean {
    if (this.controlDue !== undefined) return this.controlDue;
    const sources = this.sources;
    for (let i = 0; i < sources.length; i++) if ((sources[i] as FrameSource).framesDue) return (this.controlDue = true);
    return (this.controlDue = false);
  }

  /**
   * The next packet: offered to each of `paths` in turn (the scheduler's order), written into `out`
   * by the first that has one to send.
   */
  next(paths: readonly Path[], nowMs: number, out: Uint8Array): Transmit | undefined {
    this.controlDue = undefined;
    for (let i = 0; i < paths.length; i++) {
      const path = paths[i] as Path;
      if (path.oldAddressProbe) {
        path.oldAddressProbe = false;
        const old = path.validatedRemote;
        const length = old === undefined ? 0 : this.buildOldAddressPing(path, nowMs, out);
        if (length > 0) return { local: path.local, remote: old as SocketAddress, length };
      }
      const length = this.build(path, nowMs, out);
      if (length > 0) return { local: path.local, remote: path.remote, length };
    }
    // A CLOSE owed went on every path that could carry it.
    this.lifecycle.closeSent();
    return undefined;
  }

  /**
   * Whether `path` can send nothing until a datagram arrives: the peer opened it before its
   * NEW_CONNECTION_ID for it came, or its address has used up the amplification limit.
   */
  sendBlocked(path: Path): boolean {
    if (!path.hasRemoteCid) return true;
    return path.isAmplificationLimited && path.amplificationBudget < MIN_AMPLIFICATION_ROOM;
  }

  /** Builds one packet for `path` into `out`; returns its length, 0 if nothing is due. */
  private build(path: Path, nowMs: number, out: Uint8Array): number {
    if (!path.hasRemoteCid || path.closed) return 0; // a path the peer opened before its NEW_CONNECTION_ID for it arrived
    const lifecycle = this.lifecycle;
    if (lifecycle.state === 'closing') {
      const frame = lifecycle.takeCloseFrame(path.id, path.validated);
      return frame === undefined ? 0 : this.buildClose(path, frame, out);
    }
    const host = this.host;
    const stream = this.stream;
    const acks = path.acks;
    const ackDue = path.ackNow || (acks.ackDueAtMs !== undefined && acks.ackDueAtMs <= nowMs);
    const probe = path.probesDue > 0;
    // Connection-level frames (and stream data) go only on validated paths: an unvalidated one may lead
    // to a spoofed address, and its few bytes under the amplification limit are for validating it.
    const shared = path.validated;
    const room = path.cwndRoomBytes;
    // PATH_RESPONSE is ack-eliciting and in flight like data: it waits for window room (or rides a PTO probe).
    const pathResponse = path.pathResponsePending && (room > 0 || probe);
    const ping = shared && lifecycle.pingDue;
    // Whether any control frame is due; undefined until the owners of connection-level frames are asked,
    // which happens only when the answer matters (below): most packets carry data or an ACK, and then the
    // writing asks them anyway.
    let control: boolean | undefined = pathResponse || path.challengePending || ping || (shared ? undefined : false);
    // Redundant scheduling (once both sides listed it): the first stream byte this path still owes its own
    // copy of (sent on another path, not yet acknowledged), or -1.
    const dataPath = shared && this.scheduler.carriesData(path);
    const copyAt = dataPath && this.scheduler.redundant && host.redundantAgreed ? stream.copyStart(this.scheduler.copyFrom(path)) : -1;
    // Reinjection is the scheduler's: by default a probe on a path that stopped answering carries no data
    // while another path answers (scheduler/reinjection.ts).
    const dataRoom = room >= MIN_DATA_ROOM || (probe && this.scheduler.probeMayCarryData(path, this.pathSet.paths));
    let dataAllowed = dataPath && (stream.hasDataToSend || copyAt >= 0) && stream.mayCarryData && dataRoom;
    let mtuProbe = 0;
    if (host.pmtuEnabled && shared && !probe && !ackDue && room >= path.mtuBytes && !(control ??= this.sharedFramesDue())) {
      // An MTU probe goes once the window has room for a full-size packet, but is neither held to that
      // room nor counted in flight: RFC 8899 §3 lets probes bypass the congestion controller if they go
      // at least an RTT apart (the next waits for this one's ACK or loss), and §4.4 says their loss is
      // not congestion. A probe that had to fit the room would almost never go out on a busy path (ACKs
      // free a few packets at a time and data fills them); one counted in flight could take a fresh
      // path's whole window, and a link that drops it then leaves nothing behind it to show the loss:
      // the path sits idle for a PTO. Bounded: one probe outstanding at a time, at most one window large
      // (a bigger search target is probed at the window's size first). It travels alone, after any due
      // ACK and control frames, so its loss takes nothing else with it and delays no ACK. It stays
      // ack-eliciting, so it arms the PTO: on an idle path nothing else would show it lost.
      const size = Math.min(path.pmtud.probeSizeDue(nowMs), path.cc.cwnd);
      if (size >= path.mtuBytes + SEARCH_RESOLUTION_BYTES) mtuProbe = size;
    }
    if (dataAllowed && this.transport.pacing && !probe) {
      const srtt = path.loss.rtt.hasSample ? path.loss.rtt.smoothedRttMs : undefined;
      const wait = path.pacer.timeUntilSendMs(nowMs, path.mtuBytes, path.cc.cwnd, srtt);
      if (wait > 0) {
        dataAllowed = false;
        mtuProbe = 0;
        host.wakeAt(nowMs + wait);
      }
    }
    if (!ackDue && !probe && !dataAllowed && mtuProbe === 0 && !(control ??= this.sharedFramesDue())) return 0;
    // The datagram fits the caller's buffer, and an unvalidated address gets at most 3x what it sent us.
    let maxLength = Math.min(path.mtuBytes, out.length);
    const limited = path.isAmplificationLimited;
    if (limited) {
      const budget = path.amplificationBudget;
      if (budget < MIN_AMPLIFICATION_ROOM) return 0;
      if (budget < maxLength) maxLength = budget;
    }
    if (mtuProbe > 0 && (mtuProbe > out.length || (limited && mtuProbe > maxLength))) mtuProbe = 0;
    if (mtuProbe > 0) maxLength = mtuProbe;

    const pn = path.nextPacketNumber;
    const pnLength = packetNumberLength(pn, path.loss.largestAckedPn);
    const headerLength = encodeShortHeader(out, 0, { keyPhase: 0, dcid: path.remoteCid, packetNumber: pn, packetNumberLength: pnLength });
    const w = this.frames;
    w.restart(maxLength - headerLength - AEAD_TAG_LENGTH);

    if ((acks.hasNewPackets || ackDue) && mtuProbe === 0) {
      let ack = acks.buildAckFrame(nowMs);
      // A long ACK may not fit a datagram held to a small amplification budget: its newest ranges do
      // (one always fits the smallest room we send in), so a due ACK is never left pending with its
      // timer in the past.
      while (ack !== undefined && frameLength(ack) > w.limit && ack.ranges.length > 0) {
        ack = acks.buildAckFrame(nowMs, Math.ceil((ack.ranges.length + 1) / 2)); // ranges + the first one, halved
      }
      if (ack !== undefined && frameLength(ack) <= w.limit) {
        w.put(ack, false);
        w.contents.ackLargest = ack.largestAcked;
        acks.onAckSent();
      }
      path.ackNow = false;
    }
    // Unless this poll already found none of them due.
    if (shared && this.controlDue !== false) for (const source of this.sources) if (source.framesDue) source.writeFrames(w, path, nowMs);
    if (pathResponse && w.room >= 9) {
      w.put({ type: 'pathResponse', data: path.pathResponseData });
      path.pathResponsePending = false;
      path.stats.pathResponsesSent++;
    }
    if (path.challengePending && w.room >= 9) {
      w.put({ type: 'pathChallenge', data: path.challengeData });
      path.challengePending = false;
      w.contents.pathChallenge = true;
    }
    if (mtuProbe > 0) {
      w.put({ type: 'mtuProbe', probeSize: mtuProbe });
      w.pad(); // PADDING up to the probed size
      w.contents.mtuProbeBytes = mtuProbe;
      path.pmtud.onProbeSent(mtuProbe);
    } else if (dataAllowed) {
      const sent = stream.writeData(w, path, copyAt);
      if (sent !== undefined) this.scheduler.onDataSent(path, sent.end, sent.retransmission);
    }
    if ((probe || ping) && !w.ackEliciting) w.put({ type: 'ping' });
    if (w.ackEliciting) {
      if (shared) lifecycle.onPingSent();
      if (probe) path.probesDue--;
    }
    // RFC 9000 §8.2.1: a datagram with a PATH_CHALLENGE on a new path is expanded to 1200 bytes (within the
    // amplification limit), so the path is known to carry full-size datagrams before it carries data.
    if (w.contents.pathChallenge && !path.handshakePath && w.at < w.limit) w.pad();
    if (w.at === 0) return 0;

    const length = headerLength + w.at + AEAD_TAG_LENGTH;
    host.sealer?.seal(path.id, pn, out.subarray(0, headerLength), this.payload.subarray(0, w.at), out.subarray(headerLength, length));
    path.nextPacketNumber++;
    const ackEliciting = w.ackEliciting;
    const inFlight = ackEliciting && mtuProbe === 0; // an MTU probe is outside the window (see above)
    path.loss.onPacketSent(pn, nowMs, length, ackEliciting, inFlight, w.contents);
    if (ackEliciting) {
      if (inFlight) {
        path.cc.onPacketSent(nowMs, length, path.loss.bytesInFlight);
        path.noteInFlight(nowMs);
      }
      const srtt = path.loss.rtt.hasSample ? path.loss.rtt.smoothedRttMs : undefined;
      path.pacer.onPacketSent(nowMs, length, path.cc.cwnd, srtt);
      lifecycle.onAckElicitingSent(nowMs);
    }
    path.stats.packetsSent++;
    path.stats.bytesSent += length;
    path.validation.noteSent(length);
    lifecycle.onPacketSent(nowMs);
    return length;
  }

  /**
   * A lone PING to the path's last validated address, after the path followed a packet from a new one
   * (RFC 9000 §9.3.3). Ack-eliciting but outside the window, as an MTU probe; not charged to the new
   * address's amplification account, as it does not go there. No challenge and no data: an answer from
   * the old address must not be taken for the new address's.
   */
  private buildOldAddressPing(path: Path, nowMs: number, out: Uint8Array): number {
    const sealer = this.host.sealer;
    if (sealer === undefined || !path.hasRemoteCid || path.closed || this.lifecycle.state === 'closing') return 0;
    const pn = path.nextPacketNumber;
    const pnLength = packetNumberLength(pn, path.loss.largestAckedPn);
    const headerLength = encodeShortHeader(out, 0, { keyPhase: 0, dcid: path.remoteCid, packetNumber: pn, packetNumberLength: pnLength });
    const w = this.frames;
    w.restart(Math.min(path.mtuBytes, out.length) - headerLength - AEAD_TAG_LENGTH);
    w.put({ type: 'ping' });
    const length = headerLength + w.at + AEAD_TAG_LENGTH;
    sealer.seal(path.id, pn, out.subarray(0, headerLength), this.payload.subarray(0, w.at), out.subarray(headerLength, length));
    path.nextPacketNumber++;
    path.loss.onPacketSent(pn, nowMs, length, true, false, w.contents);
    path.stats.packetsSent++;
    path.stats.bytesSent += length;
    return length;
  }

  /** A packet with only our CLOSE frame. */
  private buildClose(path: Path, frame: CloseFrame, out: Uint8Array): number {
    const sealer = this.host.sealer;
    if (sealer === undefined) return 0;
    const pn = path.nextPacketNumber++;
    const pnLength = packetNumberLength(pn, path.loss.largestAckedPn);
    const headerLength = encodeShortHeader(out, 0, { keyPhase: 0, dcid: path.remoteCid, packetNumber: pn, packetNumberLength: pnLength });
    const at = encodeFrame(this.payload, 0, frame);
    const length = headerLength + at + AEAD_TAG_LENGTH;
    sealer.seal(path.id, pn, out.subarray(0, headerLength), this.payload.subarray(0, at), out.subarray(headerLength, length));
    return length;
  }
}
