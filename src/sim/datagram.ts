import type { SocketAddress } from '../core/socket-address.js';
import type { LinkDropCause } from './stats.js';

/**
 * A datagram in flight through the simulated network. While it travels
 * through a link it is also its own delivery event in the event queue, so a
 * datagram costs one object, not a datagram plus an event plus a closure.
 * @module
 */

/**
 * A link as a datagram's route holds it: what the simulator asks of each hop. Declared here, by the
 * datagram, so the datagram needs nothing of the link's module (the simulator's `Link` is one).
 */
export interface Hop {
  /** The link's name, for traces and errors. */
  readonly name: string;
  /** The datagram enters the link at `nowMs`; returns the drop cause, or undefined when the link took it. */
  enter(datagram: SimDatagram, nowMs: number): LinkDropCause | undefined;
  /** The datagram's delivery event is due: whether it leaves the link (false: a blackhole took it). */
  exit(datagram: SimDatagram): boolean;
}

/** Event kind of a {@link SimDatagram}: it is due to leave its current link. */
export const DELIVER_EVENT = 0;

/** One datagram on its way from a socket to a socket, possibly across several links. */
export class SimDatagram {
  /** Event kind tag: a datagram is always a delivery event. */
  readonly kind = DELIVER_EVENT;
  /** When it leaves the current link (virtual ms); set by the event queue. */
  timeMs = 0;
  /** Event queue tie-break; set by the event queue. */
  seq = 0;
  /** Index in `route` of the link it is in now. */
  hop = 0;

  /**
   * @param id sequence number of the send, shared by duplicates, for traces
   * @param bytes the payload, owned by this datagram (a copy of the sender's buffer)
   * @param from source address as the network sees it (after NAT)
   * @param toHost destination host
   * @param toPort destination port
   * @param route the links it crosses, in order (never empty)
   * @param sentAtMs when the endpoint emitted it, virtual ms
   */
  constructor(
    readonly id: number,
    readonly bytes: Uint8Array,
    readonly from: SocketAddress,
    readonly toHost: string,
    readonly toPort: number,
    readonly route: readonly Hop[],
    readonly sentAtMs: number,
  ) {}

  /** A copy for link duplication. The bytes are copied too: a receiver may decrypt in place. */
  duplicate(): SimDatagram {
    const copy = new SimDatagram(this.id, this.bytes.slice(), this.from, this.toHost, this.toPort, this.route, this.sentAtMs);
    copy.hop = this.hop;
    return copy;
  }
}
