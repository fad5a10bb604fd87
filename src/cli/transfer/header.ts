import { CliError } from '../args.js';

/**
 * What `mpt send` writes on the stream, and its reader on the `mpt recv` side. All integers big-endian:
 *
 * | bytes | field |
 * | --- | --- |
 * | 4 | magic `MPTF` |
 * | 1 | version, 1 |
 * | 2 | n, the name's length in bytes, 1 to 1024 |
 * | n | the file's name, UTF-8 (the receiver keeps only its last path component) |
 * | 8 | size, the file's length in bytes, at most 2^53 - 1 |
 * | size | the file's bytes |
 * | 32 | the SHA-256 of those bytes, as the sender read them |
 *
 * then the sender ends its direction of the stream. Anything after the digest is an error.
 * @module
 */

/** The header's first bytes. */
export const HEADER_MAGIC = 'MPTF';
/** The version of this layout. */
export const HEADER_VERSION = 1;
/** Longest name, bytes. */
export const MAX_NAME_BYTES = 1024;
/** Length of the SHA-256 digest after the file's bytes. */
export const DIGEST_BYTES = 32;
const FIXED_BYTES = 4 + 1 + 2;

/** What the header announces. */
export interface FileOffer {
  readonly name: string;
  readonly size: number;
}

/** The header for `offer`. Throws a RangeError for a name that is empty or longer than 1024 bytes, or a size that is not a safe integer. */
export function encodeHeader(offer: FileOffer): Buffer {
  const name = Buffer.from(offer.name, 'utf8');
  if (name.length === 0 || name.length > MAX_NAME_BYTES) throw new RangeError(`the name must be 1 to ${MAX_NAME_BYTES} bytes of UTF-8`);
  if (!Number.isSafeInteger(offer.size) || offer.size < 0) throw new RangeError('the size must be a safe integer >= 0');
  const out = Buffer.alloc(FIXED_BYTES + name.length + 8);
  out.write(HEADER_MAGIC, 0, 'latin1');
  out.writeUInt8(HEADER_VERSION, 4);
  out.writeUInt16BE(name.length, 5);
  name.copy(out, FIXED_BYTES);
  out.writeBigUInt64BE(BigInt(offer.size), FIXED_BYTES + name.length);
  return out;
}

/** What {@link TransferReader.push} found in a chunk. */
export type TransferEvent =
  | { readonly type: 'header'; readonly offer: FileOffer }
  | { readonly type: 'data'; readonly bytes: Buffer }
  | { readonly type: 'digest'; readonly sha256: Buffer };

const protocolError = (message: string): CliError => new CliError('ERR_MPT_CLI_PROTOCOL', message);

/**
 * Reads the sender's stream chunk by chunk: the header, then the file's bytes as they come, then the
 * digest. Throws ERR_MPT_CLI_PROTOCOL for a stream that does not follow the layout.
 */
export class TransferReader {
  #phase: 'header' | 'data' | 'digest' | 'done' = 'header';
  #pending: Buffer = Buffer.alloc(0);
  #remaining = 0;
  #size = 0;

  /** The file's bytes still to come (0 before the header). */
  get remaining(): number {
    return this.#remaining;
  }

  /** Whether the digest has arrived. */
  get done(): boolean {
    return this.#phase === 'done';
  }

  /** What `chunk` completes, in order. */
  push(chunk: Buffer): TransferEvent[] {
    const events: TransferEvent[] = [];
    let rest = chunk;
    while (rest.length > 0) {
      if (this.#phase === 'header') {
        this.#pending = Buffer.concat([this.#pending, rest]);
        rest = Buffer.alloc(0);
        const offer = this.#readHeader();
        if (offer === undefined) break;
        events.push({ type: 'header', offer: offer.offer });
        rest = offer.rest;
      } else if (this.#phase === 'data') {
        const take = Math.min(this.#remaining, rest.length);
        if (take > 0) events.push({ type: 'data', bytes: rest.subarray(0, take) });
        this.#remaining -= take;
        rest = rest.subarray(take);
        if (this.#remaining === 0) this.#phase = 'digest';
      } else if (this.#phase === 'digest') {
        this.#pending = Buffer.concat([this.#pending, rest]);
        rest = Buffer.alloc(0);
        if (this.#pending.length < DIGEST_BYTES) break;
        if (this.#pending.length > DIGEST_BYTES) throw protocolError('the sender sent more than the file and its digest');
        events.push({ type: 'digest', sha256: this.#pending });
        this.#pending = Buffer.alloc(0);
        this.#phase = 'done';
      } else {
        throw protocolError('the sender sent more than the file and its digest');
      }
    }
    return events;
  }

  /** The sender ended its direction: throws if the file or its digest is incomplete. */
  end(): void {
    if (this.#phase === 'done') return;
    if (this.#phase === 'header') throw protocolError(this.#pending.length === 0 ? 'the sender sent nothing' : 'the sender stopped within the header');
    const got = this.#size - this.#remaining;
    throw protocolError(`the sender stopped after ${got} of ${this.#size} bytes`);
  }

  #readHeader(): { offer: FileOffer; rest: Buffer } | undefined {
    const p = this.#pending;
    if (p.length >= 4 && p.toString('latin1', 0, 4) !== HEADER_MAGIC) throw protocolError('the sender is not mpt send (no MPTF header)');
    if (p.length >= 5 && p[4] !== HEADER_VERSION) throw protocolError(`the sender uses header version ${p[4]}; this receiver reads version ${HEADER_VERSION}`);
    if (p.length < FIXED_BYTES) return undefined;
    const nameBytes = p.readUInt16BE(5);
    if (nameBytes === 0 || nameBytes > MAX_NAME_BYTES) throw protocolError(`the header's name length ${nameBytes} is outside 1..${MAX_NAME_BYTES}`);
    const end = FIXED_BYTES + nameBytes + 8;
    if (p.length < end) return undefined;
    const size = p.readBigUInt64BE(FIXED_BYTES + nameBytes);
    if (size > BigInt(Number.MAX_SAFE_INTEGER)) throw protocolError('the header announces a size above 2^53 - 1');
    const name = p.toString('utf8', FIXED_BYTES, FIXED_BYTES + nameBytes);
    this.#size = Number(size);
    this.#remaining = this.#size;
    this.#phase = this.#size === 0 ? 'digest' : 'data';
    this.#pending = Buffer.alloc(0);
    return { offer: { name, size: this.#size }, rest: p.subarray(end) };
  }
}
