import type { Duplex } from 'node:stream';

/**
 * Joining two byte streams both ways, as the converter joins a client's mpt stream and the TCP
 * connection to the destination:
 *
 * - **backpressure**: each direction is a pipe, so a side that does not read (or reads slowly) stops the
 *   other side's reading once the stream buffers in between are full; nothing buffers without bound;
 * - **half-close**: when one side ends its direction (a FIN), that direction is ended on the other side
 *   and the opposite direction carries on until it ends too (both streams must allow half-open);
 * - **errors and resets**: an error on one side (a TCP RST, an mpt abort, a timeout) aborts the other
 *   with a reset when it can (`resetAndDestroy()`: a TCP RST, an mpt abort, ECONNRESET at its peer),
 *   so an abort crosses the splice as an abort, not as a clean end; a side that closes without having
 *   ended its direction cleanly aborts the other likewise;
 * - **close**: a side that closes after ending cleanly, while the other has not ended its direction,
 *   closes the other too, at once: nothing the other sends could be delivered any more.
 * @module
 */

/** A stream that can be aborted with a reset (net.Socket, MptSocket). */
interface Resettable {
  resetAndDestroy(): unknown;
}

/** How a splice ended: once both sides are closed; `error` is the first error either side had. */
export interface SpliceEnd {
  /** The first error of either side, undefined for a clean end both ways. */
  readonly error: Error | undefined;
  /** Which side failed first: 'a', 'b', or undefined for a clean end. */
  readonly failed: 'a' | 'b' | undefined;
}

/**
 * Joins `a` and `b` both ways (see the module description) and calls `done` once both are closed. The
 * streams must not be read by anything else (bytes either has buffered are passed on first). A side
 * already destroyed aborts the other at once.
 */
export function splice(a: Duplex, b: Duplex, done: (end: SpliceEnd) => void): void {
  let error: Error | undefined;
  let failed: 'a' | 'b' | undefined;
  let closed = 0;
  const abort = (other: Duplex): void => {
    if (other.destroyed) return;
    const resettable = other as Partial<Resettable> & Duplex;
    if (typeof resettable.resetAndDestroy === 'function') resettable.resetAndDestroy();
    else other.destroy();
  };
  const watch = (side: Duplex, other: Duplex, name: 'a' | 'b'): void => {
    side.on('error', (e: Error) => {
      if (error === undefined) {
        error = e;
        failed = name;
      }
      abort(other);
    });
    const onClose = (): void => {
      // Closed without its direction having ended cleanly (destroyed, aborted): the other side must not
      // take the silence for an end.
      if (!side.readableEnded) abort(other);
      // Closed after a clean end but before the other side ended (an mpt connection whose client
      // lingered after destroy() and gave up): what the other still sends can go nowhere, so it closes
      // too (its end was passed on: a FIN). Without this a destination that never ends would keep
      // the converter's TCP connection open for good.
      else if (!other.destroyed && !other.readableEnded) other.destroy();
      if (++closed === 2) done({ error, failed });
    };
    if (side.destroyed) {
      // 'close' may have been emitted already; count it now, once.
      process.nextTick(onClose);
    } else side.once('close', onClose);
  };
  watch(a, b, 'a');
  watch(b, a, 'b');
  if (a.destroyed || b.destroyed) return;
  a.pipe(b);
  b.pipe(a);
}
