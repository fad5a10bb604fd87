/**
 * `mpt bench`: parses the command line, runs local or remote mode, prints the summary (text) or the
 * document (JSON), and turns every failure into one line and an exit code: 0 done, 1 a failure at run
 * time, 2 bad arguments, 130 stopped by Ctrl-C before it could finish.
 * @module
 */
import { BENCH_USAGE, parseBenchArgs } from './bench-args.js';
import { describeFailure } from './bench-failure.js';
import { processIo, type BenchIo } from './bench-io.js';
import { benchJson, type BenchReport } from './bench-json.js';
import { summaryLines } from './bench-report.js';
import { benchStyle } from './bench-style.js';
import { EXIT_INTERRUPTED, Interrupts } from './interrupts.js';
import type { BenchContext } from './live-run.js';
import { runLocal } from './local-bench.js';
import { runRemote } from './remote-bench.js';

/** The exit code of a finished run, and the line that explains a failure. */
function conclude(report: BenchReport, io: BenchIo): number {
  const run = report.run;
  if (run.outcome === 'complete') return 0;
  if (run.outcome === 'abandoned') return EXIT_INTERRUPTED;
  const seconds = (run.drainLimitMs / 1000).toFixed(0);
  const what =
    run.undeliveredBytes === null
      ? 'did not end the stream (is it a sink: mpt serve --mode sink?)'
      : `did not confirm delivery of the last ${run.undeliveredBytes} bytes`;
  io.err(`mpt bench: the server ${what} within ${seconds} s of the end of sending (ETIMEDOUT)\n`);
  return 1;
}

/**
 * Runs `mpt bench` with the arguments after `bench` and resolves with the exit code. Never rejects:
 * every failure is one line on standard error. `io` defaults to the process's streams and SIGINT.
 */
export async function runBenchCommand(argv: readonly string[], io: BenchIo = processIo()): Promise<number> {
  const parsed = parseBenchArgs(argv);
  if (parsed.isErr()) {
    io.err(`mpt bench: ${parsed.error}\ntry 'mpt bench --help'\n`);
    return 2;
  }
  const request = parsed.value;
  if (request.kind === 'help') {
    io.out(BENCH_USAGE);
    return 0;
  }
  const context: BenchContext = { settings: request, interrupts: new Interrupts(), io, style: benchStyle(io.isTty, io.env) };
  const unsubscribe = io.onInterrupt(context.interrupts.fire);
  try {
    let report: BenchReport | undefined;
    let tcpSkipped = false;
    if (request.target === undefined) ({ report, tcpSkipped } = await runLocal(context));
    else report = await runRemote(context, request.target);
    if (report === undefined) {
      io.err('mpt bench: interrupted before the connection was up\n');
      return EXIT_INTERRUPTED;
    }
    io.out(request.json ? `${JSON.stringify(benchJson(report), null, 2)}\n` : `${summaryLines(report, context.style).join('\n')}\n`);
    if (tcpSkipped) io.err('mpt bench: note: the TCP comparison was skipped, as the mpt run did not finish\n');
    return conclude(report, io);
  } catch (error) {
    io.err(`mpt bench: ${describeFailure(error)}\n`);
    return 1;
  } finally {
    unsubscribe();
  }
}
