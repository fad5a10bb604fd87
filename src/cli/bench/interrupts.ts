/**
 * Ctrl-C in `mpt bench`: the first stops sending (the run still waits for delivery and prints its
 * summary), the second stops waiting. Each phase (the mpt run, then the TCP run) starts afresh.
 * @module
 */

/** Exit code of a run stopped by Ctrl-C before it could finish (128 + SIGINT, as shells report it). */
export const EXIT_INTERRUPTED = 130;

/** The two signals of the current phase and the Ctrl-C handler that aborts them in turn. */
export class Interrupts {
  /** Aborted by the first Ctrl-C of the phase: stop sending. */
  stop = new AbortController();
  /** Aborted by the second: stop waiting for delivery. */
  abandon = new AbortController();

  /** Starts a new phase: the next Ctrl-C stops it in turn. */
  reset(): void {
    this.stop = new AbortController();
    this.abandon = new AbortController();
  }

  /** A Ctrl-C. */
  readonly fire = (): void => {
    if (!this.stop.signal.aborted) this.stop.abort();
    else this.abandon.abort();
  };
}
