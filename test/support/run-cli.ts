// Runs the `mpt` command from the sources as a child process (node --import tsx src/cli/main.ts ...),
// the way a user runs the built bin: for the CLI tests under test/cli.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A finished run: exit code, signal, all of stdout (bytes) and stderr (text). */
export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: Buffer;
  readonly stderr: string;
}

/** A running `mpt`: its process, what it printed so far, and helpers to wait for output and for its end. */
export interface CliProcess {
  readonly child: ChildProcess;
  /** stdout so far. */
  stdout(): Buffer;
  /** stderr so far. */
  stderr(): string;
  /** Resolves with the first match of `pattern` in stdout (as text), once it appears; rejects if the process ends first. */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
  /** Resolves when the process has exited. */
  done: Promise<CliResult>;
}

/** Options of {@link startCli}. */
export interface CliOptions {
  /** Environment on top of process.env; MPT_CONFIG_DIR is required (a temporary folder). */
  readonly env?: Record<string, string | undefined>;
  /** Bytes written to stdin, which is then closed; default: stdin closed at once. `'open'`: left open (write to `child.stdin`). */
  readonly stdin?: Buffer | 'open';
}

/** Starts `mpt ...args`. Every run names its configuration folder (MPT_CONFIG_DIR): never the user's own. */
export function startCli(args: readonly string[], options: CliOptions): CliProcess {
  if (options.env?.MPT_CONFIG_DIR === undefined) throw new Error('startCli: give MPT_CONFIG_DIR (a temporary folder)');
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...options.env };
  delete env.MPT_DEBUG;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  let err = '';
  const watchers: { pattern: RegExp; resolve: (m: RegExpMatchArray) => void; reject: (e: Error) => void }[] = [];
  const check = (): void => {
    const text = Buffer.concat(out).toString('utf8');
    for (const w of [...watchers]) {
      const m = w.pattern.exec(text);
      if (m !== null) {
        watchers.splice(watchers.indexOf(w), 1);
        w.resolve(m);
      }
    }
  };
  child.stdout!.on('data', (b: Buffer) => {
    out.push(b);
    check();
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (s: string) => {
    err += s;
  });
  if (options.stdin === undefined) child.stdin!.end();
  else if (options.stdin !== 'open') child.stdin!.end(options.stdin);
  child.stdin!.on('error', () => {});
  const done = new Promise<CliResult>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      for (const w of watchers.splice(0)) w.reject(new Error(`mpt ${args.join(' ')} exited (${code}) before printing ${w.pattern}; stderr: ${err}`));
      resolve({ code, signal, stdout: Buffer.concat(out), stderr: err });
    });
  });
  return {
    child,
    stdout: () => Buffer.concat(out),
    stderr: () => err,
    waitFor: (pattern) =>
      new Promise((resolve, reject) => {
        watchers.push({ pattern, resolve, reject });
        check();
        if (child.exitCode !== null) reject(new Error(`mpt ${args.join(' ')} has exited`));
      }),
    done,
  };
}

/** Runs `mpt ...args` to its end. */
export function runCli(args: readonly string[], options: CliOptions): Promise<CliResult> {
  return startCli(args, options).done;
}

/** Lines of text, without the empty last one. */
export function linesOf(text: string | Buffer): string[] {
  return String(text).split('\n').filter((l, i, all) => l !== '' || i < all.length - 1);
}

/** Whether `text` holds a line of a stack trace (`    at f (file:1:2)`). */
export function hasStackTrace(text: string): boolean {
  return /^\s+at /m.test(text);
}
