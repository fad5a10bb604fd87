/**
 * How the `mpt` command writes to a terminal and to everything else. On a terminal (a TTY) progress
 * is redrawn in place and colour may be used; anywhere else (a pipe, a file, a test) the output is
 * plain lines: no cursor movement, no colour, progress at most one line a second. NO_COLOR (any
 * non-empty value, see no-color.org) and TERM=dumb turn colour off on a terminal too.
 * @module
 */

/** A stream written to: process.stdout, process.stderr, or a test's stand-in. */
export interface TextStream {
  write(text: string): unknown;
  /** True on a terminal. */
  readonly isTTY?: boolean | undefined;
  /** A terminal's width in characters. */
  readonly columns?: number | undefined;
}

/** Whether `stream` is a terminal (redraw in place). */
export function isInteractive(stream: TextStream): boolean {
  return stream.isTTY === true;
}

/** Whether to colour what goes to `stream`: a terminal, NO_COLOR unset or empty, TERM not `dumb`. */
export function colorEnabled(stream: TextStream, env: { readonly NO_COLOR?: string | undefined; readonly TERM?: string | undefined } = process.env): boolean {
  return isInteractive(stream) && (env.NO_COLOR === undefined || env.NO_COLOR === '') && env.TERM !== 'dumb';
}

/** The colours the command uses. */
export type Color = 'red' | 'green' | 'yellow' | 'dim';
const SGR: Record<Color, string> = { red: '31', green: '32', yellow: '33', dim: '2' };

/** `text` in `color` when `enabled`, else unchanged. */
export function paint(text: string, color: Color, enabled: boolean): string {
  return enabled ? `\x1b[${SGR[color]}m${text}\x1b[0m` : text;
}

/** An SGR escape sequence (colour), which takes no room on the screen. */
const ESCAPE = /^\x1b\[[0-9;]*m/;

/** `text` cut to `width` visible characters (colour sequences kept, not counted). */
export function fitWidth(text: string, width: number): string {
  let out = '';
  let visible = 0;
  for (let i = 0; i < text.length; ) {
    const escape = ESCAPE.exec(text.slice(i))?.[0];
    if (escape !== undefined) {
      out += escape;
      i += escape.length;
      continue;
    }
    if (visible >= width) {
      i++;
      continue;
    }
    out += text[i];
    visible++;
    i++;
  }
  return out;
}

/** What one transfer shows: a summary line and a line per detail (per path). */
export interface ProgressBlock {
  readonly summary: string;
  readonly details: readonly string[];
}

/** Options of a {@link ProgressBoard}. */
export interface ProgressBoardOptions {
  /** Redraw in place; default: whether the stream is a terminal. */
  readonly interactive?: boolean | undefined;
  /** Without a terminal, the least time between two lines of one block, ms. Default 1000. */
  readonly plainIntervalMs?: number | undefined;
  /** The clock, ms. Default performance.now. */
  readonly now?: (() => number) | undefined;
}

/**
 * Live progress of one or more transfers (blocks, by key). On a terminal every {@link show} redraws
 * all blocks in place (the cursor goes back up over the previous drawing); a finished block is drawn
 * one last time and left on the screen. Elsewhere each block is one line, `summary; detail; detail`,
 * at most one per `plainIntervalMs` per block, and a finished block's last line always.
 */
export class ProgressBoard {
  readonly #stream: TextStream;
  readonly #interactive: boolean;
  readonly #intervalMs: number;
  readonly #now: () => number;
  readonly #blocks = new Map<string, ProgressBlock>();
  readonly #printedAt = new Map<string, number>();
  /** Lines of the current drawing (terminal). */
  #drawn = 0;

  constructor(stream: TextStream, options: ProgressBoardOptions = {}) {
    this.#stream = stream;
    this.#interactive = options.interactive ?? isInteractive(stream);
    this.#intervalMs = options.plainIntervalMs ?? 1000;
    this.#now = options.now ?? (() => performance.now());
  }

  /** Sets block `key` (shown below the others if new) and redraws, or prints its line if due. */
  show(key: string, block: ProgressBlock): void {
    this.#blocks.set(key, block);
    if (this.#interactive) return this.#redraw([]);
    const now = this.#now();
    const last = this.#printedAt.get(key);
    if (last !== undefined && now - last < this.#intervalMs) return;
    this.#printedAt.set(key, now);
    this.#stream.write(`${plainLine(block)}\n`);
  }

  /** Shows block `key` one last time (`final`, or as it stands) and forgets it. */
  finish(key: string, final?: ProgressBlock): void {
    const block = final ?? this.#blocks.get(key);
    this.#blocks.delete(key);
    this.#printedAt.delete(key);
    if (block === undefined) return;
    if (this.#interactive) return this.#redraw(blockLines(block));
    this.#stream.write(`${plainLine(block)}\n`);
  }

  /** Writes `line` above the live blocks (on a terminal, they are drawn again below it). */
  log(line: string): void {
    if (this.#interactive) return this.#redraw([line]);
    this.#stream.write(`${line}\n`);
  }

  /** Erases the drawing, writes `above` for good, then draws every block below it. */
  #redraw(above: readonly string[]): void {
    const columns = this.#stream.columns ?? 0;
    const width = columns > 20 ? columns - 1 : 120;
    const live = [...this.#blocks.values()].flatMap(blockLines);
    let out = this.#drawn > 0 ? `\x1b[${this.#drawn}A\r` : '';
    for (const line of [...above, ...live]) out += `${fitWidth(line, width)}\x1b[K\n`;
    out += '\x1b[J';
    this.#stream.write(out);
    this.#drawn = live.length;
  }
}

function blockLines(block: ProgressBlock): string[] {
  return [block.summary, ...block.details.map((d) => `  ${d}`)];
}

function plainLine(block: ProgressBlock): string {
  return [block.summary, ...block.details].join('; ');
}
