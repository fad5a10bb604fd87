/**
 * The shell work shared by the scripts and benches that build network namespaces (scripts/netns-flood,
 * scripts/netns-on-path, bench/netns-path.ts): running a command, asking whether one is installed, and
 * tearing a testbed down on SIGINT, SIGTERM and SIGHUP.
 * @module
 */
import { execFileSync } from 'node:child_process';

/** Runs `argv` (no shell) and returns its stdout; throws with its stderr when it fails. */
export function run(argv: readonly string[], input?: string): string {
  return execFileSync(argv[0] as string, argv.slice(1), { input, stdio: ['pipe', 'pipe', 'pipe'], encoding: 'utf8' });
}

/** Whether `command` is on the PATH. */
export function has(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** On SIGINT, SIGTERM or SIGHUP: says so as `name`, runs `teardown` and exits 130. */
export function teardownOnSignals(name: string, teardown: () => void): void {
  const onSignal = (signal: NodeJS.Signals): void => {
    console.error(`${name}: ${signal}, tearing down`);
    teardown();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('SIGHUP', onSignal);
}

/** Deletes the network namespaces (and with them their veths and bridges); ignores those already gone. */
export function deleteNamespaces(namespaces: readonly string[]): void {
  for (const namespace of namespaces) {
    try {
      run(['ip', 'netns', 'del', namespace]);
    } catch {
      // already gone
    }
  }
}
