/**
 * The local bench's links: one link emulator per `--path` SPEC, each relaying to the in-process sink,
 * so each path has its own delay, rate and loss.
 * @module
 */
import { createLinkEmulator, type LinkEmulator, type LinkImpairments } from '../../node/link-emulator.js';
import type { PathSpec } from '../path-spec.js';

/** A SPEC's impairments as the emulator takes them (each applies to both directions). */
export function impairmentsOf(spec: PathSpec): LinkImpairments {
  const out: { -readonly [K in keyof LinkImpairments]: LinkImpairments[K] } = {};
  if (spec.delayMs !== undefined) out.delayMs = spec.delayMs;
  if (spec.jitterMs !== undefined) out.jitterMs = spec.jitterMs;
  if (spec.rateBps !== undefined) out.rateBps = spec.rateBps;
  if (spec.lossRate !== undefined) out.lossRate = spec.lossRate;
  if (spec.queueBytes !== undefined) out.queueBytes = spec.queueBytes;
  if (spec.mtuBytes !== undefined) out.mtuBytes = spec.mtuBytes;
  return out;
}


/**
 * Starts one emulator per SPEC, in order, each listening on 127.0.0.1 and relaying to
 * 127.0.0.1:`sinkPort`. On failure the ones already started are closed.
 */
export async function startLinks(specs: readonly PathSpec[], sinkPort: number): Promise<LinkEmulator[]> {
  const links: LinkEmulator[] = [];
  try {
    for (const [i, spec] of specs.entries()) {
      // Each its own seed, so two links with the same loss do not drop the same datagrams.
      links.push(await createLinkEmulator({ backHost: '127.0.0.1', backPort: sinkPort, seed: i + 1, ...impairmentsOf(spec) }));
    }
    return links;
  } catch (error) {
    await Promise.all(links.map((link) => link.close()));
    throw error;
  }
}
