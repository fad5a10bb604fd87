import type { Socket } from 'node:net';
import type { LookupFunction } from '../node/options.js';
import type { MptSocket } from '../node/socket.js';
import { encodeReply, RequestDecoder, TunnelReplyCode, type ConverterRequest } from './converter-protocol.js';
import type { DestinationPolicy } from './destination-policy.js';
import { dialDestination } from './dial.js';
import { readHeader } from './read-header.js';
import { resolveDestination } from './resolve-destination.js';
import { splice } from './splice.js';

/**
 * What the converter does with one accepted mpt connection: read the request, judge the destination,
 * open TCP to it, reply, and splice the two streams; then report the tunnel ('tunnel' event).
 *
 * A request that came in the client's first flight (0-RTT, before the client proved it holds the
 * session keys: `socket.halfOpen`) is acted on at once (the destination is resolved, judged and dialled,
 * and the reply sent, which saves the client a round trip), but nothing is spliced until the client
 * has proven itself ('proven'): a replayed first flight thus opens a TCP connection that carries no
 * byte either way and is reset after `requestTimeout`.
 * @module
 */

/** The 'tunnel' event of an MptConverter: one per accepted connection, once it is over. */
export interface ConverterTunnelEvent {
  /** The client's static public key; undefined for a PSK client, and for one that never proved it holds its key (a replayed first flight). */
  readonly clientKey: Uint8Array | undefined;
  /** The client's address (its first path's). */
  readonly clientAddress: string | undefined;
  /** The client's UDP port. */
  readonly clientPort: number | undefined;
  /** The destination host as requested; undefined when no well-formed request came. */
  readonly host: string | undefined;
  /** The destination port as requested; undefined when no well-formed request came. */
  readonly port: number | undefined;
  /** The address the TCP connection went to (or the last one tried); undefined if none was dialled. */
  readonly address: string | undefined;
  /** The reply code sent (0 success, see TunnelReplyCode); undefined when no reply was sent (the client left first). */
  readonly replyCode: number | undefined;
  /** Why the tunnel failed or ended abnormally, for people; empty for a success that ended cleanly. */
  readonly reason: string;
  /** Whether the request came in the client's first flight (0-RTT early data). */
  readonly earlyData: boolean;
  /** Bytes from the client written to the destination. */
  readonly bytesToDestination: number;
  /** Bytes from the destination (read from its TCP connection). */
  readonly bytesFromDestination: number;
  /** The first error either side had, if the tunnel ended with one (ECONNRESET...). */
  readonly error: Error | undefined;
}

/** What a session needs of its converter. */
export interface SessionContext {
  /** The destination policy. */
  readonly policy: DestinationPolicy;
  /** The resolver. */
  readonly lookup: LookupFunction;
  /** ms from the request to the TCP connection being open (resolution included). */
  readonly connectTimeoutMs: number;
  /** ms a client has to send its request, and to prove itself after a 0-RTT request. */
  readonly requestTimeoutMs: number;
  /** Called once the tunnel is over. */
  readonly report: (event: ConverterTunnelEvent) => void;
}

type Record = { -readonly [K in keyof ConverterTunnelEvent]: ConverterTunnelEvent[K] };

/** Serves one accepted connection (see the module description); never throws. */
export function serveTunnel(socket: MptSocket, context: SessionContext): Promise<void> {
  return new TunnelSession(socket, context).run();
}

/** One accepted connection, from its request to its report. */
class TunnelSession {
  readonly #socket: MptSocket;
  readonly #context: SessionContext;
  readonly #record: Record;
  #firstError: Error | undefined = undefined;
  /** The TCP connection's first error (one before the splice started included). */
  #tcpError: Error | undefined = undefined;
  #reported = false;

  constructor(socket: MptSocket, context: SessionContext) {
    this.#socket = socket;
    this.#context = context;
    socket.on('error', (error: Error) => {
      this.#firstError ??= error;
    });
    this.#record = {
      clientKey: socket.remotePublicKey,
      clientAddress: socket.remoteAddress,
      clientPort: socket.remotePort,
      host: undefined,
      port: undefined,
      address: undefined,
      replyCode: undefined,
      reason: '',
      earlyData: false,
      bytesToDestination: 0,
      bytesFromDestination: 0,
      error: undefined,
    };
  }

  /** Serves the connection; an unexpected failure (a bug) closes it and is reported, never thrown. */
  async run(): Promise<void> {
    try {
      await this.#serve();
    } catch (error) {
      this.#record.error = error instanceof Error ? error : new Error(String(error));
      this.#left(`the converter failed: ${this.#record.error.message}`);
    }
  }

  async #serve(): Promise<void> {
    const socket = this.#socket;
    const record = this.#record;
    const context = this.#context;
    const header = await readHeader(socket, new RequestDecoder(), context.requestTimeoutMs);
    if (header.state === 'closed') {
      record.error = header.error;
      return this.#left(header.bytes === 0 ? 'the client closed before its request' : 'the client closed in the middle of its request');
    }
    if (header.state === 'timeout') return this.#refuse(TunnelReplyCode.GeneralFailure, `no complete request within ${context.requestTimeoutMs} ms`);
    if (header.state === 'error') return this.#refuse(header.code, `malformed request: ${header.reason}`);
    const request: ConverterRequest = header.value;
    record.host = request.host;
    record.port = request.port;
    // Still half-open once the whole request is in: it came in the client's first flight.
    record.earlyData = socket.halfOpen;

    const tcp = await this.#open(request);
    if (tcp === undefined) return;
    socket.write(encodeReply(TunnelReplyCode.Succeeded));
    record.replyCode = TunnelReplyCode.Succeeded;
    if (socket.halfOpen) {
      const proof = await proven(socket, context.requestTimeoutMs);
      if (proof !== 'proven') {
        tcp.resetAndDestroy();
        return this.#left(
          proof === 'timeout'
            ? `the client did not prove it holds the session keys within ${context.requestTimeoutMs} ms (a replayed first flight?): the TCP connection was reset unused`
            : 'the client closed before proving it holds the session keys',
        );
      }
    }
    splice(socket, tcp, (end) => {
      record.bytesToDestination = tcp.bytesWritten;
      record.bytesFromDestination = tcp.bytesRead;
      // An error of the TCP side before the splice (a reset while the client proved itself) counts too.
      const error = end.error ?? this.#tcpError;
      if (error !== undefined) {
        record.error = error;
        const side = end.failed === 'a' ? 'the client side' : 'the destination side';
        record.reason = `${side} failed: ${(error as NodeJS.ErrnoException).code ?? error.message}`;
      }
      this.#report();
    });
  }

  /** Resolves, judges and dials the request's destination: the TCP socket, or undefined once refused or the client left. */
  async #open(request: ConverterRequest): Promise<Socket | undefined> {
    const socket = this.#socket;
    const context = this.#context;
    // One signal stops the resolution: the client leaving, or the connect timeout passing.
    const stop = new AbortController();
    let gone = false;
    const onClose = (): void => {
      gone = true;
      stop.abort();
    };
    socket.once('close', onClose);
    const deadline = performance.now() + context.connectTimeoutMs;
    const timer = setTimeout(() => stop.abort(), context.connectTimeoutMs);
    try {
      const resolved = await resolveDestination(request.host, context.policy, context.lookup, stop.signal);
      if (resolved === undefined) {
        if (gone) return this.#left('the client closed before the reply');
        return this.#refuse(TunnelReplyCode.TtlExpired, `resolving ${request.host} did not finish within ${context.connectTimeoutMs} ms`);
      }
      if (!resolved.ok) return this.#refuse(resolved.code, resolved.reason);
      clearTimeout(timer);
      const dialled = await dialDestination(resolved.addresses, request.port, deadline, stop.signal);
      if (dialled === undefined) return this.#left('the client closed before the reply');
      this.#record.address = dialled.address;
      if (!dialled.ok) return this.#refuse(dialled.code, dialled.reason);
      const tcp = dialled.socket;
      tcp.on('error', (error: Error) => {
        this.#tcpError ??= error;
      });
      if (socket.destroyed) {
        tcp.destroy();
        return this.#left('the client closed before the reply');
      }
      return tcp;
    } finally {
      clearTimeout(timer);
      socket.removeListener('close', onClose);
    }
  }

  /** The client is gone (or must go) before a tunnel was spliced: closed, reported. */
  #left(reason: string): undefined {
    this.#record.reason = reason;
    this.#socket.destroy();
    this.#report();
    return undefined;
  }

  /**
   * Sends the failure reply `code` with `reason`, ends the stream and reports; the connection closes
   * once the client has closed its side, or after `requestTimeout`. What the client still sends is read
   * and dropped.
   */
  #refuse(code: number, reason: string): undefined {
    const socket = this.#socket;
    this.#record.replyCode = code;
    this.#record.reason = reason;
    if (!socket.destroyed) {
      socket.end(encodeReply(code, reason));
      socket.resume();
      const timer = setTimeout(() => socket.destroy(), this.#context.requestTimeoutMs);
      timer.unref();
      socket.once('close', () => clearTimeout(timer));
    }
    this.#report();
    return undefined;
  }

  #report(): void {
    if (this.#reported) return;
    this.#reported = true;
    const socket = this.#socket;
    if (socket.halfOpen && !socket.destroyed) {
      // A tunnel refused on its 0-RTT request: the client's key is known once it proved it holds it,
      // which a live client does at once; the report waits for that, or for the connection's end.
      const settle = (): void => {
        socket.removeListener('proven', settle);
        socket.removeListener('close', settle);
        this.#emitReport();
      };
      socket.once('proven', settle);
      socket.once('close', settle);
      return;
    }
    this.#emitReport();
  }

  #emitReport(): void {
    const record = this.#record;
    record.error ??= this.#firstError;
    // Known once the client proved it holds its key: a replayed first flight reports none.
    record.clientKey = this.#socket.remotePublicKey;
    this.#context.report({ ...record });
  }
}

/** Waits for the client's proof ('proven'), its socket's close, or `timeoutMs`. */
function proven(socket: MptSocket, timeoutMs: number): Promise<'proven' | 'closed' | 'timeout'> {
  return new Promise((resolve) => {
    const settle = (outcome: 'proven' | 'closed' | 'timeout'): void => {
      clearTimeout(timer);
      socket.removeListener('proven', onProven);
      socket.removeListener('close', onClose);
      resolve(outcome);
    };
    const onProven = (): void => settle('proven');
    const onClose = (): void => settle('closed');
    const timer = setTimeout(() => settle('timeout'), timeoutMs);
    socket.once('proven', onProven);
    socket.once('close', onClose);
    if (!socket.halfOpen) settle('proven');
    else if (socket.destroyed) settle('closed');
  });
}
