import { parseCommandArgs, printUsage, runGuarded, UsageError } from '../args.js';
import { runDemoCli } from '../demo/demo-cli.js';

/**
 * `mpt demo [--mib N]`: the README's quick start (src/cli/demo).
 * @module
 */

/** The demo holds the whole payload in memory, twice over while it checks it. */
const MAX_MIB = 1024;

const SPEC = {
  name: 'demo',
  usage: `usage: mpt demo [--mib N]

A client and a server in this process on loopback UDP: one encrypted stream (Noise XX) over two
paths, from 127.0.0.1 and 127.0.0.2 through two link emulators of different delay and rate, until
link A goes down at 60% and path B carries the rest; live per-path progress on stdout, SHA-256
checked at the end (exit 0 if the stream arrived intact). Where 127.0.0.2 cannot be bound it runs
over one path and says so.

options:
  --mib N      MiB to send (default 64, at most 1024)
  -h, --help   this help
`,
  options: { mib: { type: 'string', default: '64' } },
} as const;

/** `mpt demo` with the arguments after its name; resolves with the exit code (see args.ts). */
export function runDemoCommand(argv: readonly string[]): Promise<number> {
  return runGuarded('demo', () => demo(argv));
}

async function demo(argv: readonly string[]): Promise<number> {
  const args = parseCommandArgs(SPEC, argv);
  if (args.help) return printUsage(SPEC);
  const mib = Number(args.values.mib);
  const bytes = Math.round(mib * 1024 * 1024);
  if (!(bytes > 0 && mib <= MAX_MIB)) throw new UsageError(`--mib must be a number above 0 and at most ${MAX_MIB}, not '${args.values.mib}'`);
  return runDemoCli(bytes);
}
