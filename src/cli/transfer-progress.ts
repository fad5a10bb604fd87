import type { MptSocket } from '../node/socket.js';
import { colorEnabled, ProgressBoard, type ProgressBlock, type TextStream } from './output.js';
import { PathProgress } from './path-progress.js';
import { formatBytes, formatRate, formatShare } from './units.js';

/**
 * The live progress of one `mpt send` or `mpt recv` transfer on stderr: a summary (name, bytes so far
 * of the size, share, mean rate) and a line per path (see path-progress.ts), redrawn in place every
 * 200 ms on a terminal, else one plain line a second (the board's limit), and a last time at the end.
 * @module
 */

/** How often the progress is looked at and, on a terminal, redrawn, ms. */
const SAMPLE_MS = 200;

/** How far a transfer got, read at each redraw. */
export interface TransferState {
  /** `sending NAME` or `receiving NAME from ADDR` (undefined: not known yet). */
  readonly title: string | undefined;
  /** File bytes moved so far. */
  readonly bytes: number;
  /** The file's size (undefined: not known yet). */
  readonly size: number | undefined;
}

/** Redraws one transfer's progress until {@link TransferProgress.stop}. */
export class TransferProgress {
  readonly #board: ProgressBoard;
  readonly #key: string;
  readonly #socket: MptSocket;
  readonly #state: () => TransferState;
  readonly #paths: PathProgress;
  readonly #started = performance.now();
  readonly #timer: NodeJS.Timeout;
  /** The path lines of the last look while the socket was open (a closed socket lists no paths). */
  #details: readonly string[] = [];

  /** Starts showing `state()` of a transfer over `socket` on `board` as block `key`, as the `direction` side. */
  constructor(board: ProgressBoard, key: string, socket: MptSocket, direction: 'send' | 'receive', state: () => TransferState, stream: TextStream = process.stderr) {
    this.#board = board;
    this.#key = key;
    this.#socket = socket;
    this.#state = state;
    this.#paths = new PathProgress(direction, colorEnabled(stream));
    this.#timer = setInterval(() => this.#board.show(this.#key, this.#block()), SAMPLE_MS);
    // The paths as the peer ends: a closed socket lists none, and a short transfer may end between two looks.
    socket.once('end', () => this.#sample());
  }

  /** ms since the transfer started. */
  get elapsedMs(): number {
    return performance.now() - this.#started;
  }

  /** Stops redrawing and shows the block a last time. */
  stop(): void {
    clearInterval(this.#timer);
    this.#board.finish(this.#key, this.#block());
  }

  #block(): ProgressBlock {
    const s = this.#state();
    const ms = this.elapsedMs;
    const of = s.size === undefined ? '' : ` of ${formatBytes(s.size)} (${formatShare(s.bytes, s.size)})`;
    const summary = `${s.title ?? 'waiting for the header'}: ${formatBytes(s.bytes)}${of}, ${formatRate((s.bytes * 1000) / Math.max(ms, 1))}`;
    this.#sample();
    return { summary, details: this.#details };
  }

  /** Takes the path lines from the socket while it lists paths. */
  #sample(): void {
    const paths = this.#socket.destroyed ? [] : this.#socket.paths;
    if (paths.length > 0) this.#details = this.#paths.lines(paths, performance.now());
  }
}

/** The board every transfer of this process draws on: stderr. */
export function stderrBoard(): ProgressBoard {
  return new ProgressBoard(process.stderr);
}
