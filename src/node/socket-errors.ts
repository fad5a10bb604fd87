import { MptError, MptErrorCode } from '../errors.js';

/**
 * The errors an {@link MptSocket} hands out for conditions node:net has its own error for: each with
 * net's code and message, what happened underneath in `cause`.
 * @module
 */

/** A write after the peer closed the connection: EPIPE, as net's. */
export function brokenPipe(): MptError {
  return new MptError(MptErrorCode.BrokenPipe, 'the connection was closed by the peer');
}

/** The peer aborted: ECONNRESET with net's message, what happened in `cause`. */
export function connectionReset(detail: string): MptError {
  return new MptError(MptErrorCode.ConnectionReset, 'read ECONNRESET', { cause: new Error(detail) });
}

/** What a write made while connecting gets when the socket is destroyed first, as net's. */
export function closedBeforeConnection(): Error {
  return Object.assign(new Error('Socket closed before the connection was established'), { code: 'ERR_SOCKET_CLOSED_BEFORE_CONNECTION' });
}

/** The error a write pending when the socket is destroyed gets, as node:stream's for writes it drops. */
export function destroyedError(): Error {
  return Object.assign(new Error('Cannot call write after a stream was destroyed'), { code: 'ERR_STREAM_DESTROYED' });
}

/** An AbortSignal fired: ABORT_ERR, the signal's reason in `cause`. */
export function abortError(signal: AbortSignal): MptError {
  return new MptError(MptErrorCode.Aborted, 'the operation was aborted', { cause: signal.reason });
}

/** Anything thrown on the way to a connection, as an MptError; Node's own errors (with a `code`) as they are. */
export function toMptError(error: unknown): Error {
  if (error instanceof MptError) return error;
  if (error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string') return error;
  return new MptError(MptErrorCode.InvalidState, error instanceof Error ? error.message : String(error), { cause: error });
}
