import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { CliError, parseCommandArgs, printUsage, runGuarded, UsageError } from '../args.js';
import { CLIENT_OPTIONS, CLIENT_OPTIONS_HELP, clientSetup } from '../client-setup.js';
import { formatHostPort, parseHostPort } from '../host-port.js';
import { connectTrusted } from '../known-host-connect.js';
import { MAX_NAME_BYTES } from '../transfer/header.js';
import { FileSender } from '../transfer/send-file.js';
import { stderrBoard, TransferProgress } from '../transfer-progress.js';
import { formatBytes, formatDuration, formatRate } from '../units.js';

/**
 * `mpt send FILE HOST:PORT`: one file to an `mpt recv`, checked end to end with SHA-256.
 * @module
 */

const SPEC = {
  name: 'send',
  usage: `usage: mpt send FILE HOST:PORT [--as NAME] [--server-key KEY] [--key FILE] [--local ADDR]... [--no-known-hosts] [--psk FILE]

Sends FILE to an mpt recv at HOST:PORT: a header (name, size), the bytes, their SHA-256. The
receiver computes its own SHA-256 as the bytes arrive and sends it back; both sides compare and
print "sha256 <hex> ok" on stdout (exit 0), or report the mismatch (exit 1). While the file moves,
stderr shows the progress per path (rate, RTT, share of the bytes, status): redrawn in place on a
terminal, else one line a second.

options:
  --as NAME             the name to give the receiver (default: FILE's base name); the receiver
                        keeps only its last path component
${CLIENT_OPTIONS_HELP}
  -h, --help            this help
`,
  options: { ...CLIENT_OPTIONS, as: { type: 'string' } },
  positionals: ['FILE', 'HOST:PORT'],
} as const;

/** `mpt send` with the arguments after its name; resolves with the exit code (see args.ts). */
export function runSendCommand(argv: readonly string[]): Promise<number> {
  return runGuarded('send', () => send(argv));
}

async function send(argv: readonly string[]): Promise<number> {
  const args = parseCommandArgs(SPEC, argv);
  if (args.help) return printUsage(SPEC);
  const [path, where] = args.positionals as [string, string];
  const target = parseHostPort(where);
  if (target.isErr()) throw new UsageError(target.error);
  const name = args.values.as ?? basename(path);
  const nameBytes = Buffer.byteLength(name, 'utf8');
  if (nameBytes === 0 || nameBytes > MAX_NAME_BYTES) throw new UsageError(`the name must be 1 to ${MAX_NAME_BYTES} bytes`);
  // The file first: a missing one fails before any connection.
  const stat = statSync(path);
  if (!stat.isFile()) throw new CliError('ERR_MPT_CLI_NOT_A_FILE', `${path} is not a regular file`);
  const log = (line: string): void => void process.stderr.write(`mpt send: ${line}\n`);
  const { options, trust } = clientSetup(args.values, target.value, log);
  const socket = await connectTrusted(options, trust);
  const sender = new FileSender(socket, { path, name, size: stat.size });
  const title = `sending ${name} to ${formatHostPort(target.value)}`;
  const progress = new TransferProgress(stderrBoard(), 'send', socket, 'send', () => ({ title, bytes: sender.bytesSent, size: stat.size }));
  let result;
  try {
    result = await sender.run();
  } finally {
    progress.stop();
  }
  // Both directions have ended: let the connection close (its last acknowledgements and CLOSE) before
  // the process exits, or the receiver waits for a peer that is gone. Bounded: 2 s.
  await closedWithin(socket, 2_000);
  if (result.sha256 !== result.receiverSha256) {
    throw new CliError('ERR_MPT_CLI_CHECKSUM', `sha256 mismatch: sent ${result.sha256}, the receiver got ${result.receiverSha256}`);
  }
  const ms = progress.elapsedMs;
  process.stdout.write(`sent ${name}, ${formatBytes(stat.size)} in ${formatDuration(ms)} (${formatRate((stat.size * 1000) / Math.max(ms, 1))})\nsha256 ${result.sha256} ok\n`);
  return 0;
}

/** Resolves once `socket` closed, or after `ms`. */
async function closedWithin(socket: { readonly destroyed: boolean; once(event: 'close', listener: () => void): unknown }, ms: number): Promise<void> {
  if (socket.destroyed) return;
  let timer: NodeJS.Timeout | undefined;
  await new Promise<void>((resolve) => {
    socket.once('close', resolve);
    timer = setTimeout(resolve, ms);
  });
  clearTimeout(timer);
}
