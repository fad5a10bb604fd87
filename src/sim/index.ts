/**
 * `mpt/sim`: a deterministic network simulator for testing mpt and its
 * plugins. It drives any {@link DatagramEndpoint} through the sans-IO
 * contract over virtual links with delay, jitter, loss (random and bursty),
 * rate limits with drop-tail queues, reordering, duplication, MTU limits,
 * blackholes and NAT rebinding; a minute of traffic runs in a fraction of a
 * second of real time, and equal seeds give identical runs.
 *
 * {@link simulateConnection} sets up a whole mpt connection in it (client and
 * server engines, their path managers, the links between their addresses):
 * the way to test a path-manager plugin (docs/plugins.md).
 *
 * @example
 * ```ts
 * import { Simulator } from 'mpt/sim';
 *
 * const sim = new Simulator({ seed: 42 });
 * sim.attach(client, [{ host: '10.0.0.1', port: 4000 }], { name: 'client' });
 * sim.attach(server, [{ host: '10.9.9.9', port: 443 }], { name: 'server' });
 * // 20 ms each way, 10 Mbit/s with a 64 KiB queue, 0.5 % random loss.
 * const { forward } = sim.twoWayLink('10.0.0.1', '10.9.9.9', {
 *   delayMs: 20, rateBps: 10e6, queueBytes: 64 * 1024, lossRate: 0.005,
 * });
 * sim.blackhole(forward, 5_000, 6_000); // a one-second uplink outage
 * sim.rebind('10.0.0.1', 4000, 50_123, 8_000); // then the client's NAT picks a new port
 * const elapsedMs = sim.runUntil(() => receivedBytes === total, { limitMs: 60_000 });
 * console.log(elapsedMs, sim.stats().links['10.0.0.1->10.9.9.9']);
 * ```
 * @module
 */

export type { DatagramEndpoint, Transmit } from '../core/datagram-endpoint.js';
export type { SocketAddress } from '../core/socket-address.js';
export { SimulationError, type SimulationErrorReason } from './errors.js';
export { Link } from './link.js';
export type { BurstLossOptions, LinkConfig, LinkOptions } from './link-options.js';
export { SimNode } from './node.js';
export { Rng } from './rng.js';
export {
  Simulator,
  type AttachOptions,
  type CreateLinkOptions,
  type RebindOptions,
  type RunUntilOptions,
  type SimulatorOptions,
  type TwoWayLink,
} from './simulator.js';
export type {
  DropCause,
  EndpointStats,
  LinkDropCause,
  LinkStats,
  NetworkDropCause,
  NetworkStats,
  SimStats,
} from './stats.js';
export {
  simulateConnection,
  SimulatedConnection,
  SimulatedEnd,
  type SimulateConnectionOptions,
  type SimulatedEndOptions,
  type SimulatedLink,
  type SimulatedPathEvent,
  type SimulatedPluginError,
  type SimulatedHappyEyeballs,
  type SimulatedAttemptEvent,
} from './simulate-connection.js';
export { createHappyEyeballsCache, type HappyEyeballsCache, type HappyEyeballsCacheEntry } from '../core/happy-eyeballs/cache.js';
export type { LocalInterface, PathManager, PathManagerContext, PathManagerFactory, PathStatsSample, PathView, InterfaceInfo, InterfaceType } from '../core/path-manager.js';
export { ReasonCode } from '../core/wire/reason-codes.js';
export { MptError, MptErrorCode } from '../errors.js';
export { formatTrace, type TraceRecord, type TraceSink, type TraceType } from './trace.js';
