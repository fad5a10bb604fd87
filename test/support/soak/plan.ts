/**
 * What the soak does with each connection, drawn from a seeded PRNG: how it gets its paths, how many
 * bytes each way, and how it ends.
 * @module
 */
import { Rng } from '../../../src/sim/rng.js';

/**
 * How a connection gets its paths:
 * - `single`: one local address, `maxPaths: 1`;
 * - `multi`: two or three local addresses (127.0.0.1-3) and the server's two addresses: paths opened
 *   by the full mesh and the server's ADD_ADDRESS;
 * - `follow`: the default addresses of a fake interface table that the soak changes every few hundred
 *   ms, followed through a shared InterfaceMonitor: paths added and closed (AddressRemoved) mid-transfer,
 *   their UDP sockets opened and closed;
 * - `emulated`: two paths through two link emulators of its own; the second is cut (both directions, no
 *   word to either end) mid-transfer, and the stream finishes over the first.
 */
export type PathKind = 'single' | 'multi' | 'follow' | 'emulated';

/**
 * How a connection ends:
 * - `end`: both write everything; the client ends first, the server once it read the client's end;
 * - `endServerFirst`: the server writes everything and ends at once; the client (allowHalfOpen) keeps
 *   writing into the half-closed connection, then ends;
 * - `halfClose`: the client writes and ends; only then does the server write its answer and end;
 * - `idleTimeout`: both write everything, then go quiet: the idle timeout (1.5 s, no keepalive) closes
 *   both ends with ETIMEDOUT;
 * - `socketTimeout`: both write everything, then the client's node:net `timeout` fires and it calls
 *   destroy();
 * - `destroy`, `destroyError`, `reset`, `abort`: the client calls destroy(), destroy(error),
 *   resetAndDestroy(), or aborts its `signal`, partway through;
 * - `serverDestroy`, `serverReset`: the server's socket does destroy() or resetAndDestroy() partway through;
 * - `connectAbort`: the client is destroyed before its handshake completes;
 * - `vanish` (emulated only): both links go down and the client is destroyed: its CLOSE never arrives,
 *   and the server's idle timeout ends the connection.
 */
export type CloseKind =
  | 'end'
  | 'endServerFirst'
  | 'halfClose'
  | 'idleTimeout'
  | 'socketTimeout'
  | 'destroy'
  | 'destroyError'
  | 'reset'
  | 'abort'
  | 'serverDestroy'
  | 'serverReset'
  | 'connectAbort'
  | 'vanish';

/** Close kinds after which each direction must have arrived whole (the others cut the streams). */
export const WHOLE: ReadonlySet<CloseKind> = new Set<CloseKind>(['end', 'endServerFirst', 'halfClose', 'idleTimeout', 'socketTimeout']);

const CLOSES: readonly CloseKind[] = ['end', 'endServerFirst', 'halfClose', 'idleTimeout', 'socketTimeout', 'destroy', 'destroyError', 'reset', 'abort', 'serverDestroy', 'serverReset', 'connectAbort'];
const KINDS: readonly PathKind[] = ['single', 'single', 'multi', 'multi', 'multi', 'follow', 'follow', 'follow', 'emulated'];

/** One connection of the soak. */
export interface ConnectionPlan {
  readonly id: number;
  readonly paths: PathKind;
  readonly close: CloseKind;
  /** Bytes the client sends. */
  readonly up: number;
  /** Bytes the server sends. */
  readonly down: number;
  /** For the close kinds that cut the streams: at which fraction of the bytes exchanged (0 to 1). */
  readonly cutAt: number;
  /** For `multi`: how many local addresses (2 or 3). */
  readonly localAddresses: number;
}

/** A size from 0 to `max`: 0 one time in six, else log-uniform from 1 B (mean about max / ln max). */
function size(rng: Rng, max: number): number {
  if (rng.chance(1 / 6)) return 0;
  return Math.min(max, Math.floor(Math.exp(rng.nextFloat() * Math.log(max + 1))));
}

/** Draws connection plans from `seed`. */
export class Planner {
  readonly #rng: Rng;
  readonly #maxBytes: number;
  #next = 0;

  /** Plans with at most `maxBytes` each way. */
  constructor(seed: number, maxBytes: number) {
    this.#rng = new Rng(seed);
    this.#maxBytes = maxBytes;
  }

  /** The next connection's plan. */
  next(): ConnectionPlan {
    const rng = this.#rng;
    let paths = KINDS[rng.nextInt(KINDS.length)] as PathKind;
    // Emulated connections vanish one time in four (the only kind that can: its links can be cut).
    const close = paths === 'emulated' && rng.chance(0.25) ? 'vanish' : (CLOSES[rng.nextInt(CLOSES.length)] as CloseKind);
    // A connection whose interfaces keep changing is never idle (each new path is validated, and every
    // datagram received restarts the idle timer): the idle timeout is tried on fixed paths.
    if (close === 'idleTimeout' && paths === 'follow') paths = 'multi';
    return { id: this.#next++, paths, close, up: size(rng, this.#maxBytes), down: size(rng, this.#maxBytes), cutAt: rng.nextFloat(), localAddresses: 2 + rng.nextInt(2) };
  }
}
