/**
 * Receive-side connection flow control (RFC 9000 §4) with receive-window
 * auto-tuning. The window starts small enough that an idle or slow reader
 * cannot make us buffer much, and doubles whenever the application drains a
 * window's worth in under two round trips: then the window, not the reader,
 * is what limits throughput (the bandwidth-delay product exceeds it).
 * @module
 */

/** Default initial receive window: 1 MiB. */
export const DEFAULT_INITIAL_WINDOW_BYTES = 1 << 20;
/** Default largest receive window auto-tuning may reach: 16 MiB. */
export const DEFAULT_MAX_WINDOW_BYTES = 16 << 20;
/** Auto-tuning doubles the window when updates come faster than this many RTTs apart. */
const AUTO_TUNE_RTTS = 2;

/** Options of a {@link ReceiveFlowControl}; every field has a default. */
export interface ReceiveFlowControlConfig {
  /** Initial window in bytes: our initial_max_data transport parameter. Default 1 MiB. */
  readonly initialWindowBytes?: number;
  /** Largest window auto-tuning may reach, in bytes. Default 16 MiB (at least the initial window). */
  readonly maxWindowBytes?: number;
}

/**
 * How much the peer may send us. The limit we advertise (MAX_DATA) is an
 * absolute stream offset: `consumed + window` at the last update.
 * Offsets and sizes are bytes; times are ms.
 */
export class ReceiveFlowControl {
  /** The current MAX_DATA: the peer may send bytes below this offset. */
  maxDataOffset: number;
  /** Current window size. */
  windowBytes: number;
  /** Largest window auto-tuning may reach. */
  readonly maxWindowBytes: number;
  /** Bytes the application has consumed (read). */
  consumedOffset: number;
  /** One past the highest stream offset received. */
  highestReceivedOffset: number;
  /** Whether the current MAX_DATA must be (re)sent: the window moved on, or the frame carrying it was lost. */
  private updatePending: boolean;
  /** When we last advertised a new limit, in ms; undefined before the first update. */
  private lastUpdateAtMs: number | undefined;

  /** A controller whose first MAX_DATA is the initial window (sent as initial_max_data). */
  constructor(config: ReceiveFlowControlConfig = {}) {
    const initial = config.initialWindowBytes ?? DEFAULT_INITIAL_WINDOW_BYTES;
    this.windowBytes = initial;
    this.maxWindowBytes = Math.max(initial, config.maxWindowBytes ?? DEFAULT_MAX_WINDOW_BYTES);
    this.maxDataOffset = initial;
    this.consumedOffset = 0;
    this.highestReceivedOffset = 0;
    this.updatePending = false;
    this.lastUpdateAtMs = undefined;
  }

  /**
   * Checks a DATA frame ending at `endOffset` against the advertised limit.
   * @returns false if it exceeds MAX_DATA: a FlowControlError (RFC 9000 §4.1); nothing is recorded.
   */
  onDataReceived(endOffset: number): boolean {
    if (endOffset > this.maxDataOffset) return false;
    if (endOffset > this.highestReceivedOffset) this.highestReceivedOffset = endOffset;
    return true;
  }

  /**
   * The application consumed `bytes` more of the stream. Once less than half
   * the window remains advertised ahead of the reader, a MAX_DATA is due:
   * updating every byte would waste packets, waiting longer would stall the sender.
   */
  onConsumed(bytes: number): void {
    this.consumedOffset += bytes;
    if (this.maxDataOffset - this.consumedOffset <= this.windowBytes / 2) this.updatePending = true;
  }

  /** Whether a MAX_DATA frame should be sent ({@link pollMaxData} would return a value). */
  get shouldSendMaxData(): boolean {
    return this.updatePending;
  }

  /**
   * Takes the MAX_DATA value to send now, or undefined if none is due.
   * Auto-tunes first: if the previous update was less than two RTTs ago, the
   * reader is consuming a whole window per round trip or so, so the window
   * doubles (up to the maximum).
   * @param nowMs the current time.
   * @param rttMs the smoothed RTT (of the fastest path: that is when the peer could use the credit).
   */
  pollMaxData(nowMs: number, rttMs: number): number | undefined {
    if (!this.updatePending) return undefined;
    this.updatePending = false;
    const target = this.consumedOffset + this.windowBytes;
    if (target <= this.maxDataOffset) {
      // A lost frame is being resent, or nothing moved: repeat the current limit (never lower it, RFC 9000 §4.1).
      return this.maxDataOffset;
    }
    if (this.lastUpdateAtMs !== undefined && nowMs - this.lastUpdateAtMs < AUTO_TUNE_RTTS * rttMs && this.windowBytes < this.maxWindowBytes) {
      this.windowBytes = Math.min(this.windowBytes * 2, this.maxWindowBytes);
    }
    this.lastUpdateAtMs = nowMs;
    this.maxDataOffset = Math.max(this.maxDataOffset, this.consumedOffset + this.windowBytes);
    return this.maxDataOffset;
  }

  /**
   * The peer says it is blocked at `limitOffset` (DATA_BLOCKED, RFC 9000 §4.1).
   * If that is our current limit and the reader has made room since, send the
   * new limit now instead of waiting for half the window to drain.
   */
  onPeerBlocked(limitOffset: number): void {
    if (limitOffset >= this.maxDataOffset && this.consumedOffset + this.windowBytes > this.maxDataOffset) this.updatePending = true;
  }

  /**
   * A packet carrying MAX_DATA `lostMaxDataOffset` was lost. It is resent only
   * if still the current limit (a newer one supersedes it, RFC 9000 §13.3).
   */
  onMaxDataLost(lostMaxDataOffset: number): void {
    if (lostMaxDataOffset === this.maxDataOffset) this.updatePending = true;
  }
}
