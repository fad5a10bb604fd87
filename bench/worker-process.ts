/**
 * A bench child process speaking JSON lines: one message per line on its stdout, one command per line
 * on its stdin. Shared by bench/idle-cost.ts and bench/scale.ts.
 *
 * The child runs `node --expose-gc --import tsx <script> ...args` through `sh -c 'ulimit -n ...; exec ...'`,
 * so its open-file limit is raised as far as this process may (root: up to fs.nr_open; otherwise the
 * hard limit): thousands of connections need thousands of sockets.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

/** The open-file limit asked for: fs.nr_open where readable (the kernel's ceiling), else 1,048,576. */
function wantedFileLimit(): number {
  try {
    return Number(readFileSync('/proc/sys/fs/nr_open', 'utf8').trim()) || 1_048_576;
  } catch {
    return 1_048_576;
  }
}

/** A child process of a bench, spoken to in JSON lines. */
export class WorkerProcess {
  /** The child (through `sh -c ... exec`, so its pid is node's). */
  readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: AsyncIterator<string>;
  private readonly stderr: string[] = [];

  /**
   * Starts `script` with `args`.
   * @param script absolute path of the worker's .ts file
   * @param args its arguments
   * @param env extra environment variables
   */
  constructor(script: string, args: readonly string[], env: Record<string, string> = {}) {
    const quoted = [process.execPath, '--expose-gc', '--import', 'tsx', script, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
    // `ulimit -n` fails above the hard limit for a non-root user: then try the hard limit itself.
    const shell = `ulimit -n ${wantedFileLimit()} 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec ${quoted}`;
    this.child = spawn('sh', ['-c', shell], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    this.child.stderr.on('data', (b: Buffer) => this.stderr.push(b.toString()));
    this.lines = createInterface({ input: this.child.stdout })[Symbol.asyncIterator]();
  }

  /** The next message of type `type` (earlier messages of other types are skipped). */
  async next<T>(type: string): Promise<T> {
    for (;;) {
      const { value, done } = await this.lines.next();
      if (done === true) throw new Error(`worker exited early: ${this.stderr.join('').slice(0, 800)}`);
      const message = JSON.parse(value as string) as { type: string };
      if (message.type === type) return message as T;
    }
  }

  /** Sends one command. */
  send(command: Record<string, unknown>): void {
    this.child.stdin.write(`${JSON.stringify(command)}\n`);
  }

  /** Ends the child (SIGTERM to node itself: the shell exec'd it). */
  stop(): void {
    this.child.kill();
  }

  /** Resolves when the child has exited. */
  exited(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => this.child.once('exit', () => resolve()));
  }
}
