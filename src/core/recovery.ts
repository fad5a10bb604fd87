import type { ByteStream } from './byte-stream.js';
import { MIN_DATAGRAM_SIZE } from './config.js';
import type { ConnectionEvent } from './connection-events.js';
import { AckStatus } from './loss-detector.js';
import type { PacketContents } from './packet-contents.js';
import type { Path } from './path.js';
import type { PathSet } from './path-set.js';
import type { SentPacket } from './sent-packets.js';
import { protocolError, type TransportError } from './transport-error.js';
import { ackDelayMicros, ackFrameRanges, type AckFrame } from './wire/index.js';

/**
 * What became of the packets we sent, routed to each frame's owner. An ACK settles packets on its
 * path: each acknowledged packet's record ({@link PacketContents}) goes back to the stream, to each
 * recorded frame's owner (the handshake, the path set, the path signals...) and to the path itself
 * (ACK-of-ACK, PMTU probes), and its bytes to the
 * congestion controller. A packet declared lost, or one whose path failed or closed, is queued again
 * by the same owners ("requeue"): each decides what to send again. Probe timeouts of a path that
 * stopped answering move its data to the others (reinjection, see scheduler/reinjection.ts).
 * @module
 */

/**
 * Consecutive probe timeouts without an answer after which a path is declared failed (a 'path' event,
 * `Path.failed`); it is still probed, and an answer brings it back ('recovered'). Two: the first PTO
 * may be a tail loss, a second in a row (backed off) is a path that stopped answering.
 */
export const PATH_FAILED_PTOS = 2;
/**
 * Consecutive PTOs after which a path whose PMTU was raised falls back to the base size (RFC 8899 §4.3
 * black-hole detection): every full-size packet is being lost, and repeated probe timeouts are all the
 * sender sees. Three (1 + 2 + 4 PTOs of backoff) rule out a tail loss or a short burst.
 */
const PMTU_BLACK_HOLE_PTOS = 3;

/** What recovery needs from the connection besides the stream and the path set. */
export interface RecoveryHost {
  /** A path's probe timer fired: the handshake may need repeating too (XX message 3 lost). */
  onProbeTimeout(): void;
  /** The peer's ack_delay_exponent (3 before its parameters arrive). */
  readonly peerAckDelayExponent: number;
  /** Reports path events. */
  emit(event: ConnectionEvent): void;
  /** Counters. */
  readonly stats: { packetsLost: number };
}

/** ACK and loss processing for one connection. */
export class Recovery {
  constructor(
    private readonly host: RecoveryHost,
    private readonly stream: ByteStream,
    private readonly pathSet: PathSet,
  ) {}

  /** An ACK frame: settles the packets it names on its path. */
  onAck(frame: AckFrame, nowMs: number): TransportError | undefined {
    const path = this.pathSet.byId(frame.pathId);
    if (path === undefined) return protocolError(`ACK for unknown path ${frame.pathId}`);
    if (path.closed) return undefined; // an ACK of an abandoned path's packets, sent before the peer knew: nothing to do
    const outcome = path.loss.onAckReceived(ackFrameRanges(frame), ackDelayMicros(frame.ackDelay, this.host.peerAckDelayExponent) / 1000, nowMs);
    if (outcome.status !== AckStatus.Ok) return protocolError('ACK of a packet never sent');
    if (path.failed && outcome.newlyAcked.length > 0) {
      path.failed = false;
      this.host.emit({ type: 'path', pathId: path.id, change: 'recovered', reasonCode: 0 });
    }
    const rtt = path.loss.rtt;
    const sample = { latestMs: rtt.latestRttMs, smoothedMs: rtt.smoothedRttMs, minMs: rtt.minRttMs };
    for (const packet of outcome.newlyAcked) {
      const c = packet.payload;
      this.stream.onAcked(c, path);
      if (c.ackLargest >= 0) path.acks.onAckOfAckFrame(c.ackLargest);
      c.ackRecords();
      if (c.mtuProbeBytes > 0) {
        path.pmtud.onProbeAcked(c.mtuProbeBytes, nowMs);
        path.cc.onMtuUpdate(path.mtuBytes);
        path.pacer.onMtuUpdate(path.mtuBytes);
      }
      if (packet.inFlight) path.cc.onAck(nowMs, packet.sentAtMs, packet.sizeBytes, sample, path.appLimited);
    }
    if (outcome.lost.length > 0) this.onPacketsLost(path, outcome.lost, outcome.persistentCongestion, nowMs);
    this.stream.onAcksDone();
    return undefined;
  }

  /** A path's loss or probe timer fired. */
  onLossTimeout(path: Path, nowMs: number): void {
    const outcome = path.loss.onTimeout(nowMs);
    if (outcome.kind === 'lost') this.onPacketsLost(path, outcome.lost, outcome.persistentCongestion, nowMs);
    else if (outcome.kind === 'pto') {
      path.probesDue = outcome.probePackets;
      if (outcome.ptoCount >= PATH_FAILED_PTOS && !path.failed) {
        path.failed = true;
        this.host.emit({ type: 'path', pathId: path.id, change: 'failed', reasonCode: 0 });
      }
      if (outcome.ptoCount >= PMTU_BLACK_HOLE_PTOS) this.onPmtuBlackHole(path);
      // RFC 9002 §6.2.4: with no new data to carry, a probe should carry data still unacknowledged, so a
      // lost tail (or FIN) is repaired by the probe itself rather than one round trip after it.
      // A path that stopped answering must not hold the stream hostage: with another validated path to
      // carry it, everything it has outstanding (data and connection-level frames such as MAX_DATA) is
      // queued again, whether or not new data is waiting (reinjection; whichever copy is acknowledged
      // first settles it), as its ACKs may never come to declare it lost.
      if (this.pathSet.hasOtherValidated(path)) this.requeueOutstanding(path);
      else if (!this.stream.hasDataToSend) this.requeueOldestData(path, outcome.probePackets);
      this.host.onProbeTimeout();
    }
  }

  /** Queues again whatever a packet that will never be acknowledged carried (MTU probes aside). */
  requeue(c: PacketContents): void {
    this.stream.onLost(c);
    c.loseRecords();
  }

  /** Queues again what every outstanding packet of `path` carried, without declaring it lost. */
  requeueOutstanding(path: Path): void {
    const sent = path.loss.sent;
    for (let pn = sent.lowestPn; pn < sent.endPn; pn++) {
      const packet = sent.get(pn);
      if (packet !== undefined) this.requeue(packet.payload);
    }
  }

  /**
   * Queues the stream data of the oldest `count` outstanding packets for sending again, without
   * declaring them lost (no congestion signal): whichever copy is acknowledged first settles it.
   */
  private requeueOldestData(path: Path, count: number): void {
    const sent = path.loss.sent;
    for (let pn = sent.lowestPn; pn < sent.endPn && count > 0; pn++) {
      const packet = sent.get(pn);
      if (packet === undefined || packet.payload.dataOffset < 0) continue;
      this.stream.onDataRequeued(packet.payload);
      count--;
    }
  }

  private onPacketsLost(path: Path, lost: readonly SentPacket<PacketContents>[], persistent: boolean, nowMs: number): void {
    let lostBytes = 0;
    let newestSentAtMs = -1;
    for (const packet of lost) {
      const c = packet.payload;
      path.stats.packetsLost++;
      path.stats.bytesLost += packet.sizeBytes;
      this.host.stats.packetsLost++;
      this.requeue(c);
      // What only makes sense on its own path.
      if (c.pathChallenge && path.challengeOutstanding) path.challengePending = true;
      if (c.mtuProbeBytes > 0) {
        path.pmtud.onProbeLost(c.mtuProbeBytes, nowMs); // a lost probe says nothing about congestion (RFC 8899 §4.4)
        continue;
      }
      if (packet.inFlight) {
        lostBytes += packet.sizeBytes;
        if (packet.sentAtMs > newestSentAtMs) newestSentAtMs = packet.sentAtMs;
      }
    }
    if (lostBytes > 0) path.cc.onCongestionEvent(nowMs, newestSentAtMs, lostBytes, persistent);
    // Persistent congestion with a raised PMTU may be a black hole rather than congestion: search again.
    if (persistent) this.onPmtuBlackHole(path);
  }

  /**
   * PMTU black hole (RFC 8899 §4.3): the path stopped carrying the size discovery reached (a route
   * change, a tunnel), so every full-size packet is lost. Fall back to the base size every path carries
   * and search again; what the lost packets carried is requeued by loss detection as usual.
   */
  private onPmtuBlackHole(path: Path): void {
    if (path.mtuBytes <= MIN_DATAGRAM_SIZE) return;
    path.pmtud.reset(MIN_DATAGRAM_SIZE);
    path.cc.onMtuUpdate(MIN_DATAGRAM_SIZE);
    path.pacer.onMtuUpdate(MIN_DATAGRAM_SIZE);
    path.stats.pmtuBlackHoles++;
  }
}
