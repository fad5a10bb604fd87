/**
 * Plain options describing a one-directional link, their defaults and their
 * validation. A link applies them as one fixed pipeline, in this order:
 *
 *     blackhole -> mtu -> burst loss -> random loss -> rate + drop-tail queue
 *       -> delay + jitter (+ reorder delay) -> duplication -> (blackhole at exit)
 *
 * A fixed order rather than a free list of elements keeps a datagram to at
 * most two events (end of serialisation, arrival) and every option
 * independent of the others; chaining links gives the other orders when a
 * scenario needs them.
 * @module
 */

/**
 * Gilbert-Elliott burst loss: a two-state Markov chain stepped once per
 * datagram. In the good state nothing is lost; in the bad state a datagram is
 * lost with `badLossRate`. With `badLossRate` 1, bursts have a mean length of
 * 1/badToGood datagrams and the long-run loss rate is
 * goodToBad / (goodToBad + badToGood).
 */
export interface BurstLossOptions {
  /** Probability per datagram of moving from the good to the bad state (the model's p). */
  readonly goodToBad: number;
  /** Probability per datagram of moving from the bad back to the good state (the model's r). */
  readonly badToGood: number;
  /** Loss probability in the bad state (1 - h in the model); default 1. */
  readonly badLossRate?: number;
}

/** How a link treats the datagrams that cross it. Every field is optional; the defaults give a perfect, instant link. */
export interface LinkOptions {
  /** Fixed one-way propagation delay, ms. Default 0. */
  readonly delayMs?: number;
  /** Random extra delay, uniform in [0, jitterMs], drawn per datagram, ms. Default 0. */
  readonly jitterMs?: number;
  /**
   * Whether jitter may reorder datagrams. Default false: a datagram is then
   * held until every earlier one has arrived, so jitter only bunches
   * datagrams up, as on most real paths. `reorderRate` reorders regardless.
   */
  readonly reorder?: boolean;
  /** Probability that a datagram is lost, independently of every other. Default 0. */
  readonly lossRate?: number;
  /** Burst loss; undefined (the default) turns it off. */
  readonly burstLoss?: BurstLossOptions | undefined;
  /**
   * Serialisation rate, bits per second: a datagram of n bytes occupies the
   * link for n*8/rateBps seconds. Default Infinity (no rate limit, no queue).
   */
  readonly rateBps?: number;
  /**
   * Drop-tail queue size, bytes waiting behind the datagram being serialised;
   * an arriving datagram that does not fit is dropped. Default: 100 ms worth
   * of `rateBps` (at least 1500 bytes), following later rate changes.
   */
  readonly queueBytes?: number;
  /** Fraction of datagrams given an extra `reorderDelayMs`, so later ones overtake them. Default 0. */
  readonly reorderRate?: number;
  /** Extra delay of a reordered datagram, ms. Default 10. */
  readonly reorderDelayMs?: number;
  /** Probability that a datagram is delivered twice (both copies arrive at the same time). Default 0. */
  readonly duplicateRate?: number;
  /** Largest datagram the link carries, bytes; larger ones are dropped. Default Infinity. */
  readonly mtuBytes?: number;
  /** When true the link loses everything: datagrams entering it and datagrams due to leave it. Default false. */
  readonly blackhole?: boolean;
}

/** The fully resolved configuration of a link; what {@link Link.options} returns. */
export interface LinkConfig {
  /** See {@link LinkOptions.delayMs}. */
  readonly delayMs: number;
  /** See {@link LinkOptions.jitterMs}. */
  readonly jitterMs: number;
  /** See {@link LinkOptions.reorder}. */
  readonly reorder: boolean;
  /** See {@link LinkOptions.lossRate}. */
  readonly lossRate: number;
  /** See {@link LinkOptions.burstLoss}; badLossRate filled in. */
  readonly burstLoss: Required<BurstLossOptions> | undefined;
  /** See {@link LinkOptions.rateBps}. */
  readonly rateBps: number;
  /** The queue size set explicitly, or undefined to follow the rate (see {@link LinkOptions.queueBytes}). */
  readonly queueBytesSetting: number | undefined;
  /** See {@link LinkOptions.reorderRate}. */
  readonly reorderRate: number;
  /** See {@link LinkOptions.reorderDelayMs}. */
  readonly reorderDelayMs: number;
  /** See {@link LinkOptions.duplicateRate}. */
  readonly duplicateRate: number;
  /** See {@link LinkOptions.mtuBytes}. */
  readonly mtuBytes: number;
  /** See {@link LinkOptions.blackhole}. */
  readonly blackhole: boolean;
}

/** The configuration of a link created with no options. */
export const DEFAULT_LINK_CONFIG: LinkConfig = Object.freeze({
  delayMs: 0,
  jitterMs: 0,
  reorder: false,
  lossRate: 0,
  burstLoss: undefined,
  rateBps: Infinity,
  queueBytesSetting: undefined,
  reorderRate: 0,
  reorderDelayMs: 10,
  duplicateRate: 0,
  mtuBytes: Infinity,
  blackhole: false,
});

/** How long the default queue holds at the link's rate, seconds. */
const DEFAULT_QUEUE_SECONDS = 0.1;
/** The default queue always fits at least one full-size Ethernet datagram. */
const MIN_DEFAULT_QUEUE_BYTES = 1500;

/** The queue size in effect for a configuration, bytes. */
export function effectiveQueueBytes(config: LinkConfig): number {
  if (config.queueBytesSetting !== undefined) return config.queueBytesSetting;
  if (config.rateBps === Infinity) return Infinity;
  return Math.max(MIN_DEFAULT_QUEUE_BYTES, Math.floor((config.rateBps / 8) * DEFAULT_QUEUE_SECONDS));
}

/**
 * `base` with `changes` applied, validated. Throws a RangeError naming the
 * offending option: a bad scenario is a bug in the test, best reported at
 * the line that configured it.
 */
export function applyLinkOptions(base: LinkConfig, changes: LinkOptions): LinkConfig {
  const burst = 'burstLoss' in changes ? changes.burstLoss : base.burstLoss;
  const config: LinkConfig = {
    delayMs: changes.delayMs ?? base.delayMs,
    jitterMs: changes.jitterMs ?? base.jitterMs,
    reorder: changes.reorder ?? base.reorder,
    lossRate: changes.lossRate ?? base.lossRate,
    burstLoss:
      burst === undefined
        ? undefined
        : { goodToBad: burst.goodToBad, badToGood: burst.badToGood, badLossRate: burst.badLossRate ?? 1 },
    rateBps: changes.rateBps ?? base.rateBps,
    queueBytesSetting: changes.queueBytes ?? base.queueBytesSetting,
    reorderRate: changes.reorderRate ?? base.reorderRate,
    reorderDelayMs: changes.reorderDelayMs ?? base.reorderDelayMs,
    duplicateRate: changes.duplicateRate ?? base.duplicateRate,
    mtuBytes: changes.mtuBytes ?? base.mtuBytes,
    blackhole: changes.blackhole ?? base.blackhole,
  };
  nonNegativeFinite('delayMs', config.delayMs);
  nonNegativeFinite('jitterMs', config.jitterMs);
  nonNegativeFinite('reorderDelayMs', config.reorderDelayMs);
  probability('lossRate', config.lossRate);
  probability('reorderRate', config.reorderRate);
  probability('duplicateRate', config.duplicateRate);
  if (config.burstLoss !== undefined) {
    probability('burstLoss.goodToBad', config.burstLoss.goodToBad);
    probability('burstLoss.badToGood', config.burstLoss.badToGood);
    probability('burstLoss.badLossRate', config.burstLoss.badLossRate);
  }
  if (!(config.rateBps > 0)) throw new RangeError(`rateBps must be > 0 (Infinity for unlimited), got ${config.rateBps}`);
  if (config.queueBytesSetting !== undefined && !(config.queueBytesSetting >= 0)) {
    throw new RangeError(`queueBytes must be >= 0, got ${config.queueBytesSetting}`);
  }
  if (!(config.mtuBytes > 0)) throw new RangeError(`mtuBytes must be > 0 (Infinity for none), got ${config.mtuBytes}`);
  return Object.freeze(config);
}

function nonNegativeFinite(name: string, value: number): void {
  if (!(value >= 0 && value < Infinity)) throw new RangeError(`${name} must be a finite number >= 0, got ${value}`);
}

function probability(name: string, value: number): void {
  if (!(value >= 0 && value <= 1)) throw new RangeError(`${name} must be a probability in [0, 1], got ${value}`);
}
