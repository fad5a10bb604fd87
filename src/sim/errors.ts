/**
 * The one error type the simulator throws while running.
 * @module
 */

/**
 * Why a run stopped without reaching its goal:
 * - `time-limit`: runUntil's limitMs passed before the predicate held;
 * - `idle`: nothing is left to happen (no datagram in flight, no timer, no
 *   action), so the predicate can never become true;
 * - `livelock`: too many events or datagrams at one virtual instant, usually
 *   an endpoint whose nextTimeout() stays at or before now after handleTimeout
 *   or whose pollTransmit never returns undefined.
 */
export type SimulationErrorReason = 'time-limit' | 'idle' | 'livelock';

/** Thrown by the simulator's run methods; `reason` is for programs, `message` for people. */
export class SimulationError extends Error {
  /** Why the run stopped. */
  readonly reason: SimulationErrorReason;
  /** Virtual time when it stopped, ms. */
  readonly atMs: number;

  constructor(reason: SimulationErrorReason, atMs: number, message: string) {
    super(message);
    this.name = 'SimulationError';
    this.reason = reason;
    this.atMs = atMs;
  }
}
