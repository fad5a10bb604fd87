import type { Connection } from '../core/connection.js';
import { ReasonCode } from '../core/wire/reason-codes.js';
import type { EndpointDriver } from './driver.js';
import { ABORT_CODE, Linger } from './linger.js';

/**
 * What becomes of a socket's connection, and of a client's driver, when the socket is destroyed.
 * @module
 */

/** How the socket stood when it was destroyed. */
export interface ReleaseState {
  /** Whether the handshake had completed. */
  readonly established: boolean;
  /** resetAndDestroy() was called: abort whatever else holds. */
  readonly reset: boolean;
  /** Whether the socket kept the process alive (not unref'd): a Linger then does too until its FIN is acknowledged. */
  readonly refed: boolean;
  /** Whether the socket owns the driver (a client's): it goes with the connection. */
  readonly ownsDriver: boolean;
}

/**
 * Detaches `connection` from its socket and closes it as TCP's close() under net's destroy(), with or
 * without an error: with nothing unread, a FIN after what was written, and the connection closes
 * cleanly once the peer ends too ({@link Linger}); with unread bytes, or after resetAndDestroy(), an
 * abort (TCP's RST), the peer's ECONNRESET. A connection that closed silently (still handshaking: an
 * abort, a failed connect) owes no CLOSE: a driver the socket owns closes its sockets and timers at
 * once, else once the connection's closing period is over. Returns whether the close is graceful (a
 * Linger delivers what was written).
 */
export function releaseConnection(driver: EndpointDriver, connection: Connection, state: ReleaseState): boolean {
  let graceful = false;
  driver.detach(connection);
  if (connection.state === 'handshaking' || connection.state === 'established') {
    graceful = state.established && !state.reset && !connection.hasReadable;
    if (graceful) Linger.start(driver, connection, state.refed);
    else connection.close(driver.now(), ReasonCode.ApplicationClose, ABORT_CODE, state.reset ? 'socket reset' : 'socket destroyed');
  }
  if (state.ownsDriver && connection.state === 'closed') driver.destroy();
  else {
    driver.schedule();
    if (state.ownsDriver) driver.closeWhenIdle();
  }
  return graceful;
}
