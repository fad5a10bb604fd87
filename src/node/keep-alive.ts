import type { Connection } from '../core/connection.js';
import type { EndpointDriver } from './driver.js';

/**
 * A socket's keepalive setting (net.Socket#setKeepAlive) and how it combines with the liveness PINGs
 * its connection started with.
 * @module
 */

/** Keepalive interval when setKeepAlive(true) names none, ms. */
export const DEFAULT_KEEPALIVE_MS = 15_000;

/**
 * What setKeepAlive() asked for, kept until the connection exists and handed to it then (and on every
 * later call). Keepalive never shortens a connection's life (as TCP's): the connection PINGs at the
 * shorter of the asked interval and its liveness interval, and setKeepAlive(false) goes back to the latter.
 */
export class KeepAlive {
  /** The interval setKeepAlive() asked for, ms (0: off); undefined: never called. */
  #askedMs: number | undefined = undefined;
  /** The PING interval the connection started with (a client's liveness PINGs), ms; 0: none. */
  #livenessMs = 0;

  /** Records a setKeepAlive(enable, initialDelayMs) call (a delay of 0 means {@link DEFAULT_KEEPALIVE_MS}). */
  set(enable: boolean, initialDelayMs: number): void {
    this.#askedMs = enable ? (initialDelayMs > 0 ? initialDelayMs : DEFAULT_KEEPALIVE_MS) : 0;
  }

  /** Records the PING interval the connection starts with, which setKeepAlive(false) restores. */
  setLiveness(intervalMs: number): void {
    this.#livenessMs = intervalMs;
  }

  /** Hands the setting to the connection, if setKeepAlive() was called and the connection exists. */
  apply(connection: Connection | undefined, driver: EndpointDriver | undefined): void {
    if (this.#askedMs === undefined || connection === undefined || driver === undefined) return;
    const asked = this.#askedMs;
    const liveness = this.#livenessMs;
    const intervalMs = asked === 0 ? liveness : liveness > 0 ? Math.min(asked, liveness) : asked;
    connection.setKeepAlive(driver.now(), intervalMs);
    driver.schedule();
  }
}
