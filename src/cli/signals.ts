/**
 * How the long-running commands (serve, recv --keep) stop: on SIGINT (Ctrl-C) or SIGTERM.
 * @module
 */

/**
 * Resolves on the first SIGINT or SIGTERM (then the caller closes and exits 0). A second signal
 * while closing exits at once with 130 (SIGINT) or 143 (SIGTERM), as a shell reports them.
 */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const first = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', first);
      process.off('SIGTERM', first);
      const again = (s: NodeJS.Signals): never => process.exit(s === 'SIGINT' ? 130 : 143);
      process.once('SIGINT', again);
      process.once('SIGTERM', again);
      resolve(signal);
    };
    process.on('SIGINT', first);
    process.on('SIGTERM', first);
  });
}
