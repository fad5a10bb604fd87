import { parseCommandArgs, printUsage, runGuarded, UsageError } from '../args.js';
import { CLIENT_OPTIONS, CLIENT_OPTIONS_HELP, clientSetup } from '../client-setup.js';
import { parseHostPort } from '../host-port.js';
import { connectTrusted } from '../known-host-connect.js';
import { relay } from '../relay.js';

/**
 * `mpt connect HOST:PORT`: stdin to the stream, the stream to stdout, like nc; fit for ssh's ProxyCommand.
 * @module
 */

const SPEC = {
  name: 'connect',
  usage: `usage: mpt connect HOST:PORT [--server-key KEY] [--key FILE] [--local ADDR]... [--no-known-hosts]

Connects to an mpt server and joins the stream to stdin and stdout, like nc: what comes on stdin
is sent, what arrives is written to stdout, byte for byte. At the end of stdin the stream's sending
direction ends (half-close); when the server ends its direction, connect ends its own, flushes
stdout and exits 0. Nothing but the stream's bytes goes to stdout; notes and errors go to stderr,
so it works as ssh's ProxyCommand (given, on the server's side, something that joins each stream
to sshd):

  ssh -o ProxyCommand='mpt connect %h:4433' user@host

HOST:PORT is a host name or IPv4 address and a port, or [IPV6]:PORT.

options:
${CLIENT_OPTIONS_HELP}
  -h, --help            this help
`,
  options: CLIENT_OPTIONS,
  positionals: ['HOST:PORT'],
} as const;

/** `mpt connect` with the arguments after its name; resolves with the exit code (see args.ts). */
export function runConnectCommand(argv: readonly string[]): Promise<number> {
  return runGuarded('connect', () => connectCli(argv));
}

async function connectCli(argv: readonly string[]): Promise<number> {
  const args = parseCommandArgs(SPEC, argv);
  if (args.help) return printUsage(SPEC);
  const target = parseHostPort(args.positionals[0]!);
  if (target.isErr()) throw new UsageError(target.error);
  const log = (line: string): void => void process.stderr.write(`mpt connect: ${line}\n`);
  const { options, trust } = clientSetup(args.values, target.value, log);
  const socket = await connectTrusted(options, trust);
  await relay(socket, process.stdin, process.stdout);
  return 0;
}
