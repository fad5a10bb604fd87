import type { Connection } from '../core/connection.js';
import type { ConnectionEvent } from '../core/connection-events.js';
import { ReasonCode } from '../core/wire/reason-codes.js';
import type { EndpointDriver, ConnectionOwner } from './driver.js';

/**
 * {@link Linger}: what becomes of a connection whose socket the application
 * destroyed gracefully, as a TCP socket after close() (FIN_WAIT, then
 * TIME_WAIT in the kernel): our FIN follows the bytes already written, and
 * the connection lives on, ownerless, until the peer has acknowledged them
 * and ended its own direction; then it closes cleanly. Data arriving in the
 * meantime has no reader, so the connection aborts, as TCP answers it with
 * an RST. A peer that never ends is given {@link LINGER_MS}.
 * @module
 */

/** How long a destroyed connection waits for the peer to end its direction, ms (Linux's tcp_fin_timeout is 60 s). */
export const LINGER_MS = 30_000;

/** Application error code of an abortive close: the peer's socket reports ECONNRESET. */
export const ABORT_CODE = 1;

/** Owns a gracefully destroyed connection until it has closed. */
export class Linger implements ConnectionOwner {
  readonly #driver: EndpointDriver;
  readonly #connection: Connection;
  readonly #timer: NodeJS.Timeout;
  /** Whether delivering what was written keeps the process alive (the socket was not unref'd). */
  readonly #refed: boolean;
  /** Released by a closing server: close once our FIN is acknowledged, without waiting for the peer's. */
  #released = false;

  private constructor(driver: EndpointDriver, connection: Connection, refed: boolean) {
    this.#driver = driver;
    this.#connection = connection;
    this.#refed = refed;
    this.#timer = setTimeout(() => this.#abort('the peer did not end its direction after close'), LINGER_MS);
    this.#timer.unref();
  }

  /**
   * Ends our direction and takes `connection` over on `driver` (in place of the socket) until it
   * closes: at once when both directions have already ended.
   */
  static start(driver: EndpointDriver, connection: Connection, refed: boolean): void {
    connection.shutdown();
    const linger = new Linger(driver, connection, refed);
    driver.attach(connection, linger);
    linger.afterEvents();
  }

  /** @internal */
  handleConnectionEvent(event: ConnectionEvent): void {
    switch (event.type) {
      case 'readable':
        return this.#abort('data arrived after close');
      case 'reset':
        // The peer abandoned its direction: nothing more is owed either way.
        return this.#close(0, '');
      case 'closed':
        return this.#detach();
      default:
        return;
    }
  }

  /** @internal */
  afterEvents(): void {
    const connection = this.#connection;
    if (connection.state !== 'established') return;
    if (connection.writeEnded && (connection.readEnded || this.#released)) return this.#close(0, '');
    // Until what was written (and the FIN) is acknowledged, the process stays alive to deliver it, as the
    // kernel would after a TCP close(), unless the socket was unref'd; waiting for the peer's end does
    // not keep it.
    this.#driver.hold(this, this.#refed && !connection.writeEnded);
  }

  /** @internal A closing server: close once what we sent is delivered; the peer has our FIN, its end is not awaited. */
  release(): void {
    this.#released = true;
    this.afterEvents();
  }

  /** @internal */
  handleSocketError(): void {
    this.#detach();
  }

  #abort(reason: string): void {
    this.#close(ABORT_CODE, reason);
  }

  #close(applicationErrorCode: number, reason: string): void {
    const connection = this.#connection;
    if (connection.state === 'established' || connection.state === 'handshaking') {
      connection.close(this.#driver.now(), ReasonCode.ApplicationClose, applicationErrorCode, reason);
      this.#driver.schedule();
    }
    this.#detach();
  }

  #detach(): void {
    clearTimeout(this.#timer);
    this.#driver.hold(this, false);
    this.#driver.detach(this.#connection);
  }
}
