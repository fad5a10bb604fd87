import { createHash, randomBytes, type Hash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, existsSync, linkSync, renameSync, rmSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import type { MptSocket } from '../../node/socket.js';
import { CliError } from '../args.js';
import { TransferReader, type FileOffer } from './header.js';
import { encodeReply, type TransferReply } from './reply.js';
import { safeFileName } from './safe-name.js';

/**
 * The receiving side of `mpt recv` on an accepted socket (made with `allowHalfOpen`, so it can still
 * reply once the sender has ended): reads the header, writes the bytes to a temporary file in the
 * folder (`.NAME.RANDOM.part`) while computing their SHA-256, and once the sender's digest and end
 * arrived, replies with its own digest; the file gets its name only if both digests agree. A refused
 * file (it exists, a bad header) is answered with a refusal, and the temporary file is removed on any
 * failure.
 * @module
 */

/** What a completed receive found. */
export interface ReceiveResult {
  /** The sender's name for the file, as sent. */
  readonly offeredName: string;
  /** Where the file is now. */
  readonly path: string;
  /** Its size, bytes. */
  readonly size: number;
  /** SHA-256 of the bytes received, hex (the sender's agreed). */
  readonly sha256: string;
}

/** Options of a {@link FileReceiver}. */
export interface ReceiveOptions {
  /** The folder to write into. */
  readonly dir: string;
  /** Replace a file of the same name (default: refuse the transfer). */
  readonly force?: boolean | undefined;
  /** Refuse the transfer with this reason (e.g. busy) instead of receiving it. */
  readonly refuse?: string | undefined;
}

/** Receives one file from a socket; its getters tell how far it got. */
export class FileReceiver {
  readonly #socket: MptSocket;
  readonly #options: ReceiveOptions;
  #offer: FileOffer | undefined;
  #received = 0;

  constructor(socket: MptSocket, options: ReceiveOptions) {
    this.#socket = socket;
    this.#options = options;
  }

  /** The header, once it arrived. */
  get offer(): FileOffer | undefined {
    return this.#offer;
  }

  /** File bytes received so far. */
  get bytesReceived(): number {
    return this.#received;
  }

  /**
   * Receives the file, replies, and waits until the connection closed. Rejects with
   * ERR_MPT_CLI_EXISTS, ERR_MPT_CLI_PROTOCOL, ERR_MPT_CLI_BUSY or a write error of the file (each also
   * sent to the sender as a refusal), ERR_MPT_CLI_CHECKSUM (the digests differ: the file is not kept;
   * the sender gets our digest and sees it too), or the socket's error.
   */
  async run(): Promise<ReceiveResult> {
    const socket = this.#socket;
    const io: Incoming = { file: undefined, temp: undefined, target: undefined, socketFailed: false };
    try {
      if (this.#options.refuse !== undefined) throw new CliError('ERR_MPT_CLI_BUSY', this.#options.refuse);
      const hash = createHash('sha256');
      const senderDigest = await this.#read(io, hash);
      const file = io.file;
      if (file !== undefined) {
        file.end();
        await once(file, 'close');
      }
      const digest = hash.digest();
      const offer = this.#offer!;
      if (!digest.equals(senderDigest)) {
        removeTemp(io);
        await this.#answer({ status: 'received', sha256: digest });
        throw new CliError('ERR_MPT_CLI_CHECKSUM', `sha256 mismatch: received ${digest.toString('hex')}, the sender read ${senderDigest.toString('hex')}`);
      }
      const path = io.target!;
      this.#place(io.temp!, path);
      io.temp = undefined;
      await this.#answer({ status: 'received', sha256: digest });
      return { offeredName: offer.name, path, size: this.#received, sha256: digest.toString('hex') };
    } catch (error) {
      // The temporary file is removed once its stream closed: a stream destroyed before its open
      // completed still creates the file, after any earlier removal.
      const file = io.file;
      if (file !== undefined && !file.closed) {
        const closed = once(file, 'close').then(() => undefined, () => undefined);
        file.destroy();
        await closed;
      }
      removeTemp(io);
      if (error instanceof CliError && error.code === 'ERR_MPT_CLI_CHECKSUM') throw error;
      if (!io.socketFailed && socket.writable) await this.#answer({ status: 'refused', reason: error instanceof Error ? error.message : String(error) });
      else socket.destroy();
      throw error;
    }
  }

  /**
   * Reads the sender's stream to its end: the file's bytes into a temporary file beside the target
   * (and `hash`); resolves with the sender's digest.
   */
  #read(io: Incoming, hash: Hash): Promise<Buffer> {
    const socket = this.#socket;
    const reader = new TransferReader();
    return new Promise<Buffer>((resolve, reject) => {
      let senderDigest: Buffer | undefined;
      let done = false;
      const finish = (error: unknown, socketFailed = false): void => {
        if (done) return;
        done = true;
        io.socketFailed = socketFailed;
        if (error !== undefined) reject(error);
        else resolve(senderDigest!);
      };
      const onHeader = (offer: FileOffer): void => {
        this.#offer = offer;
        const name = safeFileName(offer.name);
        io.target = join(this.#options.dir, name);
        if (this.#options.force !== true && existsSync(io.target)) throw new CliError('ERR_MPT_CLI_EXISTS', `${name} exists in the receiver's folder`);
        io.temp = join(this.#options.dir, `.${name}.${randomBytes(4).toString('hex')}.part`);
        const file = createWriteStream(io.temp, { flags: 'wx' });
        io.file = file;
        file.on('error', (error) => finish(error));
        file.on('drain', () => socket.resume());
      };
      socket.on('data', (chunk: Buffer) => {
        if (done) return;
        try {
          for (const event of reader.push(chunk)) {
            if (event.type === 'header') onHeader(event.offer);
            else if (event.type === 'data') {
              hash.update(event.bytes);
              this.#received += event.bytes.length;
              if (io.file?.write(event.bytes) === false) socket.pause();
            } else senderDigest = event.sha256;
          }
        } catch (error) {
          finish(error);
        }
      });
      socket.on('end', () => {
        try {
          reader.end();
          finish(undefined);
        } catch (error) {
          finish(error);
        }
      });
      socket.on('error', (error) => finish(error, true));
      socket.on('close', () => finish(new CliError('ERR_MPT_CLI_PROTOCOL', 'the connection closed before the file was complete'), true));
    });
  }

  /**
   * Sends `reply` and ends our direction, drops whatever else the sender sends, and waits for the
   * connection to close (at most 10 s: then it is destroyed).
   */
  async #answer(reply: TransferReply): Promise<void> {
    const socket = this.#socket;
    socket.on('error', () => {});
    socket.resume();
    if (socket.destroyed) return;
    const closed = once(socket, 'close').then(() => undefined, () => undefined);
    socket.end(encodeReply(reply));
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        socket.destroy();
        resolve();
      }, 10_000);
    });
    await Promise.race([closed, late]);
    clearTimeout(timer);
  }

  /** Gives the finished temporary file its name: never over an existing file unless `force`. */
  #place(temp: string, path: string): void {
    if (this.#options.force === true) return renameSync(temp, path);
    try {
      linkSync(temp, path);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code === 'EEXIST') throw new CliError('ERR_MPT_CLI_EXISTS', `${path} appeared while the file was received`);
      if (existsSync(path)) throw error;
      return renameSync(temp, path);
    }
    rmSync(temp, { force: true });
  }
}

/** The state of one receive: the temporary file and where it goes, and whether the socket failed (then no reply can go out). */
interface Incoming {
  file: WriteStream | undefined;
  temp: string | undefined;
  target: string | undefined;
  socketFailed: boolean;
}

function removeTemp(io: Incoming): void {
  if (io.temp !== undefined) rmSync(io.temp, { force: true });
  io.temp = undefined;
}
