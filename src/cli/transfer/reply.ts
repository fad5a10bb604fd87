import { CliError } from '../args.js';
import { DIGEST_BYTES } from './header.js';

/**
 * What `mpt recv` answers on the stream, once the sender's stream ended or it refuses the file:
 *
 * | bytes | field |
 * | --- | --- |
 * | 4 | magic `MPTR` |
 * | 1 | status: 0 received, 1 refused |
 * | status 0: 32 | the SHA-256 of the bytes the receiver got |
 * | status 1: 2, then n | n, then the reason, n bytes of UTF-8 |
 *
 * then the receiver ends its direction.
 * @module
 */

/** The reply's first bytes. */
export const REPLY_MAGIC = 'MPTR';
const MAX_REASON_BYTES = 1024;

/** The receiver's answer. */
export type TransferReply = { readonly status: 'received'; readonly sha256: Buffer } | { readonly status: 'refused'; readonly reason: string };

/** The bytes of `reply` (a refusal's reason cut to 1024 bytes). */
export function encodeReply(reply: TransferReply): Buffer {
  const magic = Buffer.from(REPLY_MAGIC, 'latin1');
  if (reply.status === 'received') return Buffer.concat([magic, Buffer.from([0]), reply.sha256]);
  const reason = Buffer.from(reply.reason, 'utf8').subarray(0, MAX_REASON_BYTES);
  const length = Buffer.alloc(2);
  length.writeUInt16BE(reason.length);
  return Buffer.concat([magic, Buffer.from([1]), length, reason]);
}

/**
 * Reads a reply from the bytes received so far: the reply, undefined while incomplete. Throws
 * ERR_MPT_CLI_PROTOCOL for bytes that are not a reply (or that run past one).
 */
export function decodeReply(bytes: Buffer): TransferReply | undefined {
  const bad = (why: string): CliError => new CliError('ERR_MPT_CLI_PROTOCOL', `the receiver's reply ${why}`);
  if (bytes.length >= 4 && bytes.toString('latin1', 0, 4) !== REPLY_MAGIC) throw bad('is not from mpt recv (no MPTR)');
  if (bytes.length < 5) return undefined;
  const status = bytes[4];
  let end: number;
  let reply: TransferReply;
  if (status === 0) {
    end = 5 + DIGEST_BYTES;
    if (bytes.length < end) return undefined;
    reply = { status: 'received', sha256: bytes.subarray(5, end) };
  } else if (status === 1) {
    if (bytes.length < 7) return undefined;
    end = 7 + bytes.readUInt16BE(5);
    if (bytes.length < end) return undefined;
    reply = { status: 'refused', reason: bytes.toString('utf8', 7, end) };
  } else {
    throw bad(`has the unknown status ${status}`);
  }
  if (bytes.length > end) throw bad('runs on past its end');
  return reply;
}
