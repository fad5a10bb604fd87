/**
 * The `mpt` command: `mpt <command> [arguments]`. The subcommands are the {@link COMMANDS} table;
 * every one follows the conventions of args.ts (`--help`, exit codes 0 / 1 / 2, one-line errors, no
 * stack traces unless MPT_DEBUG=1). docs/cli.md documents them all.
 * @module
 */
import { readFileSync } from 'node:fs';
import { describeError, ExitCode, oneLine } from './args.js';
import type { CliCommand } from './command.js';
import { connectCommand } from './commands/connect.js';
import { demoCommand } from './commands/demo.js';
import { keygenCommand } from './commands/keygen.js';
import { recvCommand } from './commands/recv.js';
import { sendCommand } from './commands/send.js';
import { serveCommand } from './commands/serve.js';

/**
 * Every subcommand, in the order `mpt --help` lists them. THE place where a new one is wired in:
 * `mpt bench` (src/cli/bench: `{ name: 'bench', summary, run: runBenchCommand }`) and `mpt proxy`
 * are added here when their branches are merged, as are `serve --mode converter` (in
 * commands/serve.ts's MODES) and `connect --via` (commands/connect.ts). Only commands that work are
 * listed: `mpt --help` shows exactly this table.
 */
const COMMANDS: readonly CliCommand[] = [keygenCommand, serveCommand, connectCommand, sendCommand, recvCommand, demoCommand];

/** The package's version, from its package.json (two folders up, from src/cli and from dist/cli alike). */
function packageVersion(): string {
  try {
    const json = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof json.version === 'string' ? json.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** `mpt --help`: the command list. */
function usage(): string {
  const lines = COMMANDS.map((c) => `  ${c.summary}`);
  return `usage: mpt <command> [arguments]

commands:
${lines.join('\n')}

mpt <command> --help (or mpt help <command>) tells more. Exit status: 0 done, 1 a runtime failure,
2 bad arguments. Files live in $MPT_CONFIG_DIR, else $XDG_CONFIG_HOME/mpt, else ~/.config/mpt.
`;
}

/** Runs `mpt` with `argv` (the arguments after `mpt`); resolves with the exit code. */
async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    process.stderr.write(usage());
    return ExitCode.Usage;
  }
  if (name === '--help' || name === '-h' || (name === 'help' && rest.length === 0)) {
    process.stdout.write(usage());
    return ExitCode.Ok;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    process.stdout.write(`mpt ${packageVersion()}\n`);
    return ExitCode.Ok;
  }
  if (name === 'help') {
    const wanted = COMMANDS.find((c) => c.name === rest[0]);
    if (wanted !== undefined && rest.length === 1) return wanted.run(['--help']);
    process.stderr.write(`mpt help: no command '${oneLine(rest.join(' '))}'\ntry 'mpt --help'\n`);
    return ExitCode.Usage;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    process.stderr.write(`mpt: unknown command '${oneLine(name)}'\ntry 'mpt --help'\n`);
    return ExitCode.Usage;
  }
  return command.run(rest);
}

/** Exits once stdout and stderr have taken everything written to them. */
function exitAfterFlush(code: number): void {
  let pending = 2;
  const done = (): void => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
}

/** An error nothing caught (a bug, or an 'error' event no one listened to): one line, exit 1. */
function crash(error: unknown): void {
  process.stderr.write(`mpt: ${describeError(error)}\n`);
  if (process.env.MPT_DEBUG === '1' && error instanceof Error && error.stack !== undefined) process.stderr.write(`${error.stack}\n`);
  exitAfterFlush(ExitCode.Failure);
}

process.on('uncaughtException', crash);
process.on('unhandledRejection', crash);
// A reader of our output that goes away (`mpt ... | head`) is not worth a word.
process.stdout.on('error', () => {});
main(process.argv.slice(2)).then(exitAfterFlush, crash);
