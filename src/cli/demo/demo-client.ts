/**
 * The demo's client side: a Noise XX handshake on path 0, then one more path
 * per extra loopback address, each validated by PATH_CHALLENGE before it
 * carries data, then a byte stream spread over every validated path with a
 * fixed window per path, ACK-driven loss detection and retransmission. A
 * stand-in for the engine of issue #3 built only from the real codecs and
 * crypto; it has no congestion control.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import {
  ackFrameRanges,
  dataFrameHeaderLength,
  decodeLongHeader,
  decodeTransportParams,
  defaultTransportParams,
  DEFAULT_CID_LENGTH,
  isLongHeader,
  makeCloseFrame,
  ReasonCode,
  serializeTransportParams,
  WIRE_VERSION,
  type AckFrame,
  type Frame,
} from '../../core/wire/index.js';
import { MPT_NOISE_PROTOCOLS, noisePrologue } from '../../crypto/mpt-suite.js';
import { negotiateAead } from '../../crypto/negotiate.js';
import { createHandshake, type HandshakeState } from '../../crypto/noise/handshake-state.js';
import { aeadName, type AeadId, type CryptoProvider } from '../../crypto/provider.js';
import { generateKeyPair } from '../../crypto/x25519.js';
import {
  cidKey,
  DEMO_DATAGRAM_SIZE,
  handshakeDatagram,
  openDatagram,
  sealedDatagram,
  sessionProtection,
  shortPacketOverhead,
  type ReceivePath,
  type SessionProtection,
} from './packets.js';

/** Packets in flight per path: a fixed window in place of congestion control. */
const WINDOW_PACKETS = 24;
/** A packet is lost once this many later packets of its path were acknowledged (RFC 9002 §6.1.1). */
const PACKET_THRESHOLD = 3;
/** With nothing acknowledged for this long, everything in flight on a path is resent. */
const RETRANSMIT_TIMEOUT_MS = 150;
/** Handshake messages and path challenges are repeated at this interval until answered. */
const REPEAT_MS = 200;

interface Chunk {
  readonly offset: number;
  readonly length: number;
  readonly fin: boolean;
}

interface InFlight extends Chunk {
  readonly sentAtMs: number;
}

/** Per-path figures the demo shows live. */
export interface PathProgress {
  /** Path id. */
  readonly pathId: number;
  /** Local address:port of the path. */
  readonly local: string;
  /** Whether PATH_CHALLENGE / PATH_RESPONSE has validated the path. */
  validated: boolean;
  /** Packets sent on the path. */
  packetsSent: number;
  /** Stream bytes the peer acknowledged on this path. */
  bytesAcked: number;
  /** Stream bytes resent after a loss on this path. */
  bytesRetransmitted: number;
  /** Smoothed RTT in ms from ACKs of the newest packet (RFC 9002 §5.3, without ack delay). */
  srttMs: number;
}

interface ClientPath extends ReceivePath {
  readonly socket: Socket;
  readonly cid: Uint8Array;
  readonly progress: PathProgress;
  dcid: Uint8Array | undefined;
  challenge: Uint8Array | undefined;
  nextPacketNumber: number;
  largestAcked: number;
  lastAckAtMs: number;
  readonly inFlight: Map<number, InFlight>;
}

/** What the client learned in the handshake. */
export interface HandshakeFacts {
  /** The server's static public key, learned and verified during XX. */
  readonly serverKey: Uint8Array;
  /** The negotiated packet-protection AEAD. */
  readonly aead: string;
  /** Milliseconds from the first Initial to the confirmed handshake. */
  readonly handshakeMs: number;
}

/** The demo client: paths from `localHosts[i]` to one server. */
export class DemoClient {
  /** Per path, in path id order. */
  readonly progress: PathProgress[] = [];
  /** SHA-256 of every byte written. */
  readonly sentDigest: string;

  private readonly paths: ClientPath[] = [];
  private readonly pathByCid = new Map<string, ClientPath>();
  private readonly retransmitQueue: Chunk[] = [];
  private readonly data: Uint8Array;
  private readonly chunkSize: number;
  private readonly serverHsCid = randomBytes(DEFAULT_CID_LENGTH);
  private server = { host: '127.0.0.1', port: 0 };
  private handshake: HandshakeState | undefined;
  private finalMessage: Uint8Array | undefined;
  private handshakeConfirmed = false;
  private protection: SessionProtection | undefined;
  private serverCids: Uint8Array[] = [];
  private serverKey: Uint8Array | undefined;
  private aead: AeadId | undefined;
  private nextOffset = 0;
  private bytesAcked = 0;
  private timer: NodeJS.Timeout | undefined;
  private startedAtMs = 0;
  private onHandshake: ((facts: HandshakeFacts) => void) | undefined;
  private onDone: (() => void) | undefined;

  constructor(
    private readonly provider: CryptoProvider,
    data: Uint8Array,
  ) {
    this.data = data;
    this.sentDigest = createHash('sha256').update(data).digest('hex');
    // Largest chunk that fits a 1200-byte datagram with the longest (4-byte) packet number.
    const overhead = shortPacketOverhead({ dcid: this.serverHsCid, pathId: 0, packetNumber: 2 ** 24, largestAcked: 0 });
    const room = DEMO_DATAGRAM_SIZE - overhead;
    this.chunkSize = room - dataFrameHeaderLength(data.length, room, false);
  }

  /** Binds one socket per local address; a host that cannot be bound falls back to 127.0.0.1. */
  async bind(localHosts: readonly string[]): Promise<void> {
    for (const host of localHosts) {
      const socket = await bindSocket(host).catch(() => bindSocket('127.0.0.1'));
      const pathId = this.paths.length;
      const address = socket.address();
      const progress: PathProgress = { pathId, local: `${address.address}:${address.port}`, validated: false, packetsSent: 0, bytesAcked: 0, bytesRetransmitted: 0, srttMs: 0 };
      const path: ClientPath = {
        pathId, socket, progress, cid: randomBytes(DEFAULT_CID_LENGTH), dcid: undefined, challenge: undefined,
        nextPacketNumber: 0, largestAcked: -1, largestReceived: -1, lastAckAtMs: 0, inFlight: new Map(),
      };
      socket.on('message', (msg) => this.onDatagram(path, msg));
      this.paths.push(path);
      this.pathByCid.set(cidKey(path.cid), path);
      this.progress.push(progress);
    }
  }

  /** Runs the handshake against `server`; resolves once the server confirmed it. */
  connect(serverHost: string, serverPort: number): Promise<HandshakeFacts> {
    this.server = { host: serverHost, port: serverPort };
    this.startedAtMs = performance.now();
    const hs = createHandshake({
      protocolName: MPT_NOISE_PROTOCOLS.xx,
      initiator: true,
      prologue: noisePrologue(WIRE_VERSION),
      staticKeyPair: generateKeyPair(), // XX authenticates the client too; the demo client has no identity to keep
      provider: this.provider,
      verifyRemoteStatic: (key) => {
        this.serverKey = key.slice();
        return true; // XX: trust on first use; issue #3 adds pinning (IK) and a user callback
      },
    });
    if (hs.isErr()) return Promise.reject(hs.error);
    this.handshake = hs.value;
    const path0 = this.paths[0] as ClientPath;
    const params = { ...defaultTransportParams(path0.cid), maxPaths: this.paths.length, supportedAeads: this.provider.aeads };
    const first = hs.value.writeMessage(serializeTransportParams(params));
    if (first.isErr()) return Promise.reject(first.error);
    const header = { type: 'initial', version: WIRE_VERSION, dcid: this.serverHsCid, scid: path0.cid, token: new Uint8Array(0), packetNumber: 0, packetNumberLength: 1 } as const;
    const initial = handshakeDatagram(header, first.value);
    this.repeatUntilAnswered(() => this.protection === undefined && this.handshake !== undefined, () => this.sendRaw(path0, initial));
    return new Promise((resolve) => (this.onHandshake = resolve));
  }

  /** Sends the whole buffer over every validated path; resolves when all of it is acknowledged. */
  transfer(): Promise<void> {
    this.timer = setInterval(() => this.onRetransmitTimer(), RETRANSMIT_TIMEOUT_MS / 3);
    const done = new Promise<void>((resolve) => (this.onDone = resolve));
    this.pump();
    return done;
  }

  /** Sends CLOSE on path 0 and closes the sockets. */
  close(): void {
    clearInterval(this.timer);
    const path0 = this.paths[0];
    if (path0 !== undefined && path0.dcid !== undefined) this.sendFrames(path0, [makeCloseFrame(ReasonCode.ApplicationClose, 0, 'demo complete')]);
    for (const path of this.paths) path.socket.close();
  }

  /**
   * Sends one datagram with a single bit of a real sealed packet flipped, and one
   * of random bytes: both must be dropped by the server without harm.
   */
  sendForgeries(): void {
    const path = this.paths[0] as ClientPath;
    if (path.dcid === undefined || this.protection === undefined) return;
    const genuine = sealedDatagram(this.protection.send, { dcid: path.dcid, pathId: 0, packetNumber: path.nextPacketNumber++, largestAcked: path.largestAcked }, [{ type: 'ping' }]);
    genuine[genuine.length - 5] = (genuine[genuine.length - 5] as number) ^ 0x10;
    this.sendRaw(path, genuine);
    const garbage = randomBytes(200);
    garbage[0] = 0x40; // short-header form, so it gets as far as authentication
    this.sendRaw(path, garbage);
  }

  private sendRaw(path: ClientPath, datagram: Uint8Array): void {
    path.socket.send(datagram, this.server.port, this.server.host);
  }

  private repeatUntilAnswered(pending: () => boolean, send: () => void): void {
    send();
    const again = setInterval(() => (pending() ? send() : clearInterval(again)), REPEAT_MS);
  }

  private onDatagram(path: ClientPath, datagram: Buffer): void {
    if (datagram.length === 0) return;
    if (isLongHeader(datagram[0] as number)) this.onHandshakeReply(path, datagram);
    else if (this.protection !== undefined) this.onShortPacket(datagram);
  }

  private onHandshakeReply(path: ClientPath, datagram: Uint8Array): void {
    const hs = this.handshake;
    const decoded = decodeLongHeader(datagram);
    // A repeated reply needs no answer: the repeat timer resends our final message.
    if (hs === undefined || this.finalMessage !== undefined || decoded.isErr() || decoded.value.type !== 'handshake') return;
    const packet = decoded.value;
    const serverParams = hs.readMessage(datagram.subarray(packet.headerLength, packet.packetLength)).andThen(decodeTransportParams);
    if (serverParams.isErr()) return;
    const third = hs.writeMessage();
    const aead = negotiateAead(this.provider.aeads, serverParams.value.supportedAeads);
    if (third.isErr() || aead.isErr()) return;
    this.aead = aead.value;
    this.serverCids[0] = packet.scid.slice();
    path.dcid = this.serverCids[0];
    const header = { type: 'handshake', version: WIRE_VERSION, dcid: packet.scid, scid: path.cid, packetNumber: 1, packetNumberLength: 1 } as const;
    this.finalMessage = handshakeDatagram(header, third.value);
    this.protection = sessionProtection(hs, this.provider, aead.value);
    this.repeatUntilAnswered(() => !this.haveAllServerCids(), () => this.sendRaw(path, this.finalMessage as Uint8Array));
  }

  private onShortPacket(datagram: Uint8Array): void {
    const opened = openDatagram((this.protection as SessionProtection).receive, datagram, this.pathByCid);
    if (typeof opened === 'string') return;
    const path = opened.path as ClientPath;
    for (const frame of opened.frames) {
      if (frame.type === 'ack') this.onAck(frame);
      else if (frame.type === 'handshakeDone') this.handshakeConfirmed = true;
      else if (frame.type === 'newConnectionId' && frame.pathId < this.paths.length) this.serverCids[frame.pathId] ??= frame.connectionId.slice();
      else if (frame.type === 'pathResponse' && path.challenge !== undefined && Buffer.from(frame.data).equals(path.challenge)) {
        path.challenge = undefined;
        path.progress.validated = true;
        this.pump();
      }
    }
    this.onHandshakeDone();
  }

  /** The server confirmed the handshake and gave a CID for every path: validate the extra paths. */
  private onHandshakeDone(): void {
    const resolve = this.onHandshake;
    if (resolve === undefined || !this.handshakeConfirmed || !this.haveAllServerCids() || this.serverKey === undefined) return;
    this.onHandshake = undefined;
    const path0 = this.paths[0] as ClientPath;
    path0.progress.validated = true; // the handshake itself proved this path
    for (const path of this.paths.slice(1)) this.validate(path);
    resolve({ serverKey: this.serverKey, aead: aeadName(this.aead as AeadId), handshakeMs: performance.now() - this.startedAtMs });
  }

  private haveAllServerCids(): boolean {
    return this.paths.every((path) => this.serverCids[path.pathId] !== undefined);
  }

  /** Gives the server our CID for the path, then challenges the path (both in one packet). */
  private validate(path: ClientPath): void {
    path.dcid = this.serverCids[path.pathId];
    path.challenge = randomBytes(8);
    const frames: Frame[] = [
      { type: 'newConnectionId', pathId: path.pathId, sequenceNumber: 0, retirePriorTo: 0, connectionId: path.cid, statelessResetToken: randomBytes(16) },
      { type: 'pathChallenge', data: path.challenge },
    ];
    this.repeatUntilAnswered(() => path.challenge !== undefined, () => this.sendFrames(path, frames));
  }

  private sendFrames(path: ClientPath, frames: readonly Frame[]): void {
    if (path.dcid === undefined || this.protection === undefined) return;
    const spec = { dcid: path.dcid, pathId: path.pathId, packetNumber: path.nextPacketNumber++, largestAcked: path.largestAcked };
    this.sendRaw(path, sealedDatagram(this.protection.send, spec, frames));
    path.progress.packetsSent++;
  }

  /** Fills every validated path's window, retransmissions first. */
  private pump(): void {
    if (this.onDone === undefined) return;
    for (let progress = true; progress; ) {
      progress = false;
      for (const path of this.paths) {
        if (!path.progress.validated || path.inFlight.size >= WINDOW_PACKETS) continue;
        const chunk = this.nextChunk();
        if (chunk === undefined) return;
        this.sendChunk(path, chunk);
        progress = true;
      }
    }
  }

  private nextChunk(): Chunk | undefined {
    const again = this.retransmitQueue.shift();
    if (again !== undefined) return again;
    if (this.nextOffset > this.data.length || (this.nextOffset === this.data.length && this.data.length > 0)) return undefined;
    const length = Math.min(this.chunkSize, this.data.length - this.nextOffset);
    const chunk = { offset: this.nextOffset, length, fin: this.nextOffset + length === this.data.length };
    this.nextOffset += length === 0 ? 1 : length; // an empty stream still sends its FIN once
    return chunk;
  }

  private sendChunk(path: ClientPath, chunk: Chunk): void {
    const pn = path.nextPacketNumber;
    const data = this.data.subarray(chunk.offset, chunk.offset + chunk.length);
    this.sendFrames(path, [{ type: 'data', offset: chunk.offset, data, fin: chunk.fin, explicitLength: false }]);
    path.inFlight.set(pn, { ...chunk, sentAtMs: performance.now() });
  }

  private onAck(frame: AckFrame): void {
    const path = this.paths[frame.pathId];
    if (path === undefined) return;
    const now = performance.now();
    for (const range of ackFrameRanges(frame)) {
      for (const [pn, sent] of path.inFlight) {
        if (pn < range.smallest || pn > range.largest) continue;
        path.inFlight.delete(pn);
        path.progress.bytesAcked += sent.length;
        this.bytesAcked += sent.length;
        if (pn === frame.largestAcked) {
          const sample = now - sent.sentAtMs;
          path.progress.srttMs = path.progress.srttMs === 0 ? sample : 0.875 * path.progress.srttMs + 0.125 * sample;
        }
      }
    }
    if (frame.largestAcked > path.largestAcked) {
      path.largestAcked = frame.largestAcked;
      path.lastAckAtMs = now;
    }
    for (const [pn, sent] of path.inFlight) {
      if (pn + PACKET_THRESHOLD <= path.largestAcked) this.declareLost(path, pn, sent);
    }
    if (this.bytesAcked === this.data.length && this.nextOffset >= this.data.length && this.allAcked()) {
      const done = this.onDone;
      this.onDone = undefined;
      done?.();
      return;
    }
    this.pump();
  }

  private allAcked(): boolean {
    return this.retransmitQueue.length === 0 && this.paths.every((p) => p.inFlight.size === 0);
  }

  private declareLost(path: ClientPath, pn: number, sent: InFlight): void {
    path.inFlight.delete(pn);
    path.progress.bytesRetransmitted += sent.length;
    this.retransmitQueue.push({ offset: sent.offset, length: sent.length, fin: sent.fin });
  }

  private onRetransmitTimer(): void {
    const now = performance.now();
    for (const path of this.paths) {
      for (const [pn, sent] of path.inFlight) {
        if (now - sent.sentAtMs > RETRANSMIT_TIMEOUT_MS && now - path.lastAckAtMs > RETRANSMIT_TIMEOUT_MS) this.declareLost(path, pn, sent);
      }
    }
    this.pump();
  }
}

function bindSocket(host: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', (error) => {
      socket.close();
      reject(error);
    });
    socket.bind(0, host, () => resolve(socket));
  });
}
