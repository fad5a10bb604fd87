/**
 * Where `mpt bench` writes and what it reads of its environment: an interface, so the command runs
 * against the process (the default) or captured streams (tests).
 * @module
 */
import { EXIT_INTERRUPTED } from './interrupts.js';

/** The command's streams, terminal, environment and Ctrl-C. */
export interface BenchIo {
  /** Writes to standard output. */
  out(text: string): void;
  /** Writes to standard error. */
  err(text: string): void;
  /** Whether standard output is a terminal. */
  readonly isTty: boolean;
  /** The environment (NO_COLOR). */
  readonly env: NodeJS.ProcessEnv;
  /** Calls `handler` on each Ctrl-C (SIGINT) until the returned function is called. */
  onInterrupt(handler: () => void): () => void;
}

/** The process's streams and SIGINT; a third Ctrl-C exits at once. */
export function processIo(): BenchIo {
  // A reader that went away (`mpt bench | head`) must not crash the process with EPIPE.
  if (process.stdout.listenerCount('error') === 0) process.stdout.on('error', () => undefined);
  return {
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    isTty: process.stdout.isTTY === true,
    env: process.env,
    onInterrupt: (handler) => {
      let count = 0;
      const onSigint = (): void => {
        // The first two are the bench's (stop sending, stop waiting); a third means now.
        if (++count >= 3) process.exit(EXIT_INTERRUPTED);
        handler();
      };
      process.on('SIGINT', onSigint);
      return () => void process.off('SIGINT', onSigint);
    },
  };
}
