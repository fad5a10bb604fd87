import type { Socket } from 'node:net';
import type { MptSocket } from '../node/socket.js';
import { formatDestination, type ProxyDestination } from './destination.js';
import { HTTP_CONNECT_ESTABLISHED, HttpConnectRequest, httpErrorResponse } from './http-connect.js';
import type { ProxyAuth } from './proxy-auth.js';
import type { MptProxyOutcome, MptProxyProtocol, MptProxyTunnelEvent } from './proxy-tunnel-event.js';
import { TunnelReplyCode } from './converter-protocol.js';
import { Socks5Handshake, socks5Reply } from './socks5.js';
import { splice } from './splice.js';
import { tunnelFailure } from './tunnel-failure.js';

/**
 * One TCP connection a local proxy accepted, from its first byte to its close: the request (SOCKS5
 * or HTTP CONNECT, told apart by the first byte), the tunnel it asks for, the reply, then the splice
 * of the TCP connection and the tunnel; and the 'tunnel' report at the end.
 * @module
 */

/** How long a client has to complete its request (SOCKS5 handshake or HTTP header) from its connection, ms. Past it the connection is closed. */
export const REQUEST_TIMEOUT_MS = 30_000;

/** How long a refused client has to close its end after the error reply before the proxy closes the connection, ms. */
export const LINGER_AFTER_REFUSAL_MS = 2_000;

/** The most bytes held from a client while its tunnel opens before reading pauses. */
export const MAX_HELD_BYTES = 256 * 1024;

/** SOCKS version 4's reply "request rejected or failed" (VN 0, CD 91): SOCKS4 and SOCKS4a are refused with it. */
const SOCKS4_REJECTED = Uint8Array.of(0x00, 0x5b, 0, 0, 0, 0, 0, 0);

/** Opens a tunnel to `destination` through the converter; `signal` aborts it while it opens. */
export type OpenTunnel = (destination: ProxyDestination, signal: AbortSignal) => Promise<MptSocket>;

type State = 'request' | 'opening' | 'open' | 'refusing' | 'done';

/**
 * Drives one accepted connection; `report` is called once, when the TCP connection and the tunnel
 * (if one opened) have both closed.
 */
export class ProxyConnection {
  readonly #socket: Socket;
  readonly #auth: ProxyAuth | undefined;
  readonly #openTunnel: OpenTunnel;
  readonly #report: (event: MptProxyTunnelEvent) => void;
  readonly #clientAddress: string;
  readonly #clientPort: number;
  #state: State = 'request';
  #protocol: MptProxyProtocol | undefined = undefined;
  #socks: Socks5Handshake | undefined = undefined;
  #http: HttpConnectRequest | undefined = undefined;
  #destination: ProxyDestination | undefined = undefined;
  #outcome: MptProxyOutcome = 'aborted';
  #replyCode: number | undefined = undefined;
  #httpStatus: number | undefined = undefined;
  #reason: string | undefined = undefined;
  #error: Error | undefined = undefined;
  /** Bytes from the client toward the destination, and back. */
  #bytesToDestination = 0;
  #bytesFromDestination = 0;
  #tunnel: MptSocket | undefined = undefined;
  #abort: AbortController | undefined = undefined;
  /** Bytes the client sent after its request, held while the tunnel opens. */
  #held: Buffer[] = [];
  #heldBytes = 0;
  #timer: NodeJS.Timeout | undefined;
  #reported = false;

  /** Takes over `socket` (a connection accepted with allowHalfOpen) at once. */
  constructor(socket: Socket, auth: ProxyAuth | undefined, openTunnel: OpenTunnel, report: (event: MptProxyTunnelEvent) => void) {
    this.#socket = socket;
    this.#auth = auth;
    this.#openTunnel = openTunnel;
    this.#report = report;
    this.#clientAddress = socket.remoteAddress ?? '';
    this.#clientPort = socket.remotePort ?? 0;
    socket.setNoDelay(true);
    socket.on('error', (error: Error) => {
      this.#error ??= error;
    });
    socket.on('data', this.#onData);
    socket.once('end', this.#onEndDuringRequest);
    socket.once('close', () => this.#onClientClose());
    this.#timer = setTimeout(() => this.#onRequestTimeout(), REQUEST_TIMEOUT_MS);
    this.#timer.unref();
  }

  /** Closes the connection and its tunnel at once (the proxy is closing). */
  destroy(): void {
    this.#abort?.abort();
    this.#tunnel?.destroy();
    this.#socket.destroy();
  }

  readonly #onData = (chunk: Buffer): void => {
    if (this.#state !== 'request' || chunk.length === 0) return;
    if (this.#protocol === undefined) {
      const first = chunk[0];
      this.#protocol = first === 0x05 ? 'socks5' : first === 0x04 ? 'socks4' : 'http';
      if (this.#protocol === 'socks4') return this.#refuse(SOCKS4_REJECTED, 'rejected', 'SOCKS version 4 is not supported, SOCKS5 only');
      if (this.#protocol === 'socks5') this.#socks = new Socks5Handshake(this.#auth);
      else this.#http = new HttpConnectRequest(this.#auth);
    }
    if (this.#socks !== undefined) {
      const { reply, outcome } = this.#socks.push(chunk);
      if (outcome.kind === 'refused') {
        this.#replyCode = outcome.replyCode;
        return this.#refuse(reply, 'rejected', outcome.reason);
      }
      if (reply.length > 0) this.#socket.write(reply);
      if (outcome.kind === 'connect') this.#open(outcome.destination, outcome.rest);
    } else if (this.#http !== undefined) {
      const outcome = this.#http.push(chunk);
      if (outcome.kind === 'refused') {
        this.#httpStatus = outcome.status;
        return this.#refuse(outcome.response, 'rejected', outcome.reason);
      }
      if (outcome.kind === 'connect') this.#open(outcome.destination, outcome.rest);
    }
  };

  /** The client ended its side before its request was complete: nothing can come of it. */
  readonly #onEndDuringRequest = (): void => {
    if (this.#state !== 'request') return;
    this.#outcome = 'aborted';
    this.#reason = 'the client ended its side before completing its request';
    this.#state = 'done';
    this.#socket.destroy();
  };

  #onRequestTimeout(): void {
    if (this.#state !== 'request') return;
    this.#outcome = 'rejected';
    this.#reason = `no complete request within ${REQUEST_TIMEOUT_MS} ms`;
    this.#state = 'done';
    this.#socket.destroy();
  }

  /** Sends `reply` (an error reply), ends our side, and closes once the client closes or after a grace period. */
  #refuse(reply: Uint8Array, outcome: MptProxyOutcome, reason: string): void {
    this.#state = 'refusing';
    this.#outcome = outcome;
    this.#reason = reason;
    clearTimeout(this.#timer);
    const socket = this.#socket;
    socket.off('data', this.#onData);
    if (socket.destroyed) return;
    // Read and drop whatever else the client sends, so closing does not reset the connection with unread bytes (and lose the reply).
    socket.on('data', () => {});
    socket.on('end', () => socket.destroy());
    socket.resume();
    socket.end(reply);
    this.#timer = setTimeout(() => socket.destroy(), LINGER_AFTER_REFUSAL_MS);
    this.#timer.unref();
  }

  /**
   * The request is complete: open the tunnel. Meanwhile the client's further bytes are read and held
   * (reading on is how a client that leaves, a reset, is noticed), up to {@link MAX_HELD_BYTES}, past
   * which reading pauses until the tunnel is open.
   */
  #open(destination: ProxyDestination, rest: Uint8Array): void {
    this.#state = 'opening';
    this.#destination = destination;
    clearTimeout(this.#timer);
    this.#socket.off('data', this.#onData);
    if (rest.length > 0) this.#hold(Buffer.from(rest));
    this.#socket.on('data', this.#hold);
    const abort = new AbortController();
    this.#abort = abort;
    this.#openTunnel(destination, abort.signal).then(
      (tunnel) => this.#onTunnel(tunnel),
      (error: unknown) => this.#onTunnelFailed(error),
    );
  }

  /** Holds a chunk the client sent while its tunnel opens. */
  readonly #hold = (chunk: Buffer): void => {
    this.#held.push(chunk);
    this.#heldBytes += chunk.length;
    if (this.#heldBytes > MAX_HELD_BYTES) this.#socket.pause();
  };

  #onTunnel(tunnel: MptSocket): void {
    this.#abort = undefined;
    this.#socket.off('data', this.#hold);
    if (this.#state !== 'opening' || this.#socket.destroyed) {
      // The client left (or the proxy closed) while the tunnel opened.
      tunnel.on('error', () => {});
      tunnel.destroy();
      this.#maybeReport();
      return;
    }
    this.#state = 'open';
    this.#tunnel = tunnel;
    this.#outcome = 'tunneled';
    if (this.#protocol === 'socks5') {
      this.#replyCode = TunnelReplyCode.Succeeded;
      this.#socket.write(socks5Reply(TunnelReplyCode.Succeeded));
    } else {
      this.#httpStatus = 200;
      this.#socket.write(HTTP_CONNECT_ESTABLISHED);
    }
    // What the client sent after its request goes first; a client that already ended its side finds
    // the tunnel ended by the splice (its 'end' was emitted: readableEnded).
    for (const chunk of this.#held.splice(0)) {
      this.#bytesToDestination += chunk.length;
      tunnel.write(chunk);
    }
    // Counted as they pass: these listeners only look, the splice's pipes carry the bytes.
    this.#socket.on('data', (chunk: Buffer) => (this.#bytesToDestination += chunk.length));
    tunnel.on('data', (chunk: Buffer) => (this.#bytesFromDestination += chunk.length));
    splice(this.#socket, tunnel, (end) => {
      this.#error ??= end.error;
      this.#state = 'done';
      this.#maybeReport();
    });
  }

  #onTunnelFailed(error: unknown): void {
    this.#abort = undefined;
    this.#socket.off('data', this.#hold);
    this.#held = [];
    this.#error = error instanceof Error ? error : new Error(String(error));
    if (this.#state !== 'opening' || this.#socket.destroyed) {
      this.#outcome = 'aborted';
      this.#reason = 'the client closed its connection before the tunnel opened';
      this.#maybeReport();
      return;
    }
    const failure = tunnelFailure(error);
    const reason = `${formatDestination(this.#destination as ProxyDestination)}: ${this.#error.message}`;
    this.#replyCode = this.#protocol === 'socks5' ? failure.replyCode : undefined;
    this.#httpStatus = this.#protocol === 'http' ? failure.httpStatus : undefined;
    const reply = this.#protocol === 'socks5' ? socks5Reply(failure.replyCode) : httpErrorResponse(failure.httpStatus, reason);
    this.#refuse(reply, failure.refusedByConverter ? 'refused' : 'failed', reason);
  }

  #onClientClose(): void {
    clearTimeout(this.#timer);
    // A tunnel still opening is abandoned; its promise reports when it settles.
    if (this.#state === 'opening') {
      this.#abort?.abort();
      return;
    }
    if (this.#state !== 'open') this.#state = 'done';
    this.#maybeReport();
  }

  /** Reports once everything is closed: the client's connection, and the splice if one ran. */
  #maybeReport(): void {
    if (this.#reported || !this.#socket.closed) return;
    if (this.#state === 'open' || this.#state === 'opening') {
      // 'opening' here means the client closed while the tunnel opened and the promise has since settled.
      if (this.#state === 'open' || this.#abort !== undefined) return;
    }
    this.#reported = true;
    this.#report({
      protocol: this.#protocol,
      clientAddress: this.#clientAddress,
      clientPort: this.#clientPort,
      destination: this.#destination,
      outcome: this.#outcome,
      replyCode: this.#replyCode,
      httpStatus: this.#httpStatus,
      reason: this.#reason,
      error: this.#error,
      bytesToDestination: this.#bytesToDestination,
      bytesFromDestination: this.#bytesFromDestination,
    });
  }
}
