import type { Connection } from '../core/connection.js';
import type { SocketAddress } from '../core/socket-address.js';
import type { ConnectorHooks } from './connector.js';
import type { ConnectionOwner, EndpointDriver } from './driver.js';
import { KeepAlive } from './keep-alive.js';
import { releaseConnection } from './release-connection.js';

/**
 * {@link SocketHandle}: a socket's hold on the engine, as a net.Socket's handle on its TCP socket.
 * @module
 */

/**
 * The driver and the connection a socket drives (a client's own driver, or its server's), whether the
 * socket keeps the process alive (ref/unref), its keepalive, and how it lets go of both when the socket
 * is destroyed. A client's {@link Connector} hands it the driver and the connection as they come
 * ({@link ConnectorHooks}); a server hands both at once ({@link SocketHandle.adopt}).
 */
export class SocketHandle implements ConnectorHooks {
  readonly #owner: ConnectionOwner;
  readonly #active: () => boolean;
  #driver: EndpointDriver | undefined = undefined;
  #connection: Connection | undefined = undefined;
  /** Whether the driver is the socket's own (a client's): it goes with the socket. */
  #ownsDriver = false;
  /** Whether the socket may keep the process alive (not unref'd). */
  #refed = true;
  readonly #keepAlive = new KeepAlive();

  /**
   * The handle of `owner`, which gets the connection's events; `active` says whether the socket works
   * (connects, reads or has writes in flight), so that it keeps the process alive while refed.
   */
  constructor(owner: ConnectionOwner, active: () => boolean) {
    this.#owner = owner;
    this.#active = active;
  }

  /** The driver, once bound (client) or adopted (server). */
  get driver(): EndpointDriver | undefined {
    return this.#driver;
  }

  /** The connection, once started (client) or adopted (server). */
  get connection(): Connection | undefined {
    return this.#connection;
  }

  /** A client's UDP sockets are bound: the handle owns `driver`, which holds the process only while the socket is active. */
  bound(driver: EndpointDriver): void {
    this.#driver = driver;
    this.#ownsDriver = true;
    // The driver keeps the process alive only while this socket is active (hold()), as net's handle.
    driver.setRef(false);
    this.hold();
  }

  /** A client's connection was created (with the PING interval `livenessMs` it starts with): its events go to the socket. */
  started(connection: Connection, livenessMs: number): void {
    this.#connection = connection;
    this.#keepAlive.setLiveness(livenessMs);
    this.#keepAlive.apply(connection, this.#driver);
    this.#driver?.attach(connection, this.#owner);
  }

  /** The server's side: a connection whose handshake is under way, on the server's `driver`, reached at `local`. */
  adopt(driver: EndpointDriver, connection: Connection, local: SocketAddress): void {
    this.#driver = driver;
    this.#connection = connection;
    this.#keepAlive.apply(connection, driver);
    this.#ownsDriver = false;
    driver.attach(connection, this.#owner, local);
  }

  /** net.Socket#setKeepAlive, applied now or once the connection exists (see {@link KeepAlive}). */
  setKeepAlive(enable: boolean, initialDelayMs: number): void {
    this.#keepAlive.set(enable, initialDelayMs);
    this.#keepAlive.apply(this.#connection, this.#driver);
  }

  /** ref() (true) or unref() (false). */
  setRef(refed: boolean): void {
    this.#refed = refed;
    this.hold();
  }

  /**
   * Tells the driver whether this socket keeps the process alive: as a node:net socket's handle, while
   * it is active (it connects, reads: data flows into the stream's buffer, not paused at its high-water
   * mark, the peer's end not reached; or has writes in flight: not yet acknowledged, or the FIN), unless
   * unref'd. A socket that waits for nothing (paused and full, or both directions done with bytes still
   * unread) lets the process exit, as net's does.
   */
  hold(): void {
    const driver = this.#driver;
    if (driver === undefined) return;
    driver.hold(this.#owner, this.#refed && this.#active());
  }

  /**
   * The socket is destroyed: the connection closes gracefully or aborts ({@link releaseConnection}), a
   * driver of its own with it. `established`: the handshake had completed; `reset`: resetAndDestroy().
   * Returns whether the close is graceful (a Linger delivers what was written).
   */
  release(established: boolean, reset: boolean): boolean {
    const connection = this.#connection;
    const driver = this.#driver;
    if (connection !== undefined && driver !== undefined) {
      return releaseConnection(driver, connection, { established, reset, refed: this.#refed, ownsDriver: this.#ownsDriver });
    }
    if (driver !== undefined && this.#ownsDriver) driver.destroy();
    return false;
  }

  /** The destroyed socket no longer keeps the process alive. */
  unhold(): void {
    this.#driver?.hold(this.#owner, false);
  }
}
