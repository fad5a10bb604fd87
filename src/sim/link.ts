import { LinkAdmission } from './admission.js';
import type { SimDatagram } from './datagram.js';
import type { EventQueue } from './event-queue.js';
import { TxDoneEvent, type SimEvent } from './events.js';
import { Fifo } from './fifo.js';
import {
  DEFAULT_LINK_CONFIG,
  applyLinkOptions,
  effectiveQueueBytes,
  type LinkConfig,
  type LinkOptions,
} from './link-options.js';
import type { Rng } from './rng.js';
import type { LinkDropCause, LinkStats } from './stats.js';

/**
 * A one-directional simulated link: the pipeline of {@link LinkOptions}
 * applied to every datagram that enters it. A link knows nothing of hosts:
 * the simulator's routes decide which datagrams enter it, so one link can be
 * a shared bottleneck for many flows.
 * @module
 */

/** Mutable drop counters, one per cause. */
type DropCounters = Record<LinkDropCause, number>;

/** A one-directional link. Create it with {@link Simulator.createLink}, {@link Simulator.link} or {@link Simulator.twoWayLink}. */
export class Link {
  /** Unique name; also labels its random streams, so naming a link keeps its draws stable. */
  readonly name: string;

  private config: LinkConfig;
  private queueLimitBytes: number;
  private readonly events: EventQueue<SimEvent>;
  // One stream per random feature: turning jitter on does not change which datagrams are lost.
  private readonly admission: LinkAdmission;
  private readonly jitterRng: Rng;
  private readonly reorderRng: Rng;
  private readonly duplicateRng: Rng;

  private readonly txEvent: TxDoneEvent;
  /** The datagram being serialised, if any. */
  private transmitting: SimDatagram | undefined = undefined;
  private readonly queue = new Fifo<SimDatagram>();
  private queuedBytes = 0;
  /** Latest arrival time handed out to an in-order datagram; keeps jitter from reordering. */
  private lastArrivalMs = -Infinity;

  private datagramsIn = 0;
  private bytesIn = 0;
  private datagramsDelivered = 0;
  private bytesDelivered = 0;
  private datagramsDuplicated = 0;
  private datagramsReorderDelayed = 0;
  private bytesDropped = 0;
  private maxQueueBytes = 0;
  private readonly dropped: DropCounters = { blackhole: 0, mtu: 0, burst: 0, loss: 0, queue: 0 };

  /**
   * Use the simulator's factory methods instead.
   * @internal
   * @param name unique link name
   * @param options initial options
   * @param rng this link's own stream, forked from the simulation's by name
   * @param events the simulator's event queue
   */
  constructor(name: string, options: LinkOptions, rng: Rng, events: EventQueue<SimEvent>) {
    this.name = name;
    this.config = applyLinkOptions(DEFAULT_LINK_CONFIG, options);
    this.queueLimitBytes = effectiveQueueBytes(this.config);
    this.events = events;
    this.admission = new LinkAdmission(rng.fork('loss'), rng.fork('burst'));
    this.jitterRng = rng.fork('jitter');
    this.reorderRng = rng.fork('reorder');
    this.duplicateRng = rng.fork('duplicate');
    this.txEvent = new TxDoneEvent(this);
  }

  /** The configuration in effect. */
  get options(): LinkConfig {
    return this.config;
  }

  /** The drop-tail queue size in effect, bytes. */
  get queueLimit(): number {
    return this.queueLimitBytes;
  }

  /** Whether the link is blackholed now. */
  get blackholed(): boolean {
    return this.config.blackhole;
  }

  /**
   * Changes some options now; the others keep their values. Datagrams already
   * past a stage keep what that stage gave them: the one being serialised
   * finishes at the old rate, those in flight keep their arrival time (but a
   * blackhole still catches them at the exit). Call it from
   * {@link Simulator.at} to change a link mid-run.
   */
  configure(changes: LinkOptions): void {
    this.config = applyLinkOptions(this.config, changes);
    this.queueLimitBytes = effectiveQueueBytes(this.config);
  }

  /** A snapshot of the link's counters. */
  stats(): LinkStats {
    return {
      name: this.name,
      datagramsIn: this.datagramsIn,
      bytesIn: this.bytesIn,
      datagramsDelivered: this.datagramsDelivered,
      bytesDelivered: this.bytesDelivered,
      datagramsDuplicated: this.datagramsDuplicated,
      datagramsReorderDelayed: this.datagramsReorderDelayed,
      dropped: { ...this.dropped },
      bytesDropped: this.bytesDropped,
      queueBytes: this.queuedBytes,
      maxQueueBytes: this.maxQueueBytes,
    };
  }

  /**
   * A datagram enters the link at `nowMs`. Returns the drop cause, or
   * undefined when the link took it (it comes back through `exit` when its
   * delivery event is due).
   * @internal
   */
  enter(datagram: SimDatagram, nowMs: number): LinkDropCause | undefined {
    const config = this.config;
    const length = datagram.bytes.length;
    this.datagramsIn++;
    this.bytesIn += length;
    const refused = this.admission.verdict(config, length);
    if (refused !== undefined) return this.drop(refused, length);
    if (config.rateBps === Infinity && this.transmitting === undefined) {
      this.propagate(datagram, nowMs);
      return undefined;
    }
    if (this.transmitting === undefined) {
      this.startTransmit(datagram, nowMs);
      return undefined;
    }
    if (this.queuedBytes + length > this.queueLimitBytes) return this.drop('queue', length);
    this.queue.push(datagram);
    this.queuedBytes += length;
    if (this.queuedBytes > this.maxQueueBytes) this.maxQueueBytes = this.queuedBytes;
    return undefined;
  }

  /**
   * The datagram being serialised is fully on the wire; start the next.
   * @internal
   */
  handleTxDone(nowMs: number): void {
    const done = this.transmitting;
    this.transmitting = undefined;
    if (done !== undefined) this.propagate(done, nowMs);
    const next = this.queue.shift();
    if (next !== undefined) {
      this.queuedBytes -= next.bytes.length;
      this.startTransmit(next, nowMs);
    }
  }

  /**
   * `datagram`'s delivery event is due. Returns false when the link is
   * blackholed now and swallows it (counted), true when it leaves the link.
   * @internal
   */
  exit(datagram: SimDatagram): boolean {
    const length = datagram.bytes.length;
    if (this.config.blackhole) {
      this.drop('blackhole', length);
      return false;
    }
    this.datagramsDelivered++;
    this.bytesDelivered += length;
    return true;
  }

  private startTransmit(datagram: SimDatagram, nowMs: number): void {
    this.transmitting = datagram;
    const serialisationMs = (datagram.bytes.length * 8 * 1000) / this.config.rateBps;
    this.events.push(this.txEvent, nowMs + serialisationMs);
  }

  /** Schedules arrival after delay, jitter and maybe the reorder delay; maybe duplicates. */
  private propagate(datagram: SimDatagram, nowMs: number): void {
    const config = this.config;
    let arrivalMs = nowMs + config.delayMs;
    if (config.jitterMs > 0) arrivalMs += this.jitterRng.nextFloat() * config.jitterMs;
    if (!config.reorder) {
      if (arrivalMs < this.lastArrivalMs) arrivalMs = this.lastArrivalMs;
      this.lastArrivalMs = arrivalMs;
    }
    // The reorder delay is applied after the in-order clamp and not recorded in
    // it: later datagrams must be free to overtake this one.
    if (config.reorderRate > 0 && this.reorderRng.chance(config.reorderRate)) {
      arrivalMs += config.reorderDelayMs;
      this.datagramsReorderDelayed++;
    }
    this.events.push(datagram, arrivalMs);
    if (config.duplicateRate > 0 && this.duplicateRng.chance(config.duplicateRate)) {
      this.datagramsDuplicated++;
      // Same arrival time, queued after the original: it arrives right behind it.
      this.events.push(datagram.duplicate(), arrivalMs);
    }
  }

  private drop(cause: LinkDropCause, length: number): LinkDropCause {
    this.dropped[cause]++;
    this.bytesDropped += length;
    return cause;
  }
}
