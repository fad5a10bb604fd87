import { parseCommandArgs, printUsage, runGuarded, UsageError } from '../args.js';
import { CLIENT_OPTIONS, CLIENT_OPTIONS_HELP, clientSetup } from '../client-setup.js';
import { parseHostPort } from '../host-port.js';
import { connectTrusted } from '../known-host-connect.js';
import { relay } from '../relay.js';
import { tunnelOpener } from '../tunnel-opener.js';

/**
 * `mpt connect HOST:PORT`: stdin to the stream, the stream to stdout, like nc; fit for ssh's ProxyCommand.
 * `mpt connect --via CONVERTER:PORT DEST:PORT`: the same, through a converter to a TCP destination.
 * @module
 */

const SPEC = {
  name: 'connect',
  usage: `usage: mpt connect [--via CONVERTER_HOST:PORT] HOST:PORT [--server-key KEY] [--key FILE] [--local ADDR]... [--no-known-hosts] [--psk FILE]

Connects to an mpt server and joins the stream to stdin and stdout, like nc: what comes on stdin
is sent, what arrives is written to stdout, byte for byte. At the end of stdin the stream's sending
direction ends (half-close); when the server ends its direction, connect ends its own, flushes
stdout and exits 0. Nothing but the stream's bytes goes to stdout; notes and errors go to stderr,
so it works as ssh's ProxyCommand (given, on the server's side, something that joins each stream
to sshd):

  ssh -o ProxyCommand='mpt connect %h:4433' user@host

HOST:PORT is a host name or IPv4 address and a port, or [IPV6]:PORT.

mpt connect --via CONVERTER_HOST:PORT DEST_HOST:PORT: the stream is a TCP connection to
DEST_HOST:PORT, opened by the converter at CONVERTER_HOST:PORT (an mpt serve --mode converter that
accepts our key and allows that destination); --server-key and known_hosts then name the converter's key, pinned so the request
goes in the first flight. DEST_HOST is resolved by the converter. Any TCP service will do, sshd
included, with no forwarder on the far side:

  ssh -o ProxyCommand='mpt connect --via conv.example:4433 %h:%p' user@host

A converter that refuses the destination is reported in one line with its reply (exit 1).

options:
  --via HOST:PORT       go through the converter at HOST:PORT to the TCP destination given
${CLIENT_OPTIONS_HELP}
  -h, --help            this help
`,
  options: { ...CLIENT_OPTIONS, via: { type: 'string' } },
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
  if (target.isErr()) throw new UsageError(args.values.via === undefined ? target.error : `destination: ${target.error}`);
  const via = args.values.via === undefined ? undefined : parseHostPort(args.values.via);
  if (via?.isErr() === true) throw new UsageError(`--via: ${via.error}`);
  const log = (line: string): void => void process.stderr.write(`mpt connect: ${line}\n`);
  const server = via?.isOk() === true ? via.value : target.value;
  const { options, trust } = clientSetup(args.values, server, log);
  const socket = await connectTrusted(options, trust, via === undefined ? undefined : tunnelOpener(target.value));
  await relay(socket, process.stdin, process.stdout);
  return 0;
}
