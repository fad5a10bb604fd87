import type { Connection } from '../core/connection.js';
import { readChunk } from './read-chunk.js';
import { connectionReset } from './socket-errors.js';

/**
 * The read side of a socket: how received stream bytes move from the connection into the socket's
 * Duplex, and how the end of the stream reaches it.
 * @module
 */

/** What the reader sees of the socket's Duplex. */
export interface ReadingSocket {
  /** Whether the socket was destroyed. */
  readonly destroyed: boolean;
  /** Bytes in the readable buffer, not yet read. */
  readonly readableLength: number;
  /** Stream bytes moved into the readable buffer so far. */
  bytesRead: number;
  /** Readable#push: a chunk, or null for the end; false when the buffer is full. */
  push(chunk: Buffer | null): boolean;
  /** Readable#read(0): lets 'end' come without a reader once nothing is left unread. */
  read(size: 0): unknown;
  /** Destroys the socket. */
  destroy(error?: Error): unknown;
}

/** What the reader sees of the socket's connection. */
export interface ReaderHost {
  /** The socket whose readable side this is. */
  readonly socket: ReadingSocket;
  /** The connection once the handshake completed; undefined before (nothing is read until then). */
  established(): Connection | undefined;
  /** Whether the connection closed (its 'closed' event came). */
  closed(): boolean;
  /** Stream activity: the inactivity timer restarts. */
  touch(): void;
  /** Asks the driver for a flush. */
  schedule(): void;
  /** The reader's state changed: the socket recomputes whether it keeps the process alive. */
  updateHold(): void;
}

/**
 * Moves received bytes into the Duplex while it wants more (as net reads from the kernel up to the
 * high-water mark, reader or not), in node:net's large chunks ({@link readChunk}), and ends the readable
 * side once every byte before the FIN was moved.
 */
export class StreamReader {
  readonly #host: ReaderHost;
  /** Whether the Duplex asked for more (_read) and has not said stop (push returned false) since. */
  #wanted = false;
  /** Whether the end was pushed. */
  #ended = false;
  /** The end of the stream is pushed on a later turn than its last bytes, as net's EOF is a read of its own. */
  #endQueued = false;

  /** The read side of `host.socket`. */
  constructor(host: ReaderHost) {
    this.#host = host;
  }

  /** Whether the socket waits for bytes (it wants more and the end is not reached): it keeps the process alive. */
  get reading(): boolean {
    return this.#wanted && !this.#endQueued;
  }

  /** The Duplex's _read: it wants more. */
  want(): void {
    this.#wanted = true;
    this.pull();
  }

  /** The connection has bytes to read: moved in if the Duplex wants them. */
  readable(): void {
    if (this.#wanted) this.pull();
  }

  /**
   * Moves received bytes into the Duplex while it wants more, and notices the end of the stream once
   * every byte before the FIN was moved; a connection that closed cleanly with nothing left to read and
   * no FIN cut the stream short (ECONNRESET).
   */
  pull(): void {
    const host = this.#host;
    const socket = host.socket;
    const connection = host.established();
    if (connection === undefined || this.#ended || socket.destroyed) return;
    let got = 0;
    while (this.#wanted) {
      const chunk = readChunk(connection);
      if (chunk === undefined) break;
      got += chunk.length;
      socket.bytesRead += chunk.length;
      if (!socket.push(chunk)) this.#wanted = false;
    }
    if (got > 0) {
      host.touch();
      host.schedule(); // reading opened the receive window: MAX_DATA may be due
    }
    if (socket.destroyed) return;
    if (connection.readEnded) this.#queueEnd();
    else if (host.closed() && !connection.hasReadable && (this.#wanted || socket.readableLength === 0)) {
      // Closed cleanly, nothing more to read, and no FIN: the stream was cut short.
      return void socket.destroy(connectionReset('the connection closed before the peer ended the stream'));
    }
    host.updateHold();
  }

  /**
   * Ends the readable side on the next turn of the event loop: net reads the end of the stream apart
   * from its last bytes, so 'end' never comes in the same tick as the last 'data'. As net, 'end' is
   * emitted without a reader when nothing is left unread (read(0)); unread bytes hold it back.
   */
  #queueEnd(): void {
    if (this.#endQueued) return;
    this.#endQueued = true;
    setImmediate(() => {
      const socket = this.#host.socket;
      if (socket.destroyed) return;
      this.#ended = true;
      socket.push(null);
      socket.read(0);
    });
  }
}
