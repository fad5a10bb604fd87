/**
 * A subcommand of `mpt`, as the command table in main.ts lists it.
 * @module
 */

/** One `mpt <name>` subcommand. */
export interface CliCommand {
  /** As typed: `mpt <name>`. */
  readonly name: string;
  /** Its line in `mpt --help`: the arguments and what it does. */
  readonly summary: string;
  /**
   * Runs it with the arguments after its name; resolves with the exit code (0 done, 1 a runtime
   * failure, 2 bad arguments: see args.ts). Prints its own usage for `--help` / `-h`. Never rejects.
   */
  readonly run: (argv: readonly string[]) => Promise<number>;
}
