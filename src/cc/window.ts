/**
 * Window arithmetic shared by the built-in controllers and the pacer: the
 * RFC 9002 §7.2 initial and minimum windows and the §7.3.2 recovery test.
 * @module
 */

/**
 * Initial congestion window in bytes for a path whose maximum datagram size
 * is `maxDatagramSizeBytes`: min(10 * mds, max(14720, 2 * mds)) (RFC 9002
 * §7.2). Ten datagrams at QUIC's 1200-byte minimum; the 14720-byte cap keeps
 * large-MTU paths from starting with a very large burst.
 */
export function initialWindowBytes(maxDatagramSizeBytes: number): number {
  return Math.min(10 * maxDatagramSizeBytes, Math.max(14_720, 2 * maxDatagramSizeBytes));
}

/**
 * Minimum congestion window in bytes: two datagrams (RFC 9002 §7.2). Two,
 * not one, so a lost packet can still be detected by the packet threshold
 * while the window is collapsed, and so a delayed-ACK receiver is not left
 * waiting for a second packet that never comes.
 */
export function minimumWindowBytes(maxDatagramSizeBytes: number): number {
  return 2 * maxDatagramSizeBytes;
}

/** NewReno's multiplicative decrease on a congestion event, kLossReductionFactor (RFC 9002 §7.3.2, Appendix B.2). */
export const RENO_LOSS_REDUCTION_FACTOR = 0.5;

/**
 * Sentinel for "no recovery period yet": no send time is at or before it, so
 * every congestion event counts until the first one starts a period.
 */
export const NO_RECOVERY_MS = Number.NEGATIVE_INFINITY;
