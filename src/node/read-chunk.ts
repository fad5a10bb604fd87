import type { Connection } from '../core/connection.js';

/**
 * Read coalescing: how a socket takes received stream bytes from the connection in node:net's
 * large chunks rather than one per datagram.
 * @module
 */

/** The most bytes one 'data' event carries, as net reads 64 KiB at a time. */
export const READ_CHUNK_BYTES = 65_536;

/**
 * The next bytes to hand to the reader: consecutive received segments joined up to
 * {@link READ_CHUNK_BYTES}, so a reader gets net's large chunks rather than one per datagram (a reader
 * that pauses per 'data' would otherwise crawl); a lone segment is handed over without a copy (read()
 * gives a view of a received datagram the engine no longer touches). Undefined when nothing is readable.
 */
export function readChunk(connection: Connection): Buffer | undefined {
  const first = connection.read(READ_CHUNK_BYTES);
  if (first === undefined) return undefined;
  const head = view(first);
  let more = head.length < READ_CHUNK_BYTES ? connection.read(READ_CHUNK_BYTES - head.length) : undefined;
  if (more === undefined) return head;
  const parts = [head];
  let total = head.length;
  while (more !== undefined) {
    parts.push(view(more));
    total += more.length;
    more = total < READ_CHUNK_BYTES ? connection.read(READ_CHUNK_BYTES - total) : undefined;
  }
  return Buffer.concat(parts, total);
}

/** A Buffer over the same bytes (no copy). */
function view(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}
