/**
 * Packet pacing (RFC 9002 §7.7): a token bucket refilled at
 * 1.25 * cwnd / smoothed_rtt with room for one initial window of burst.
 * @module
 */
import { initialWindowBytes } from './window.js';

/**
 * Pacing gain N of RFC 9002 §7.7: pace a little faster than cwnd per RTT so
 * that scheduling delays in the sender do not leave the window unused.
 */
export const PACING_GAIN = 1.25;

/**
 * The bucket holds at least this much time's worth of the pacing rate, ms.
 * Timers in Node fire in whole milliseconds, so a sender that may only send
 * one initial window per wake-up is capped at 10 datagrams per ms (about
 * 115 Mbit/s at 1452 bytes) however fast the path is; Linux paces in
 * quanta of about 1 ms of data for the same reason (tcp_tso_autosize).
 */
export const PACING_QUANTUM_MS = 1;

/** Token shortfall, bytes, that counts as none (rounding error of the refill arithmetic). */
const TOKEN_SLACK_BYTES = 1e-6;

/**
 * The pacing rate in bytes per ms for a window of `cwndBytes` and a smoothed
 * RTT of `srttMs`: N * cwnd / smoothed_rtt (RFC 9002 §7.7).
 */
export function pacingRateBytesPerMs(cwndBytes: number, srttMs: number): number {
  return (PACING_GAIN * cwndBytes) / srttMs;
}

/**
 * Spaces a path's packets out over the round trip instead of sending a whole
 * window back to back, which would overflow shallow router buffers
 * (RFC 9002 §7.7).
 *
 * A token bucket: tokens (bytes) accrue at {@link pacingRateBytesPerMs} up to
 * a capacity of one initial window (RFC 9002 §7.2, 10 datagrams at 1200 B),
 * the burst §7.7 allows, or {@link PACING_QUANTUM_MS} of the rate if that
 * is more. Each sent packet spends its size. The engine's send
 * loop asks {@link timeUntilSendMs} before building a packet and, if the
 * answer is positive, arms a timer for that many ms; it reports every packet
 * it sends with {@link onPacketSent}. The window and RTT are arguments, not
 * state, so the pacer always follows the controller's latest window.
 *
 * Until the path has an RTT sample (`srttMs` undefined) nothing is paced:
 * the initial window is limited by cwnd alone. Deterministic and
 * allocation-free: the state is three numbers.
 */
export class Pacer {
  /** Bucket capacity: the burst that may leave back to back, bytes. */
  private capacityBytes: number;
  /** Tokens in the bucket at {@link lastMs}, bytes; negative after an oversized packet. */
  private tokensBytes: number;
  /** When the bucket was last brought up to date, ms; NaN before the first call. */
  private lastMs: number;

  /** A pacer for a path whose maximum datagram size is `maxDatagramSizeBytes`, starting with a full bucket. */
  constructor(maxDatagramSizeBytes: number) {
    this.capacityBytes = initialWindowBytes(maxDatagramSizeBytes);
    this.tokensBytes = this.capacityBytes;
    this.lastMs = Number.NaN;
  }

  /** The burst allowance (bucket capacity), bytes. */
  get burstBytes(): number {
    return this.capacityBytes;
  }

  /**
   * How long to wait before a packet of `bytes` may be sent, ms; 0 means
   * send now. Does not change state. The result may be fractional: a caller
   * with a coarser timer may round it up, since tokens that accrue meanwhile
   * stay in the bucket and the long-run rate is unchanged.
   * @param nowMs the engine's clock, ms.
   * @param bytes size of the packet about to be sent, bytes.
   * @param cwndBytes the path's congestion window, bytes.
   * @param srttMs the path's smoothed RTT, ms; undefined before the first sample.
   */
  timeUntilSendMs(nowMs: number, bytes: number, cwndBytes: number, srttMs: number | undefined): number {
    if (srttMs === undefined || !(srttMs > 0) || !(cwndBytes > 0)) return 0;
    const rate = pacingRateBytesPerMs(cwndBytes, srttMs);
    const tokens = this.tokensAt(nowMs, rate);
    // A packet larger than the bucket waits only for a full bucket.
    const capacity = this.capacityAt(rate);
    const need = bytes < capacity ? bytes : capacity;
    // The slack absorbs floating-point residue: a caller that waits exactly
    // the returned time must then be told 0, not 1e-16 ms.
    return tokens + TOKEN_SLACK_BYTES >= need ? 0 : (need - tokens) / rate;
  }

  /**
   * A packet of `bytes` left at `nowMs`: refill the bucket to now at the
   * current rate, then spend the packet's size. Arguments as for
   * {@link timeUntilSendMs}.
   */
  onPacketSent(nowMs: number, bytes: number, cwndBytes: number, srttMs: number | undefined): void {
    if (srttMs === undefined || !(srttMs > 0) || !(cwndBytes > 0)) {
      // Unpaced: keep the bucket full so pacing starts with a full burst.
      this.tokensBytes = this.capacityBytes;
      this.lastMs = nowMs;
      return;
    }
    this.tokensBytes = this.tokensAt(nowMs, pacingRateBytesPerMs(cwndBytes, srttMs)) - bytes;
    this.lastMs = nowMs;
  }

  /** The path's maximum datagram size changed: the burst is one initial window of the new size. */
  onMtuUpdate(maxDatagramSizeBytes: number): void {
    this.capacityBytes = initialWindowBytes(maxDatagramSizeBytes);
    if (this.tokensBytes > this.capacityBytes) this.tokensBytes = this.capacityBytes;
  }

  /** The bucket's capacity at `rate` bytes/ms: the initial window, or a pacing quantum of the rate if more. */
  private capacityAt(rate: number): number {
    const quantum = rate * PACING_QUANTUM_MS;
    return quantum > this.capacityBytes ? quantum : this.capacityBytes;
  }

  /** Tokens the bucket holds at `nowMs` at `rate` bytes/ms, capped at the capacity. */
  private tokensAt(nowMs: number, rate: number): number {
    if (Number.isNaN(this.lastMs)) return this.tokensBytes;
    const elapsedMs = nowMs > this.lastMs ? nowMs - this.lastMs : 0;
    const tokens = this.tokensBytes + elapsedMs * rate;
    const capacity = this.capacityAt(rate);
    return tokens < capacity ? tokens : capacity;
  }
}
