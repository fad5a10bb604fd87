/**
 * The congestion-control plugin interface (docs/design.md §3.7). One controller per
 * path; the controllers of one connection are made by one
 * {@link CongestionGroup}, which is where coupled algorithms (LIA, OLIA,
 * BALIA: issue #5) share state. Uncoupled ones (reno, cubic) ignore it.
 *
 * The path, not the controller, counts bytes in flight and decides what is
 * lost (RFC 9002 §6); the controller only turns those events into a window.
 * All sizes are bytes, all times milliseconds on the engine's clock.
 * @module
 */

/** The path's RTT estimates when an ACK is processed (RFC 9002 §5). */
export interface RttSample {
  /** The RTT sample this ACK produced, ms. */
  readonly latestMs: number;
  /** Smoothed RTT, ms. */
  readonly smoothedMs: number;
  /** Minimum RTT seen on the path, ms. */
  readonly minMs: number;
}

/** A per-path congestion controller. */
export interface CongestionController {
  /** Congestion window: bytes the path may have in flight. */
  readonly cwnd: number;
  /** Slow-start threshold in bytes; Infinity until the first congestion event. */
  readonly ssthresh: number;
  /** A packet of `bytes` was sent; `bytesInFlight` includes it. */
  onPacketSent(nowMs: number, bytes: number, bytesInFlight: number): void;
  /**
   * `bytes` of a packet sent at `sentAtMs` were newly acknowledged.
   * `appLimited`: the sender did not fill the window when it sent it, so the
   * window must not grow on its account (RFC 9002 §7.8).
   */
  onAck(nowMs: number, sentAtMs: number, bytes: number, rtt: RttSample, appLimited: boolean): void;
  /**
   * Packets were declared lost; the newest of them was sent at `sentAtMs`.
   * At most one reduction per round trip: a controller ignores events for
   * packets sent before its current recovery period began (RFC 9002 §7.3.2).
   * `persistent`: RFC 9002 §7.6 persistent congestion, collapse to the minimum window.
   */
  onCongestionEvent(nowMs: number, sentAtMs: number, lostBytes: number, persistent: boolean): void;
  /** The path's maximum datagram size changed (PMTU discovery). */
  onMtuUpdate(maxDatagramSizeBytes: number): void;
  /** The path closed; a coupled controller leaves its group. */
  close(): void;
}

/** What a controller is told about its path when it is made. */
export interface CcPathInfo {
  /** The path's maximum datagram size in bytes (1200 until PMTU discovery raises it). */
  readonly maxDatagramSizeBytes: number;
  /** When the path was opened. */
  readonly nowMs: number;
}

/** Makes the controllers of one connection's paths; coupled algorithms share state here. */
export interface CongestionGroup {
  /** A controller for a new path of this connection. */
  createController(info: CcPathInfo): CongestionController;
}

/**
 * A congestion-control algorithm given as code rather than by name, for the `congestionControl`
 * transport setting (as quinn's ControllerFactory): either a {@link CongestionGroup}, one object that
 * makes the controller of every path of every connection given these options (right for an uncoupled
 * algorithm, whose group holds no state), or a function the engine calls once per connection for that
 * connection's own group (what a coupled algorithm needs: its paths' controllers share the group's
 * state). A function that throws, or returns no group, leaves that connection with the default ('olia').
 * The controllers run inside the engine's packet processing, so their methods must not throw.
 */
export type CongestionControlFactory = CongestionGroup | (() => CongestionGroup);

/**
 * The built-in congestion-control algorithms: coupled 'olia', 'lia' and
 * 'balia' (one group shared by a connection's paths), uncoupled 'cubic' and
 * 'reno' (independent per path).
 */
export type CongestionControlName = 'olia' | 'lia' | 'balia' | 'cubic' | 'reno';
