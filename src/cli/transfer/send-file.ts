import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import type { MptSocket } from '../../node/socket.js';
import { CliError } from '../args.js';
import { encodeHeader, type FileOffer } from './header.js';
import { decodeReply, type TransferReply } from './reply.js';

/**
 * The sending side of `mpt send` on a connected socket: the header, the file's bytes, their SHA-256,
 * the end of our direction; then the receiver's reply (see header.ts and reply.ts).
 * @module
 */

/** What a completed send found. */
export interface SendResult {
  /** SHA-256 of the bytes sent, hex. */
  readonly sha256: string;
  /** The receiver's SHA-256 of what it got, hex. */
  readonly receiverSha256: string;
}

/** The file to send: where it is, its size (from a stat made before connecting), and the name to give. */
export interface SendSource extends FileOffer {
  readonly path: string;
}

/** Sends one file over a socket; {@link FileSender.bytesSent} counts as it goes. */
export class FileSender {
  readonly #socket: MptSocket;
  readonly #source: SendSource;
  #sent = 0;

  constructor(socket: MptSocket, source: SendSource) {
    this.#socket = socket;
    this.#source = source;
  }

  /** File bytes handed to the socket so far. */
  get bytesSent(): number {
    return this.#sent;
  }

  /**
   * Sends the file and waits for the reply. Resolves with both digests (compare them); rejects with
   * ERR_MPT_CLI_REFUSED (the receiver refused the file, its reason in the message), ERR_MPT_CLI_CHANGED
   * (the file's size changed while it was read), ERR_MPT_CLI_PROTOCOL (no reply, or not a reply), the
   * socket's error, or the file's read error. The socket is destroyed on failure.
   */
  async run(): Promise<SendResult> {
    const socket = this.#socket;
    let failure: Error | undefined;
    const replied = this.#awaitReply();
    replied.catch((error: Error) => {
      failure ??= error;
    });
    const writing = (async (): Promise<Buffer | undefined> => {
      const { path, size } = this.#source;
      socket.write(encodeHeader(this.#source));
      const hash = createHash('sha256');
      const changed = (): CliError => new CliError('ERR_MPT_CLI_CHANGED', `${path} changed while it was sent (its size was ${size} bytes)`);
      for await (const chunk of createReadStream(path, { highWaterMark: 256 * 1024 }) as AsyncIterable<Buffer>) {
        if (failure !== undefined) return undefined;
        if (this.#sent + chunk.length > size) throw changed();
        hash.update(chunk);
        this.#sent += chunk.length;
        if (!socket.write(chunk)) await Promise.race([once(socket, 'drain'), replied.then(() => undefined, () => undefined)]);
      }
      if (failure !== undefined) return undefined;
      if (this.#sent !== size) throw changed();
      const digest = hash.digest();
      socket.end(digest);
      return digest;
    })();
    try {
      const [digest, reply] = await Promise.all([writing, replied]);
      if (reply.status !== 'received' || digest === undefined) throw failure ?? new CliError('ERR_MPT_CLI_PROTOCOL', 'the transfer ended early');
      return { sha256: digest.toString('hex'), receiverSha256: reply.sha256.toString('hex') };
    } catch (error) {
      socket.destroy();
      throw error;
    }
  }

  /** Resolves with the receiver's reply once it arrived and the receiver ended; rejects on a refusal or a failure. */
  #awaitReply(): Promise<TransferReply & { status: 'received' }> {
    const socket = this.#socket;
    return new Promise((resolve, reject) => {
      let bytes = Buffer.alloc(0);
      let reply: TransferReply | undefined;
      socket.on('data', (chunk: Buffer) => {
        try {
          bytes = Buffer.concat([bytes, chunk]);
          reply = decodeReply(bytes);
        } catch (error) {
          return reject(error);
        }
        if (reply?.status === 'refused') reject(new CliError('ERR_MPT_CLI_REFUSED', `the receiver refused the file: ${reply.reason}`));
      });
      socket.on('end', () => {
        if (reply?.status === 'received') resolve(reply);
        else reject(new CliError('ERR_MPT_CLI_PROTOCOL', 'the receiver ended the stream without a reply'));
      });
      socket.on('error', reject);
      socket.on('close', () => reject(new CliError('ERR_MPT_CLI_PROTOCOL', 'the connection closed before the receiver replied')));
    });
  }
}
