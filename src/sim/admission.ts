import type { LinkConfig } from './link-options.js';
import type { Rng } from './rng.js';
import type { LinkDropCause } from './stats.js';

/**
 * The first stage of a link, shared by the simulator's links and the real
 * UDP link emulator: whether a datagram is dropped as it enters (outage,
 * MTU, Gilbert-Elliott burst loss, random loss), decided in that order from
 * the link's own seeded streams, so equal seeds drop the same datagrams.
 * @module
 */
export class LinkAdmission {
  /** Whether the burst-loss chain is in its bad state. */
  private burstBad = false;

  /**
   * @param lossRng stream for random loss.
   * @param burstRng stream for the burst-loss chain.
   */
  constructor(
    private readonly lossRng: Rng,
    private readonly burstRng: Rng,
  ) {}

  /** Why a datagram of `lengthBytes` is dropped on entry, or undefined when it may enter the queue. */
  verdict(config: LinkConfig, lengthBytes: number): Exclude<LinkDropCause, 'queue'> | undefined {
    if (config.blackhole) return 'blackhole';
    if (lengthBytes > config.mtuBytes) return 'mtu';
    const burst = config.burstLoss;
    if (burst !== undefined) {
      // Step the chain first, then lose by the new state: a burst starts on the datagram that enters the bad state.
      this.burstBad = this.burstBad ? !this.burstRng.chance(burst.badToGood) : this.burstRng.chance(burst.goodToBad);
      if (this.burstBad && this.burstRng.chance(burst.badLossRate)) return 'burst';
    }
    if (config.lossRate > 0 && this.lossRng.chance(config.lossRate)) return 'loss';
    return undefined;
  }
}
