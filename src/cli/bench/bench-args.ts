/**
 * The command line of `mpt bench`: its usage text and the parse into a {@link BenchRequest}. Parsing
 * never throws: a bad argument is an error message for people (printed with exit code 2).
 * @module
 */
import { parseArgs } from 'node:util';
import { err, ok, type Result } from 'neverthrow';
import { hasImpairments, isIpv4Loopback, parsePathSpec, type PathSpec } from '../path-spec.js';
import { parseServerKey } from './server-key.js';
import { parseTarget, type BenchTarget } from './target.js';

/** `--time` when not given, seconds. */
export const DEFAULT_BENCH_SECONDS = 10;
/** Longest `--time`, seconds (a day). */
const MAX_BENCH_SECONDS = 86_400;
/** Shortest `--time`, seconds. */
const MIN_BENCH_SECONDS = 0.1;
/** Most `--path` options: one link emulator and one client socket each. */
export const MAX_BENCH_PATHS = 8;

/**
 * The local mode's paths without `--path`: a faster, nearer link and a slower, farther one, modest
 * enough that one process can drive both (sender, receiver and emulators share one thread).
 */
export const DEFAULT_PATH_SPECS: readonly string[] = ['127.0.0.1,delay=5ms,rate=50mbit', '127.0.0.2,delay=20ms,rate=20mbit'];

/** The usage text `mpt bench --help` prints. */
export const BENCH_USAGE = `usage: mpt bench [HOST:PORT] [-t|--time SECONDS] [--path SPEC]... [--json] [--tcp] [--server-key KEY]

Measures an mpt connection, as iperf3 does: the client sends as fast as it can for
SECONDS, printing every second one line per path and a total, then a summary.

Without HOST:PORT (local mode) everything runs in this process: a sink server on
127.0.0.1 and, for each --path, a link emulator giving that path its own delay,
rate and loss. With HOST:PORT the client sends to that mpt server, which must
discard what it reads (mpt serve --mode sink).

options:
  -t, --time SECONDS   how long to send, ${MIN_BENCH_SECONDS} to ${MAX_BENCH_SECONDS} (default ${DEFAULT_BENCH_SECONDS})
  --path SPEC          a path (repeat for more, at most ${MAX_BENCH_PATHS}); SPEC is
                         ADDRESS[,delay=20ms][,jitter=2ms][,rate=50mbit][,loss=1%][,queue=64kb][,mtu=1500]
                       local mode: ADDRESS is the path's local address, in 127.0.0.0/8;
                         default ${DEFAULT_PATH_SPECS.map((s) => `--path ${s}`).join(' ')}
                       remote mode: ADDRESS only, a local address to send from
                       units: us ms s; bit kbit mbit gbit (x1000); b kb mb (x1024); %
  --json               print one JSON document at the end instead of text
  --tcp                local mode: then run node:net TCP over plain loopback for as
                         long and compare (TCP does not cross the emulated links)
  --server-key KEY     remote mode: pin the server's key (mpt-pub:..., 64 hex digits or base64);
                         without it the key the server presents is accepted
  -h, --help           print this help

Ctrl-C ends the run early and still prints the summary; a second Ctrl-C stops
waiting for the data still in flight.
`;

/** What the command line asks for. */
export type BenchRequest = { readonly kind: 'help' } | ({ readonly kind: 'run' } & BenchSettings);

/** A bench run, as the command line describes it. */
export interface BenchSettings {
  /** The server of remote mode; undefined in local mode. */
  readonly target: BenchTarget | undefined;
  /** How long the client sends, seconds. */
  readonly seconds: number;
  /** The paths: in local mode every SPEC (the defaults without `--path`); in remote mode the local addresses given. */
  readonly paths: readonly PathSpec[];
  /** Whether the paths are the local mode's defaults (no `--path` given). */
  readonly defaultPaths: boolean;
  /** `--json`. */
  readonly json: boolean;
  /** `--tcp`. */
  readonly tcp: boolean;
  /** `--server-key`, decoded. */
  readonly serverKey: Uint8Array | undefined;
}

/** parseArgs' errors, shortened to the part that matters. */
function argsError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown }).code;
  const option = /'([^']+)'/.exec(message)?.[1] ?? '';
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option '${option}'`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    if (message.includes('does not take')) return `option '${option}' takes no value`;
    if (message.includes('ambiguous')) return `option '${option}' needs a value; for one starting with '-', write ${option}=VALUE`;
    return `option '${option.replace(/ <value>$/, '')}' needs a value`;
  }
  return message;
}

function parseSeconds(text: string | undefined): Result<number, string> {
  if (text === undefined) return ok(DEFAULT_BENCH_SECONDS);
  const seconds = /^\d+(\.\d+)?$/.test(text.trim()) ? Number(text) : NaN;
  if (!(seconds >= MIN_BENCH_SECONDS && seconds <= MAX_BENCH_SECONDS)) {
    return err(`--time must be a number of seconds from ${MIN_BENCH_SECONDS} to ${MAX_BENCH_SECONDS}, got '${text}'`);
  }
  return ok(seconds);
}

/** Parses and checks the `--path` SPECs for the mode. */
function parsePaths(texts: readonly string[], local: boolean): Result<PathSpec[], string> {
  if (texts.length > MAX_BENCH_PATHS) return err(`at most ${MAX_BENCH_PATHS} --path options, got ${texts.length}`);
  const specs: PathSpec[] = [];
  for (const text of texts) {
    const parsed = parsePathSpec(text);
    if (parsed.isErr()) return err(`--path ${parsed.error}`);
    const spec = parsed.value;
    if (local && !isIpv4Loopback(spec.address)) {
      return err(`--path ${spec.address}: local mode needs a loopback address in 127.0.0.0/8`);
    }
    if (!local && hasImpairments(spec)) {
      return err(`--path ${text}: link fields apply in local mode only; with HOST:PORT give an address alone`);
    }
    if (specs.some((s) => s.address === spec.address)) return err(`--path ${spec.address} given twice`);
    specs.push(spec);
  }
  return ok(specs);
}

/** Parses `mpt bench`'s arguments (those after `bench`). */
export function parseBenchArgs(argv: readonly string[]): Result<BenchRequest, string> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        time: { type: 'string', short: 't' },
        path: { type: 'string', multiple: true },
        json: { type: 'boolean' },
        tcp: { type: 'boolean' },
        'server-key': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    return err(argsError(error));
  }
  const { values, positionals } = parsed;
  if (values.help === true) return ok({ kind: 'help' });
  if (positionals.length > 1) return err(`one HOST:PORT at most, got '${positionals.join(' ')}'`);
  const targetText = positionals[0];
  let target: BenchTarget | undefined;
  if (targetText !== undefined) {
    const parsedTarget = parseTarget(targetText);
    if (parsedTarget.isErr()) return err(parsedTarget.error);
    target = parsedTarget.value;
  }
  const local = target === undefined;
  const seconds = parseSeconds(values.time);
  if (seconds.isErr()) return err(seconds.error);
  const given = values.path ?? [];
  const paths = parsePaths(local && given.length === 0 ? DEFAULT_PATH_SPECS : given, local);
  if (paths.isErr()) return err(paths.error);
  if (!local && values.tcp === true) return err('--tcp compares over loopback and needs local mode (no HOST:PORT)');
  const keyText = values['server-key'];
  if (local && keyText !== undefined) return err('--server-key applies to remote mode (HOST:PORT) only');
  let serverKey: Uint8Array | undefined;
  if (keyText !== undefined) {
    const key = parseServerKey(keyText);
    if (key.isErr()) return err(key.error);
    serverKey = key.value;
  }
  return ok({
    kind: 'run',
    target,
    seconds: seconds.value,
    paths: paths.value,
    defaultPaths: local && given.length === 0,
    json: values.json === true,
    tcp: values.tcp === true,
    serverKey,
  });
}
