import type { SocketAddress } from './socket-address.js';

/**
 * The sans-IO contract every mpt endpoint fulfils (docs/design.md §2.1), and the only
 * thing the Node layer and the simulator know about the engine. Time is a
 * number of milliseconds on any monotonic clock the driver chooses (virtual
 * in the simulator, the monotonic performance clock in Node); it never goes backwards.
 * @module
 */

/** Where an outgoing datagram goes: from which local socket to which remote. */
export interface Transmit {
  /** The local address (socket) to send from. */
  readonly local: SocketAddress;
  /** The destination. */
  readonly remote: SocketAddress;
  /** Datagram length in bytes; the bytes are at the start of the caller's buffer. */
  readonly length: number;
}

/** The driver-facing surface of an endpoint. */
export interface DatagramEndpoint {
  /** A datagram arrived on `local` from `remote`. Never throws: bad input is dropped and counted. */
  handleDatagram(nowMs: number, local: SocketAddress, remote: SocketAddress, bytes: Uint8Array): void;
  /** The time returned by {@link DatagramEndpoint.nextTimeout} has come (or passed). */
  handleTimeout(nowMs: number): void;
  /**
   * The next datagram to send, written into `out` (which must hold the
   * largest datagram the endpoint may build: 65 527 bytes is always enough),
   * or undefined when there is nothing to send now. Drain it in a loop after
   * every input.
   */
  pollTransmit(nowMs: number, out: Uint8Array): Transmit | undefined;
  /** When to call {@link DatagramEndpoint.handleTimeout} next, or undefined for never. */
  nextTimeout(): number | undefined;
}
