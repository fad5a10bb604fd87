import { err, ok, type Result } from 'neverthrow';
import type { CongestionControlFactory, CongestionControlName } from '../cc/congestion-controller.js';
import { parseCongestionControl } from '../cc/congestion-group.js';
import { MptError, MptErrorCode } from '../errors.js';
import { parseScheduler } from './scheduler/create-scheduler.js';
import type { SchedulerFactory, SchedulerName } from './scheduler/scheduler.js';
import { MAX_PROBE_SIZE, MIN_PROBE_SIZE } from './wire/frame-types.js';

/**
 * Transport settings of a connection: every one has a default that works,
 * and {@link resolveTransportConfig} checks whatever an application passes.
 * Times are milliseconds, sizes bytes.
 * @module
 */

/** Transport settings a connection runs with. */
export interface TransportConfig {
  /** Close the connection after this long without receiving anything; 0 disables. Default 30 000. */
  readonly idleTimeoutMs: number;
  /** Send a PING after this long without sending anything, to keep NAT bindings; 0 disables. Default 0. */
  readonly keepAliveIntervalMs: number;
  /** RTT assumed before the first sample (RFC 9002 §6.2.2). Default 333. */
  readonly initialRttMs: number;
  /** Longest we delay an ACK (transport parameter max_ack_delay). Default 25. */
  readonly maxAckDelayMs: number;
  /** Receive window we start with (initial_max_data). Default 1 MiB. */
  readonly initialWindowBytes: number;
  /** Largest receive window auto-tuning may grow to. Default 16 MiB. */
  readonly maxWindowBytes: number;
  /** Bytes written but not yet acknowledged above which write() asks the app to wait. Default 4 MiB. */
  readonly sendBufferBytes: number;
  /**
   * Congestion controller of every path (docs/cc.md): a built-in by name, or a
   * {@link CongestionControlFactory} (a congestion group, or a function that makes one per connection).
   * Default 'olia'.
   */
  readonly congestionControl: CongestionControlName | CongestionControlFactory;
  /** Upper bound of PMTU discovery: the largest UDP payload we try. Default 1452 (Ethernet, IPv6). */
  readonly maxDatagramSizeBytes: number;
  /** Whether PMTU discovery probes above 1200 bytes. Default true. */
  readonly pmtuDiscovery: boolean;
  /** Whether paths pace their packets (RFC 9002 §7.7). Default true. */
  readonly pacing: boolean;
  /**
   * Most paths open at once (transport parameter max_paths, docs/protocol.md §8), path 0 included. The
   * smaller of both sides' values bounds the paths a connection issues CIDs for. Default 1 (single path).
   */
  readonly maxPaths: number;
  /**
   * How packets are spread over the paths (docs/architecture.md, Schedulers): 'minrtt' (the lowest-RTT
   * path with window room), 'roundrobin' (paths take turns) or 'redundant' (every stream byte on every
   * path), or a {@link SchedulerFactory}: a function that makes each connection's own scheduler. Backup
   * paths carry data only when no available path answers. Default 'minrtt'.
   */
  readonly scheduler: SchedulerName | SchedulerFactory;
}

/** The defaults of {@link TransportConfig}. */
export const DEFAULT_TRANSPORT_CONFIG: TransportConfig = Object.freeze({
  idleTimeoutMs: 30_000,
  keepAliveIntervalMs: 0,
  initialRttMs: 333,
  maxAckDelayMs: 25,
  initialWindowBytes: 1 << 20,
  maxWindowBytes: 16 << 20,
  sendBufferBytes: 4 << 20,
  congestionControl: 'olia',
  maxDatagramSizeBytes: 1452,
  pmtuDiscovery: true,
  pacing: true,
  maxPaths: 1,
  scheduler: 'minrtt',
});

/** The smallest datagram every path must carry (RFC 9000 §14): the wire's smallest MTU probe. */
export const MIN_DATAGRAM_SIZE: number = MIN_PROBE_SIZE;
/** The largest UDP payload over IPv6 without jumbograms: the wire's largest MTU probe. */
export const MAX_DATAGRAM_SIZE: number = MAX_PROBE_SIZE;

interface Bound {
  readonly min: number;
  readonly max: number;
  /** Whether only whole numbers make sense (counts and byte sizes). */
  readonly integer?: boolean;
}

const BOUNDS: Readonly<Record<Exclude<keyof TransportConfig, 'congestionControl' | 'pmtuDiscovery' | 'pacing' | 'scheduler'>, Bound>> = {
  idleTimeoutMs: { min: 0, max: 3_600_000, integer: true }, // a transport parameter (varint)
  keepAliveIntervalMs: { min: 0, max: 3_600_000 },
  initialRttMs: { min: 1, max: 10_000 },
  maxAckDelayMs: { min: 0, max: 16_383, integer: true }, // a transport parameter (varint)
  initialWindowBytes: { min: 16 * 1024, max: 1 << 30, integer: true },
  maxWindowBytes: { min: 16 * 1024, max: 1 << 30, integer: true },
  sendBufferBytes: { min: 16 * 1024, max: 1 << 30, integer: true },
  maxDatagramSizeBytes: { min: MIN_DATAGRAM_SIZE, max: MAX_DATAGRAM_SIZE, integer: true },
  maxPaths: { min: 1, max: 256, integer: true },
};

function invalid(message: string): Result<never, MptError> {
  return err(new MptError(MptErrorCode.InvalidConfig, message));
}

/**
 * Fills in defaults and checks every value: numbers in range (whole numbers
 * for counts and byte sizes), a known congestion controller and scheduler or a factory of one,
 * booleans where booleans belong. Unknown keys are
 * ignored, so options objects can carry other layers' settings too.
 */
export function resolveTransportConfig(options: Partial<Record<keyof TransportConfig, unknown>> = {}): Result<TransportConfig, MptError> {
  const config = resolveTransportSettings(options);
  if (config.isErr()) return config;
  if (config.value.maxWindowBytes < config.value.initialWindowBytes) return invalid('maxWindowBytes must be at least initialWindowBytes');
  return config;
}

/**
 * {@link resolveTransportConfig} without the checks between settings (maxWindowBytes against
 * initialWindowBytes): each given value on its own, the others their defaults. For checking one
 * option before the others are known.
 */
export function resolveTransportSettings(options: Partial<Record<keyof TransportConfig, unknown>> = {}): Result<TransportConfig, MptError> {
  const out: Record<string, unknown> = { ...DEFAULT_TRANSPORT_CONFIG };
  for (const [key, bound] of Object.entries(BOUNDS) as [keyof typeof BOUNDS, Bound][]) {
    const value = options[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < bound.min || value > bound.max || (bound.integer === true && !Number.isInteger(value))) {
      return invalid(`${key} must be ${bound.integer === true ? 'an integer' : 'a number'} from ${bound.min} to ${bound.max}, got ${String(value)}`);
    }
    out[key] = value;
  }
  for (const key of ['pmtuDiscovery', 'pacing'] as const) {
    const value = options[key];
    if (value === undefined) continue;
    if (typeof value !== 'boolean') return invalid(`${key} must be a boolean, got ${String(value)}`);
    out[key] = value;
  }
  if (options.congestionControl !== undefined) {
    const cc = parseCongestionControl(options.congestionControl);
    if (cc.isErr()) return err(cc.error);
    out.congestionControl = cc.value;
  }
  if (options.scheduler !== undefined) {
    const scheduler = parseScheduler(options.scheduler);
    if (scheduler.isErr()) return err(scheduler.error);
    out.scheduler = scheduler.value;
  }
  return ok(out as unknown as TransportConfig);
}
