/**
 * A child process that speaks in lines on stdout (the server host, the client host, the spoofer of
 * scripts/netns-flood.ts): read its next line with a deadline, write it a line, stop it by its pid.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** A spawned child whose stdout is read line by line; stderr passes through. */
export class LineChild {
  readonly #child: ChildProcess;
  readonly #lines: string[] = [];
  readonly #waiters: Array<(line: string | undefined) => void> = [];
  #ended = false;

  constructor(
    readonly name: string,
    argv: readonly string[],
  ) {
    this.#child = spawn(argv[0] as string, argv.slice(1), { stdio: ['pipe', 'pipe', 'inherit'] });
    createInterface({ input: this.#child.stdout! })
      .on('line', (line) => {
        const waiter = this.#waiters.shift();
        if (waiter !== undefined) waiter(line);
        else this.#lines.push(line);
      })
      .on('close', () => {
        this.#ended = true;
        for (const waiter of this.#waiters.splice(0)) waiter(undefined);
      });
    this.#child.stdin!.on('error', () => {});
  }

  /** The child's next stdout line; rejects if it ends first or none comes within `timeoutMs`. */
  nextLine(timeoutMs: number): Promise<string> {
    const queued = this.#lines.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.#ended) return Promise.reject(new Error(`${this.name} ended`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const at = this.#waiters.indexOf(waiter);
        if (at >= 0) this.#waiters.splice(at, 1);
        reject(new Error(`${this.name}: no output within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = (line: string | undefined): void => {
        clearTimeout(timer);
        if (line === undefined) reject(new Error(`${this.name} ended`));
        else resolve(line);
      };
      this.#waiters.push(waiter);
    });
  }

  /** Writes one line to the child's stdin. */
  send(line: string): void {
    this.#child.stdin!.write(`${line}\n`);
  }

  /** Sends `signal` to the child (by its pid), if it still runs. */
  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill(signal);
  }

  /** Resolves once the child has exited. */
  exited(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => this.#child.once('exit', () => resolve()));
  }
}
