/**
 * The `mpt` command: `mpt <command> [arguments]`. The subcommands are the {@link COMMANDS} table;
 * every one follows the conventions of args.ts (`--help`, exit codes 0 / 1 / 2, one-line errors, no
 * stack traces unless MPT_DEBUG=1). docs/cli.md documents them all.
 * @module
 */
import { readFileSync } from 'node:fs';
import { describeError, ExitCode, oneLine } from './args.js';
import type { CliCommand } from './command.js';

/**
 * Every subcommand, in the order `mpt --help` lists them; each module is loaded only when its
 * command runs. THE place where a new one is wired in, as `mpt proxy` was: its line is all that is
 * added. `serve --mode converter` is in commands/serve.ts's MODES and `connect --via` in
 * commands/connect.ts. Only commands that work are listed: `mpt --help` shows exactly this table.
 */
const COMMANDS: readonly CliCommand[] = [
  {
    name: 'keygen',
    summary: 'keygen [-o FILE]           make a key pair: FILE (private, 0600) and FILE.pub',
    load: async () => (await import('./commands/keygen.js')).runKeygenCommand,
  },
  {
    name: 'serve',
    summary: 'serve [--mode echo|sink]   an mpt server that echoes or discards what clients send',
    load: async () => (await import('./commands/serve.js')).runServeCommand,
    more: ['serve --mode converter     a converter: opens the TCP connection each client asks for'],
  },
  {
    name: 'connect',
    summary: 'connect HOST:PORT          stdin and stdout over an mpt stream (like nc; ssh ProxyCommand)',
    load: async () => (await import('./commands/connect.js')).runConnectCommand,
    more: ['connect --via CONV DEST    the same to a TCP destination DEST, through the converter CONV'],
  },
  {
    name: 'proxy',
    summary: 'proxy --converter CONV     a local SOCKS5 / HTTP CONNECT proxy (127.0.0.1:1080) through a converter',
    load: async () => (await import('./commands/proxy.js')).runProxyCommand,
  },
  {
    name: 'send',
    summary: 'send FILE HOST:PORT        send a file to mpt recv, SHA-256 checked, live per-path progress',
    load: async () => (await import('./commands/send.js')).runSendCommand,
  },
  {
    name: 'recv',
    summary: 'recv [-o DIR] [--keep]     receive files from mpt send into DIR',
    load: async () => (await import('./commands/recv.js')).runRecvCommand,
  },
  {
    name: 'bench',
    summary: 'bench [HOST:PORT] [-t S]   throughput per path, as iperf3 (local emulated paths, or a sink server)',
    load: async () => (await import('./bench/bench-command.js')).runBenchCommand,
  },
  {
    name: 'demo',
    summary: 'demo [--mib N]             a client and a server on loopback: one stream over two paths, live',
    load: async () => (await import('./commands/demo.js')).runDemoCommand,
  },
];

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
  const lines = COMMANDS.flatMap((c) => [c.summary, ...(c.more ?? [])].map((line) => `  ${line}`));
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
    if (wanted !== undefined && rest.length === 1) return (await wanted.load())(['--help']);
    process.stderr.write(`mpt help: no command '${oneLine(rest.join(' '))}'\ntry 'mpt --help'\n`);
    return ExitCode.Usage;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    process.stderr.write(`mpt: unknown command '${oneLine(name)}'\ntry 'mpt --help'\n`);
    return ExitCode.Usage;
  }
  return (await command.load())(rest);
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
