import type { Readable } from 'node:stream';
import type { DecodeResult } from './converter-protocol.js';

/**
 * Reading a header (the converter's request, or its reply) off the front of a stream without losing
 * what follows it: the bytes after the header go back into the stream (`unshift`), and the stream is
 * left as it was found, so the next reader ('data', pipe, read()) gets the payload from its first byte.
 * @module
 */

/** How {@link readHeader} ended. */
export type HeaderOutcome<T> =
  /** The header, decoded; the bytes after it are back in the stream. */
  | { readonly state: 'done'; readonly value: T }
  /** The header is malformed (the decoder's error). */
  | { readonly state: 'error'; readonly code: number; readonly reason: string }
  /** The stream ended, failed or closed before the header was complete. */
  | { readonly state: 'closed'; readonly error: Error | undefined; readonly bytes: number }
  /** `timeoutMs` passed before the header was complete (the stream is left as it is). */
  | { readonly state: 'timeout'; readonly bytes: number };

/** A decoder of a header (see converter-protocol.ts). */
export interface HeaderDecoderLike<T> {
  push(chunk: Uint8Array): DecodeResult<T>;
}

/**
 * Reads `stream` until `decoder` has its header, or `timeoutMs` passes (if given). The stream must not be
 * flowing (no 'data' listener) and nothing else may read it meanwhile. Read with 'readable' and read(),
 * which leaves the stream in its initial, non-flowing state once the listener is gone.
 */
export function readHeader<T>(stream: Readable, decoder: HeaderDecoderLike<T>, timeoutMs?: number): Promise<HeaderOutcome<T>> {
  return new Promise((resolve) => {
    let bytes = 0;
    let settled = false;
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => settle({ state: 'timeout', bytes }), timeoutMs);
    const settle = (outcome: HeaderOutcome<T>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stream.removeListener('readable', onReadable);
      stream.removeListener('end', onEnd);
      stream.removeListener('error', onError);
      stream.removeListener('close', onClose);
      resolve(outcome);
    };
    const onReadable = (): void => {
      for (;;) {
        if (settled) return;
        const chunk = stream.read() as Buffer | null;
        if (chunk === null) return;
        bytes += chunk.length;
        const result = decoder.push(chunk);
        if (result.state === 'pending') continue;
        if (result.state === 'error') return settle(result);
        if (result.rest.length > 0) stream.unshift(Buffer.from(result.rest.buffer, result.rest.byteOffset, result.rest.length));
        return settle({ state: 'done', value: result.value });
      }
    };
    const onEnd = (): void => settle({ state: 'closed', error: undefined, bytes });
    const onError = (error: Error): void => settle({ state: 'closed', error, bytes });
    const onClose = (): void => settle({ state: 'closed', error: undefined, bytes });
    stream.on('readable', onReadable);
    stream.once('end', onEnd);
    stream.once('error', onError);
    stream.once('close', onClose);
    if (stream.destroyed) settle({ state: 'closed', error: stream.errored ?? undefined, bytes });
  });
}
