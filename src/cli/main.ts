/**
 * The `mpt` command: `demo` and `bench`; serve, send and proxy arrive with
 * the connection API.
 */
import { runBenchCommand } from './bench/bench-command.js';
import { runDemoCli } from './demo/demo-cli.js';

const USAGE = `usage: mpt <command>

commands:
  demo [--mib N]   a client and a server on loopback UDP: one encrypted stream, live per-path progress
  bench [HOST:PORT] [-t SECONDS] [--path SPEC]... [--json] [--tcp]
                   measure throughput per path, as iperf3 (mpt bench --help)
`;

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'demo':
      return runDemoCli(rest);
    case 'bench':
      return runBenchCommand(rest);
    case undefined:
    case '-h':
    case '--help':
      process.stdout.write(USAGE);
      return command === undefined ? 1 : 0;
    default:
      process.stderr.write(`mpt: unknown command '${command}'\n${USAGE}`);
      return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`mpt: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
