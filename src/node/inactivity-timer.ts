/**
 * A socket's inactivity timeout (net.Socket#setTimeout): 'timeout' after a period without stream activity.
 * @module
 */

/**
 * One 'timeout' per idle period, as net's: activity ({@link InactivityTimer.touch}: a read, a write) arms
 * the timer again, a fired one included. The timer is unref'd: it never keeps the process alive.
 */
export class InactivityTimer {
  /** The period, ms (0: none). */
  #ms = 0;
  #timer: NodeJS.Timeout | undefined = undefined;
  readonly #onTimeout: () => void;

  /** A timer that calls `onTimeout` at the end of each idle period; off until {@link InactivityTimer.set}. */
  constructor(onTimeout: () => void) {
    this.#onTimeout = onTimeout;
  }

  /** The period, ms (0: none). Assigning it changes the number only, not a running timer (as net's `timeout` property). */
  get ms(): number {
    return this.#ms;
  }

  set ms(ms: number) {
    this.#ms = ms;
  }

  /** Stops the timer, sets the period, and starts it if the period is not 0 and `start` says so. */
  set(ms: number, start: boolean): void {
    this.clear();
    this.#ms = ms;
    if (ms > 0 && start) {
      this.#timer = setTimeout(this.#onTimeout, this.#ms);
      this.#timer.unref();
    }
  }

  /** Activity: the idle period starts again (if the timer runs, or ran). */
  touch(): void {
    if (this.#timer !== undefined) this.#timer.refresh();
  }

  /** Stops the timer. */
  clear(): void {
    if (this.#timer === undefined) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
