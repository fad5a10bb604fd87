/**
 * The demo's server side: answers one client's Noise XX handshake, issues a
 * connection ID per extra path, answers path challenges, reassembles the
 * stream in order and acknowledges every path's packets. It is a stand-in
 * for the engine of issue #3, built only from the real codecs and crypto.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import {
  decodeLongHeader,
  decodeTransportParams,
  defaultTransportParams,
  DEFAULT_CID_LENGTH,
  isLongHeader,
  serializeTransportParams,
  WIRE_VERSION,
  type Frame,
  type TransportParams,
} from '../../core/wire/index.js';
import { MPT_NOISE_PROTOCOLS, noisePrologue } from '../../crypto/mpt-suite.js';
import { negotiateAead } from '../../crypto/negotiate.js';
import { createHandshake, type HandshakeState } from '../../crypto/noise/handshake-state.js';
import type { CryptoProvider } from '../../crypto/provider.js';
import type { KeyPair } from '../../crypto/x25519.js';
import {
  cidKey,
  handshakeDatagram,
  openDatagram,
  ReceivedRanges,
  sealedDatagram,
  sessionProtection,
  type DropReason,
  type ReceivePath,
  type SessionProtection,
} from './packets.js';

/** Acknowledge after this many ack-eliciting packets on a path (RFC 9000 §13.2.2 uses 2). */
const ACK_EVERY = 4;

interface ServerPath extends ReceivePath {
  /** Where the path's packets come from; replies go there. */
  remote: RemoteInfo | undefined;
  readonly received: ReceivedRanges;
  unacked: number;
  nextPacketNumber: number;
}

/** Counters the demo prints. */
export interface ServerStats {
  /** Datagrams dropped, by reason. */
  readonly dropped: Record<DropReason | 'handshake', number>;
  /** Packets that opened and parsed. */
  packetsOpened: number;
  /** Stream bytes delivered in order. */
  bytesDelivered: number;
}

/** A one-connection demo server on one loopback UDP socket. */
export class DemoServer {
  /** Counters. */
  readonly stats: ServerStats = {
    dropped: { undecodable: 0, 'unknown-cid': 0, 'failed-authentication': 0, 'bad-frames': 0, handshake: 0 },
    packetsOpened: 0,
    bytesDelivered: 0,
  };
  /** Resolves with the SHA-256 of the whole stream once FIN has been delivered. */
  readonly finished: Promise<string>;

  private readonly socket: Socket;
  private readonly cid = randomBytes(DEFAULT_CID_LENGTH);
  private readonly paths = new Map<string, ServerPath>();
  private readonly pathsById: ServerPath[] = [];
  private readonly hash = createHash('sha256');
  private readonly pending = new Map<number, Uint8Array>();
  private handshake: HandshakeState | undefined;
  /** The client's CID for each path id: path 0's from the Initial, the others from NEW_CONNECTION_ID. */
  private readonly clientCids: Uint8Array[] = [];
  private handshakeReply: Uint8Array | undefined;
  private confirmFrames: Frame[] = [];
  private clientParams: TransportParams | undefined;
  private protection: SessionProtection | undefined;
  private deliveredTo = 0;
  private finalSize = -1;
  private ackTimer: NodeJS.Timeout | undefined;
  private resolveFinished!: (digest: string) => void;

  constructor(
    private readonly staticKeys: KeyPair,
    private readonly provider: CryptoProvider,
    private readonly maxPaths: number,
  ) {
    this.finished = new Promise((resolve) => (this.resolveFinished = resolve));
    this.socket = createSocket('udp4');
    this.socket.on('message', (msg, rinfo) => this.onDatagram(msg, rinfo));
  }

  /** Binds to `host` on an ephemeral port; resolves with the port. */
  listen(host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.socket.once('error', reject);
      this.socket.bind(0, host, () => resolve(this.socket.address().port));
    });
  }

  /** Closes the socket. */
  close(): void {
    clearTimeout(this.ackTimer);
    this.socket.close();
  }

  private onDatagram(datagram: Buffer, from: RemoteInfo): void {
    if (datagram.length === 0) return;
    if (isLongHeader(datagram[0] as number)) this.onHandshakePacket(datagram, from);
    else this.onShortPacket(datagram, from);
  }

  private onHandshakePacket(datagram: Uint8Array, from: RemoteInfo): void {
    const decoded = decodeLongHeader(datagram);
    if (decoded.isErr() || decoded.value.type === 'retry') {
      this.stats.dropped.handshake++;
      return;
    }
    const packet = decoded.value;
    const message = datagram.subarray(packet.headerLength, packet.packetLength);
    if (packet.type === 'initial' && this.handshake === undefined) {
      const hs = createHandshake({
        protocolName: MPT_NOISE_PROTOCOLS.xx,
        initiator: false,
        prologue: noisePrologue(WIRE_VERSION),
        staticKeyPair: this.staticKeys,
        provider: this.provider,
      });
      if (hs.isErr()) return;
      const clientParams = hs.value.readMessage(message).andThen((payload) => decodeTransportParams(payload));
      if (clientParams.isErr()) {
        this.stats.dropped.handshake++;
        return;
      }
      this.handshake = hs.value;
      this.clientCids[0] = packet.scid;
      this.clientParams = clientParams.value;
      const reply = hs.value.writeMessage(serializeTransportParams(this.localParams()));
      if (reply.isErr()) return;
      const header = { type: 'handshake', version: WIRE_VERSION, dcid: packet.scid, scid: this.cid, packetNumber: 0, packetNumberLength: 1 } as const;
      this.handshakeReply = handshakeDatagram(header, reply.value);
      this.socket.send(this.handshakeReply, from.port, from.address);
      return;
    }
    // A repeated Initial or final message means our reply was lost: repeat it.
    if (packet.type === 'initial' && this.handshakeReply !== undefined && this.protection === undefined) {
      this.socket.send(this.handshakeReply, from.port, from.address);
      return;
    }
    if (packet.type === 'handshake' && this.protection !== undefined) {
      this.sendOn(this.pathsById[0] as ServerPath, this.confirmFrames);
      return;
    }
    if (packet.type === 'handshake' && this.handshake !== undefined && this.protection === undefined) {
      if (this.handshake.readMessage(message).isErr() || this.clientParams === undefined) {
        this.stats.dropped.handshake++;
        return;
      }
      const aead = negotiateAead(this.clientParams.supportedAeads, this.localParams().supportedAeads);
      if (aead.isErr()) return;
      this.protection = sessionProtection(this.handshake, this.provider, aead.value);
      if (this.protection !== undefined) this.confirmHandshake(from);
      return;
    }
    this.stats.dropped.handshake++;
  }

  private localParams(): TransportParams {
    return {
      ...defaultTransportParams(this.cid),
      maxPaths: this.maxPaths,
      supportedAeads: this.provider.aeads,
      initialMaxData: 2 ** 40,
      activeConnectionIdLimit: 2,
    };
  }

  /** Path 0 uses the handshake CID; each extra path gets its own CID, sent inside packet protection. */
  private confirmHandshake(from: RemoteInfo): void {
    const frames = this.confirmFrames;
    frames.push({ type: 'handshakeDone' });
    this.addPath(0, this.cid, from);
    for (let pathId = 1; pathId < this.maxPaths; pathId++) {
      const cid = randomBytes(DEFAULT_CID_LENGTH);
      this.addPath(pathId, cid, undefined);
      frames.push({
        type: 'newConnectionId',
        pathId,
        sequenceNumber: 0,
        retirePriorTo: 0,
        connectionId: cid,
        statelessResetToken: randomBytes(16),
      });
    }
    this.sendOn(this.pathsById[0] as ServerPath, frames);
  }

  private addPath(pathId: number, cid: Uint8Array, remote: RemoteInfo | undefined): void {
    const path = { pathId, largestReceived: -1, remote, received: new ReceivedRanges(), unacked: 0, nextPacketNumber: 0 };
    this.paths.set(cidKey(cid), path);
    this.pathsById[pathId] = path;
  }

  private sendOn(path: ServerPath, frames: readonly Frame[]): void {
    const dcid = this.clientCids[path.pathId];
    if (this.protection === undefined || dcid === undefined || path.remote === undefined) return;
    const spec = { dcid, pathId: path.pathId, packetNumber: path.nextPacketNumber++, largestAcked: -1 };
    this.socket.send(sealedDatagram(this.protection.send, spec, frames), path.remote.port, path.remote.address);
  }

  private onShortPacket(datagram: Uint8Array, from: RemoteInfo): void {
    if (this.protection === undefined) {
      this.stats.dropped.undecodable++;
      return;
    }
    const opened = openDatagram(this.protection.receive, datagram, this.paths);
    if (typeof opened === 'string') {
      this.stats.dropped[opened]++;
      return;
    }
    this.stats.packetsOpened++;
    const path = opened.path as ServerPath;
    path.remote ??= from;
    let ackEliciting = false;
    for (const frame of opened.frames) {
      if (frame.type === 'data') this.onData(frame.offset, frame.data, frame.fin);
      else if (frame.type === 'newConnectionId' && frame.pathId < this.maxPaths) this.clientCids[frame.pathId] = frame.connectionId.slice();
      else if (frame.type === 'pathChallenge') this.sendOn(path, [{ type: 'pathResponse', data: frame.data }]);
      if (frame.type !== 'ack' && frame.type !== 'padding') ackEliciting = true;
    }
    if (!ackEliciting) return;
    path.received.add(opened.packetNumber);
    if (++path.unacked >= ACK_EVERY) this.sendAck(path);
    else this.ackTimer ??= setTimeout(() => this.flushAcks(), 2);
  }

  private sendAck(path: ServerPath): void {
    const ack = path.received.ackFrame(path.pathId);
    if (ack === undefined) return;
    path.unacked = 0;
    this.sendOn(path, [ack]);
  }

  private flushAcks(): void {
    this.ackTimer = undefined;
    for (const path of this.pathsById) if (path.unacked > 0) this.sendAck(path);
  }

  /** In-order delivery: bytes below deliveredTo are duplicates (retransmissions) and ignored. */
  private onData(offset: number, data: Uint8Array, fin: boolean): void {
    if (fin) this.finalSize = offset + data.length;
    if (offset + data.length > this.deliveredTo && !this.pending.has(offset)) {
      this.pending.set(offset, Uint8Array.from(data));
    }
    for (let next = this.pending.get(this.deliveredTo); next !== undefined; next = this.pending.get(this.deliveredTo)) {
      this.pending.delete(this.deliveredTo);
      this.hash.update(next);
      this.deliveredTo += next.length;
      this.stats.bytesDelivered = this.deliveredTo;
    }
    if (this.finalSize >= 0 && this.deliveredTo === this.finalSize) {
      this.flushAcks();
      this.resolveFinished(this.hash.digest('hex'));
      this.finalSize = -2; // resolve once
    }
  }
}
