/**
 * A subcommand of `mpt`, as the command table in main.ts lists it.
 * @module
 */

/** Runs a subcommand with the arguments after its name; resolves with the exit code (see args.ts), never rejects. */
export type CommandRunner = (argv: readonly string[]) => Promise<number>;

/** One `mpt <name>` subcommand. */
export interface CliCommand {
  /** As typed: `mpt <name>`. */
  readonly name: string;
  /** Its line in `mpt --help`: the arguments and what it does. */
  readonly summary: string;
  /** More lines in `mpt --help` for other forms of the command (`serve --mode converter`). */
  readonly more?: readonly string[] | undefined;
  /**
   * Loads its module (only the command run is loaded, so `mpt --help` starts fast) and gives its
   * runner, which prints its own usage for `--help` / `-h`.
   */
  readonly load: () => Promise<CommandRunner>;
}
