import { parseArgs, type ParseArgsConfig } from 'node:util';

/**
 * The conventions every `mpt` subcommand keeps: how it reads its arguments (node:util's parseArgs, with
 * `--help` / `-h` added), and how it ends: exit 0 on success; on bad arguments ONE line
 * `mpt <cmd>: <what is wrong>` and `try 'mpt <cmd> --help'` on stderr, exit 2 ({@link UsageError}); on
 * a runtime failure one line `mpt <cmd>: <message> (<error code>)` on stderr, exit 1 (any other error;
 * {@link CliError} for the command's own). Never a stack trace, unless `MPT_DEBUG=1`.
 * @module
 */

/** The exit codes of the `mpt` command. */
export const ExitCode = {
  /** Done, and everything checked out. */
  Ok: 0,
  /** A runtime failure: connection refused, key mismatch, missing file, checksum mismatch... */
  Failure: 1,
  /** Bad arguments: unknown option, missing or extra argument, bad value. */
  Usage: 2,
} as const;

/** Bad arguments: reported as a usage error, exit 2. The message says what is wrong, as one short phrase. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A runtime failure of the command itself (not of the library, whose errors carry their own codes): exit 1. */
export class CliError extends Error {
  /** A stable code, `ERR_MPT_CLI_...`, printed in parentheses after the message. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CliError';
    this.code = code;
  }
}

/** The options of a command, in parseArgs's form (`{ out: { type: 'string', short: 'o' } }`). */
export type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

/** What a command accepts, for {@link parseCommandArgs}. */
export interface CommandSpec<O extends OptionsConfig> {
  /** The subcommand, as in `mpt <name>`. */
  readonly name: string;
  /** The help text `--help` prints (on stdout). */
  readonly usage: string;
  /** Its options; `help` (`-h`) is added. */
  readonly options: O;
  /** Names of its positional arguments, in order (for messages: "missing FILE"). Default none. */
  readonly positionals?: readonly string[] | undefined;
  /** How many of them are required; default all. */
  readonly required?: number | undefined;
}

type ParsedValues<O extends OptionsConfig> = ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>>['values'];

/** The arguments as read: `help` when `--help` / `-h` was given (nothing else is checked then). */
export type ParsedCommand<O extends OptionsConfig> =
  | { readonly help: true }
  | { readonly help: false; readonly values: ParsedValues<O>; readonly positionals: readonly string[] };

/** Whether `--help` or `-h` is among the arguments (before a `--`). */
export function wantsHelp(argv: readonly string[]): boolean {
  for (const arg of argv) {
    if (arg === '--') return false;
    if (arg === '--help' || arg === '-h') return true;
  }
  return false;
}

/** parseArgs's message as one short phrase (its own can run over three lines). */
function parseArgsMessage(error: Error & { code?: unknown }): string {
  const first = error.message.split('\n')[0] ?? '';
  const quoted = /'([^']+)'/.exec(first)?.[1] ?? '';
  const option = quoted.split(', ').at(-1)?.replace(/ <value>$/, '') ?? quoted;
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option '${quoted}'`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (first.includes('does not take an argument')) return `option ${option} takes no value`;
      if (first.includes('ambiguous')) return `option ${option} needs a value (for one that starts with '-', write ${option}=VALUE)`;
      return `option ${option} needs a value`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument '${quoted}'`;
    default:
      return first.charAt(0).toLowerCase() + first.slice(1);
  }
}

/**
 * Reads `argv` (the arguments after the subcommand) as `spec` says. Returns `{ help: true }` when
 * `--help` / `-h` is among them; throws a {@link UsageError} for an unknown option, a missing or
 * extra value, a missing or extra positional argument.
 */
export function parseCommandArgs<const O extends OptionsConfig>(spec: CommandSpec<O>, argv: readonly string[]): ParsedCommand<O> {
  if (wantsHelp(argv)) return { help: true };
  let parsed: { values: ParsedValues<O>; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...argv], options: spec.options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? parseArgsMessage(error) : String(error));
  }
  const names = spec.positionals ?? [];
  const required = spec.required ?? names.length;
  if (parsed.positionals.length < required) throw new UsageError(`missing ${names.slice(parsed.positionals.length, required).join(' and ')}`);
  if (parsed.positionals.length > names.length) throw new UsageError(`unexpected argument '${parsed.positionals[names.length]}'`);
  return { help: false, values: parsed.values, positionals: parsed.positionals };
}

/** A text on one line: line breaks become spaces (an error line must stay one line). */
export function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

/**
 * An error as the tail of a failure line: its message (on one line, without the `ENOENT: ` that system
 * errors start with) and its code in parentheses, or `(internal error)` for an error without a code.
 */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return `${oneLine(String(error))} (internal error)`;
  const code = (error as { code?: unknown }).code;
  const message = oneLine(error.message).replace(/^E[A-Z]+: /, '') || error.name;
  return typeof code === 'string' && code !== '' ? `${message} (${code})` : `${message} (internal error)`;
}

/** Where {@link runGuarded} reports: stderr, and the environment it reads MPT_DEBUG from. */
export interface GuardIo {
  readonly stderr: { write(text: string): unknown };
  readonly env: { readonly MPT_DEBUG?: string | undefined };
}

/** Writes the two lines of a usage error for `mpt <name>`; returns {@link ExitCode.Usage}. */
export function reportUsageError(name: string, message: string, io: GuardIo = { stderr: process.stderr, env: process.env }): number {
  io.stderr.write(`mpt ${name}: ${oneLine(message)}\ntry 'mpt ${name} --help'\n`);
  return ExitCode.Usage;
}

/** Writes the failure line of `mpt <name>` for `error` (with its stack after it under MPT_DEBUG=1); returns {@link ExitCode.Failure}. */
export function reportFailure(name: string, error: unknown, io: GuardIo = { stderr: process.stderr, env: process.env }): number {
  io.stderr.write(`mpt ${name}: ${describeError(error)}\n`);
  if (io.env.MPT_DEBUG === '1' && error instanceof Error && error.stack !== undefined) io.stderr.write(`${error.stack}\n`);
  return ExitCode.Failure;
}

/**
 * Runs a subcommand's body and turns what it throws into the conventions: a {@link UsageError} is
 * reported as a usage error (exit 2), anything else as a failure line (exit 1). Resolves with the exit
 * code; never rejects.
 */
export async function runGuarded(name: string, body: () => Promise<number>, io: GuardIo = { stderr: process.stderr, env: process.env }): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof UsageError) return reportUsageError(name, error.message, io);
    return reportFailure(name, error, io);
  }
}

/** Prints `spec.usage` on stdout (for `--help`); returns {@link ExitCode.Ok}. */
export function printUsage(spec: { readonly usage: string }, stdout: { write(text: string): unknown } = process.stdout): number {
  stdout.write(spec.usage.endsWith('\n') ? spec.usage : `${spec.usage}\n`);
  return ExitCode.Ok;
}
