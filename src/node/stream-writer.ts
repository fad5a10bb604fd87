import type { Connection } from '../core/connection.js';
import type { MptError } from '../errors.js';
import { brokenPipe, closedBeforeConnection, destroyedError } from './socket-errors.js';

/**
 * The write side of a socket: how the Duplex's writes and its end reach the connection, and when their
 * callbacks are called.
 * @module
 */

/** A write or end callback of the Duplex. */
type Callback = (error?: Error | null) => void;

/** What the writer sees of the socket's connection. */
export interface WriterHost {
  /** The connection once the handshake completed; undefined before (writes wait until then). */
  established(): Connection | undefined;
  /** Whether the connection closed (its 'closed' event came). */
  closed(): boolean;
  /** The error the connection closed with, if any. */
  closeError(): MptError | undefined;
  /** Stream activity: the inactivity timer restarts. */
  touch(): void;
  /** Asks the driver for a flush. */
  schedule(): void;
}

/**
 * Hands the Duplex's writes to the connection: a write's callback is held while the connection's send
 * buffer is full (until its 'writable' event), the end's until the peer acknowledged every byte and the
 * FIN (so a close after 'finish' loses nothing), and a write or end made while connecting waits for
 * the handshake.
 */
export class StreamWriter {
  readonly #host: WriterHost;
  /** Stream bytes handed to the connection. */
  #dispatched = 0;
  #queuedWrite: { chunk: Buffer; callback: Callback } | undefined = undefined;
  #queuedFinal: Callback | undefined = undefined;
  #writeCallback: Callback | undefined = undefined;
  #finalCallback: Callback | undefined = undefined;

  /** The write side of `host`'s socket. */
  constructor(host: WriterHost) {
    this.#host = host;
  }

  /** Bytes written so far, not counting those node:stream still queues: handed to the connection, or waiting for the handshake. */
  get bytesWritten(): number {
    return this.#dispatched + (this.#queuedWrite?.chunk.length ?? 0);
  }

  /** Whether a write or the end waits for the connection (its callback is held): the socket keeps the process alive. */
  get busy(): boolean {
    return this.#writeCallback !== undefined || this.#finalCallback !== undefined;
  }

  /** The Duplex's _write. */
  write(chunk: Buffer, callback: Callback): void {
    const connection = this.#host.established();
    if (connection === undefined) {
      this.#queuedWrite = { chunk, callback };
      return;
    }
    this.#send(connection, chunk, callback);
  }

  /** The Duplex's _final: the FIN. */
  end(callback: Callback): void {
    const connection = this.#host.established();
    if (connection === undefined) {
      this.#queuedFinal = callback;
      return;
    }
    if (!this.#open(connection)) {
      callback(this.#host.closeError());
      return;
    }
    connection.shutdown();
    // 'finish' waits until the peer acknowledged every byte and the FIN, so that a close after it loses nothing.
    this.#finalCallback = callback;
    this.#host.schedule();
  }

  /** The connection's send buffer has room again (its 'writable' event): the held write is done. */
  writable(): void {
    const callback = this.#writeCallback;
    this.#writeCallback = undefined;
    callback?.();
  }

  /** After the connection's events: the end is done once the peer acknowledged everything and the FIN. */
  afterEvents(connection: Connection): void {
    if (this.#finalCallback !== undefined && connection.writeEnded) {
      const callback = this.#finalCallback;
      this.#finalCallback = undefined;
      callback();
    }
  }

  /**
   * The handshake completed and 'connect' was emitted: what was written while connecting goes out now
   * (its callback sees the socket connected), unless the socket was destroyed by then.
   */
  connected(destroyed: () => boolean): void {
    const write = this.#queuedWrite;
    this.#queuedWrite = undefined;
    if (write !== undefined && !destroyed()) this.write(write.chunk, write.callback);
    const final = this.#queuedFinal;
    this.#queuedFinal = undefined;
    if (final !== undefined && !destroyed()) this.end(final);
  }

  /** The connection closed cleanly: our FIN needs no more acknowledging; a held write fails with EPIPE. */
  closedCleanly(): void {
    const final = this.#finalCallback;
    this.#finalCallback = undefined;
    final?.();
    const write = this.#writeCallback;
    this.#writeCallback = undefined;
    write?.(brokenPipe());
  }

  /**
   * The socket is destroyed: settles the write and end callbacks still held. A write the connection
   * took stays sent when the close is `graceful` (the Linger delivers it); everything else fails with
   * the error the socket was destroyed with (ETIMEDOUT for a peer that went silent), or as node:stream
   * fails the writes it drops.
   */
  settle(graceful: boolean, error: Error | null): void {
    const failure = error ?? destroyedError();
    const write = this.#writeCallback;
    const final = this.#finalCallback;
    const queuedWrite = this.#queuedWrite;
    const queuedFinal = this.#queuedFinal;
    this.#writeCallback = this.#finalCallback = this.#queuedFinal = this.#queuedWrite = undefined;
    if (write !== undefined) write(graceful ? null : failure);
    // Writes made while connecting were never sent: net's error for them.
    queuedWrite?.callback(error ?? closedBeforeConnection());
    final?.(failure);
    queuedFinal?.(error ?? closedBeforeConnection());
  }

  #send(connection: Connection, chunk: Buffer, callback: Callback): void {
    if (!this.#open(connection)) {
      callback(this.#host.closeError() ?? brokenPipe());
      return;
    }
    const ok = connection.write(chunk);
    this.#dispatched += chunk.length;
    this.#host.touch();
    this.#host.schedule();
    if (ok) callback();
    else this.#writeCallback = callback;
  }

  /** Whether the connection still takes stream data. */
  #open(connection: Connection): boolean {
    return !this.#host.closed() && (connection.state === 'established' || connection.state === 'handshaking');
  }
}
