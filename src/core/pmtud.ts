/**
 * Datagram Packetization Layer PMTU Discovery for one path (RFC 8899):
 * start at the base size every path must carry (1200 bytes), probe upward
 * with padded MTU_PROBE packets, keep the largest size that was
 * acknowledged. A binary search finds the limit of a loopback path (64 KiB)
 * in about a dozen round trips. Probe loss is not congestion: the
 * connection must not tell its controller about lost probes (§4.4).
 * @module
 */

/** Probes of one size lost in a row before that size counts as too big (RFC 8899 MAX_PROBES). */
export const MAX_PROBES = 3;
/** Stop searching once the bounds are this close, in bytes. */
export const SEARCH_RESOLUTION_BYTES = 32;
/** Search again this long after a completed search, in ms (RFC 8899 PMTU_RAISE_TIMER). */
export const RAISE_INTERVAL_MS = 600_000;

/** The PMTU search state of one path. */
export class PmtuDiscovery {
  /** The largest datagram size known to work on the path, in bytes. */
  currentBytes: number;
  /** Smallest size known (or assumed) too big, in bytes; the search stays below it. */
  private ceilingBytes: number;
  /** The size being probed, 0 when no probe is outstanding. */
  private probingBytes: number;
  /** Consecutive losses of the current probe size. */
  private failures: number;
  /** When to start the next search, once one completed. */
  private nextSearchAtMs: number;
  /** The upper bound given at construction, to restart from. */
  private readonly maxBytes: number;

  /**
   * @param baseBytes the size every path carries (1200).
   * @param maxBytes the largest size to try: min(local limit, peer's max_udp_payload_size).
   */
  constructor(baseBytes: number, maxBytes: number) {
    this.currentBytes = baseBytes;
    this.maxBytes = Math.max(baseBytes, maxBytes);
    this.ceilingBytes = this.maxBytes + 1;
    this.probingBytes = 0;
    this.failures = 0;
    this.nextSearchAtMs = 0;
  }

  /** Whether the search has nothing left to try until the raise timer. */
  get searchDone(): boolean {
    return this.ceilingBytes - this.currentBytes <= SEARCH_RESOLUTION_BYTES;
  }

  /**
   * When the next search may start (the raise timer, RFC 8899 §5.1.2), if one completed and a larger
   * size is still possible: the owner wakes then, so the probe goes out without other traffic.
   */
  get raiseAtMs(): number | undefined {
    return this.searchDone && this.probingBytes === 0 && this.currentBytes < this.maxBytes && this.nextSearchAtMs > 0 ? this.nextSearchAtMs : undefined;
  }

  /**
   * The size of the probe to send now, or 0 when none is due: one probe is
   * outstanding at a time, and after a finished search the next starts when
   * the raise timer expires.
   */
  probeSizeDue(nowMs: number): number {
    if (this.probingBytes !== 0) return 0;
    if (this.searchDone) {
      if (nowMs < this.nextSearchAtMs || this.currentBytes >= this.maxBytes) return 0;
      this.ceilingBytes = this.maxBytes + 1; // the path may have grown: search again
    }
    // Try the top first: on loopback and LANs the local limit usually holds.
    const size = this.failures === 0 && this.ceilingBytes > this.maxBytes ? this.maxBytes : Math.floor((this.currentBytes + this.ceilingBytes) / 2);
    return size > this.currentBytes ? size : 0;
  }

  /** A probe of `sizeBytes` was sent. */
  onProbeSent(sizeBytes: number): void {
    this.probingBytes = sizeBytes;
  }

  /** A probe was acknowledged: the path carries it. */
  onProbeAcked(sizeBytes: number, nowMs: number): void {
    if (sizeBytes > this.currentBytes) this.currentBytes = sizeBytes;
    if (sizeBytes === this.probingBytes) this.probingBytes = 0;
    this.failures = 0;
    if (this.searchDone) this.nextSearchAtMs = nowMs + RAISE_INTERVAL_MS;
  }

  /** A probe will never be acknowledged for a reason unrelated to its size (the peer could not decrypt it): try again. */
  onProbeAbandoned(sizeBytes: number): void {
    if (sizeBytes === this.probingBytes) this.probingBytes = 0;
  }

  /** A probe was declared lost. After {@link MAX_PROBES} losses its size counts as too big. */
  onProbeLost(sizeBytes: number, nowMs: number): void {
    if (sizeBytes !== this.probingBytes) return;
    this.probingBytes = 0;
    if (++this.failures < MAX_PROBES && !(this.ceilingBytes > this.maxBytes && sizeBytes === this.maxBytes)) return;
    // The first, optimistic probe at the maximum gets one chance only.
    this.ceilingBytes = sizeBytes;
    this.failures = 0;
    if (this.searchDone) this.nextSearchAtMs = nowMs + RAISE_INTERVAL_MS;
  }

  /**
   * A packet of the current size was lost repeatedly while smaller ones got
   * through (a black hole, RFC 8899 §4.3): fall back to the base size and search again.
   */
  reset(baseBytes: number): void {
    this.currentBytes = baseBytes;
    this.ceilingBytes = this.maxBytes + 1;
    this.probingBytes = 0;
    this.failures = 0;
    this.nextSearchAtMs = 0;
  }
}
