/**
 * The packets of one path's packet number space that are sent and not yet
 * acknowledged or declared lost. Packet numbers are sent in increasing order
 * (docs/protocol.md §5), so the packets live in a ring indexed by
 * `pn - basePn`: recording, lookup and removal are O(1), with no Map and no
 * per-lookup allocation, even with thousands of packets in flight.
 * @module
 */

/** One sent packet, as loss recovery needs it (RFC 9002 §A.1.1), plus what the connection put in it. */
export class SentPacket<T> {
  /** Packet number in its path's packet number space. */
  readonly pn: number;
  /** When it was sent, in ms. */
  readonly sentAtMs: number;
  /** Bytes it counts against congestion control (the UDP payload size). */
  readonly sizeBytes: number;
  /** Whether it carries a frame other than ACK, PADDING or CLOSE, so the peer must acknowledge it (RFC 9002 §2). */
  readonly ackEliciting: boolean;
  /**
   * Whether it counts toward bytes in flight: ack-eliciting, or padding-only (RFC 9002 §2), except a
   * PMTU probe, which is ack-eliciting but outside the window (RFC 8899 §3).
   */
  readonly inFlight: boolean;
  /** What the connection sent in it (data ranges, control frames to resend on loss); opaque here. */
  readonly payload: T;

  /** Records one sent packet; see the fields for units. */
  constructor(pn: number, sentAtMs: number, sizeBytes: number, ackEliciting: boolean, inFlight: boolean, payload: T) {
    this.pn = pn;
    this.sentAtMs = sentAtMs;
    this.sizeBytes = sizeBytes;
    this.ackEliciting = ackEliciting;
    this.inFlight = inFlight;
    this.payload = payload;
  }
}

/**
 * Slot states: a packet (outstanding), `undefined` (acknowledged, lost or
 * discarded: nothing outstanding) or `null` (a packet number that was never
 * sent, so an ACK for it is a protocol violation, RFC 9000 §13.1).
 */
type Slot<T> = SentPacket<T> | null | undefined;

const INITIAL_CAPACITY = 64;

/**
 * Most packet numbers one window may span (2^22, 4 Mi slots). A sender never
 * has that many packets outstanding on one path; the bound only stops a
 * caller's packet number jump from allocating without limit.
 */
export const MAX_SENT_WINDOW = 1 << 22;

/**
 * A ring of the outstanding packets of one packet number space, indexed by
 * packet number. The window spans from the oldest outstanding packet to the
 * last packet number recorded; it slides forward as the oldest packets leave.
 */
export class SentPackets<T> {
  private slots: Slot<T>[];
  /** capacity - 1; the capacity is a power of two. */
  private mask: number;
  /** Physical index of `basePn`. */
  private head: number;
  /** Packet number of the first slot of the window. */
  private basePn: number;
  /** Slots in the window: packet numbers basePn .. basePn + span - 1. */
  private span: number;
  /** Outstanding packets in the window. */
  private live: number;
  /** Never-sent (skipped) packet numbers still inside the window. */
  private skippedInWindow: number;
  /** Largest packet number recorded so far, or -1. */
  largestSentPn: number;

  /** An empty space whose first packet number will be at least 0. */
  constructor() {
    this.slots = new Array<Slot<T>>(INITIAL_CAPACITY).fill(undefined);
    this.mask = INITIAL_CAPACITY - 1;
    this.head = 0;
    this.basePn = 0;
    this.span = 0;
    this.live = 0;
    this.skippedInWindow = 0;
    this.largestSentPn = -1;
  }

  /** Number of outstanding packets. */
  get size(): number {
    return this.live;
  }

  /** Smallest packet number that may still be outstanding; every packet below it has left. */
  get lowestPn(): number {
    return this.basePn;
  }

  /** One past the last packet number of the window. */
  get endPn(): number {
    return this.basePn + this.span;
  }

  /**
   * Records a sent packet. Its packet number must exceed every earlier one;
   * packet numbers skipped in between are remembered as never sent.
   * @returns false (and records nothing) if `packet.pn` is not above {@link largestSentPn}, or would stretch the
   *   window beyond {@link MAX_SENT_WINDOW}: a caller bug.
   */
  push(packet: SentPacket<T>): boolean {
    if (packet.pn <= this.largestSentPn || !Number.isSafeInteger(packet.pn)) return false;
    if (this.live > 0 && packet.pn - this.basePn >= MAX_SENT_WINDOW) return false;
    if (this.live === 0) {
      // Nothing outstanding: restart the window at this packet, which also drops stale skipped slots.
      this.clearSlots();
      this.basePn = packet.pn;
      this.head = 0;
      this.span = 0;
      this.skippedInWindow = 0;
    }
    const newSpan = packet.pn - this.basePn + 1;
    if (newSpan > this.slots.length) this.grow(newSpan);
    for (let pn = this.basePn + this.span; pn < packet.pn; pn++) {
      this.slots[(this.head + pn - this.basePn) & this.mask] = null;
      this.skippedInWindow++;
    }
    this.slots[(this.head + newSpan - 1) & this.mask] = packet;
    this.span = newSpan;
    this.live++;
    this.largestSentPn = packet.pn;
    return true;
  }

  /** The outstanding packet `pn`, or undefined if it was never sent or has already left. */
  get(pn: number): SentPacket<T> | undefined {
    if (pn < this.basePn || pn >= this.basePn + this.span) return undefined;
    return this.slots[(this.head + pn - this.basePn) & this.mask] ?? undefined;
  }

  /** Whether `pn` is a packet number inside the window that was never sent. */
  isSkipped(pn: number): boolean {
    if (pn < this.basePn || pn >= this.basePn + this.span) return false;
    return this.slots[(this.head + pn - this.basePn) & this.mask] === null;
  }

  /** Whether any never-sent packet number lies inside the window (so ACK validation must look at slots). */
  get hasSkipped(): boolean {
    return this.skippedInWindow > 0;
  }

  /**
   * Removes outstanding packet `pn` and returns it, or undefined if it was not
   * outstanding. Slides the window past packets that have left.
   */
  remove(pn: number): SentPacket<T> | undefined {
    if (pn < this.basePn || pn >= this.basePn + this.span) return undefined;
    const index = (this.head + pn - this.basePn) & this.mask;
    const packet = this.slots[index];
    if (packet === undefined || packet === null) return undefined;
    this.slots[index] = undefined;
    this.live--;
    if (pn === this.basePn) this.advance();
    return packet;
  }

  /** Removes and returns every outstanding packet, in increasing packet number order. */
  drain(): SentPacket<T>[] {
    const out: SentPacket<T>[] = [];
    for (let i = 0; i < this.span; i++) {
      const packet = this.slots[(this.head + i) & this.mask];
      if (packet !== undefined && packet !== null) out.push(packet);
    }
    this.clearSlots();
    this.basePn = this.largestSentPn + 1;
    this.head = 0;
    this.span = 0;
    this.live = 0;
    this.skippedInWindow = 0;
    return out;
  }

  /** Moves the window's start past slots that hold nothing outstanding. */
  private advance(): void {
    while (this.span > 0) {
      const slot = this.slots[this.head];
      if (slot !== undefined && slot !== null) break;
      if (slot === null) {
        this.skippedInWindow--;
        this.slots[this.head] = undefined;
      }
      this.head = (this.head + 1) & this.mask;
      this.basePn++;
      this.span--;
    }
  }

  private clearSlots(): void {
    for (let i = 0; i < this.span; i++) this.slots[(this.head + i) & this.mask] = undefined;
  }

  private grow(minCapacity: number): void {
    let capacity = this.slots.length * 2;
    while (capacity < minCapacity) capacity *= 2;
    const next = new Array<Slot<T>>(capacity).fill(undefined);
    for (let i = 0; i < this.span; i++) next[i] = this.slots[(this.head + i) & this.mask];
    this.slots = next;
    this.mask = capacity - 1;
    this.head = 0;
  }
}
