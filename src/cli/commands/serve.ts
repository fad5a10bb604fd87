import { formatAddress } from '../../core/socket-address.js';
import { createServer } from '../../node/server.js';
import type { MptSocket } from '../../node/socket.js';
import { describeError, parseCommandArgs, printUsage, runGuarded, UsageError } from '../args.js';
import { CONVERTER_CLI_OPTIONS, CONVERTER_OPTIONS_HELP, refuseConverterOptions } from '../converter-setup.js';
import { formatPublicKey } from '../key-files.js';
import { listenPlan } from '../listen-plan.js';
import { FRESH_KEY_NOTE, listeningLines, SERVER_OPTIONS, SERVER_OPTIONS_HELP, serverKeys, serverOptionsFor, startListening, stopServer } from '../server-setup.js';
import { untilSignal } from '../signals.js';
import { formatBytes, formatDuration, formatRate } from '../units.js';
import { serveConverter } from './serve-converter.js';

/**
 * `mpt serve`: an mpt server that echoes or discards each connection, or a converter that joins each
 * to a TCP destination (serve-converter.ts), until SIGINT / SIGTERM.
 * @module
 */

const MODES = ['echo', 'sink', 'converter'] as const;
type Mode = (typeof MODES)[number];

const SPEC = {
  name: 'serve',
  usage: `usage: mpt serve [--listen ADDR[:PORT]]... [--port N] [--key FILE] [--mode echo|sink|converter] [--client-key KEY]... [--psk FILE]

An mpt server. On stdout: its public key ("server key mpt-pub:..."), each address it listens on
("listening on ADDR:PORT"), and a line per connection when it closes. Runs until SIGINT or SIGTERM,
then closes every connection and exits 0.

mpt serve --mode converter (--client-key KEY... | --psk FILE | --allow-any-client) [--allow
CIDR|NAME]... [--deny CIDR|NAME]... [--connect-timeout MS]: in converter mode each client's stream starts with a request for a TCP destination (mpt proxy,
mpt connect --via, or openTunnel()); the converter checks it against --allow / --deny, opens the
TCP connection and joins the two. One line per tunnel once it is over: the client's key (short
form), the destination, the reply, and the bytes each way.

options:
${SERVER_OPTIONS_HELP}
  --mode MODE           echo: send back what each client sends (default);
                        sink: discard it, and report bytes, duration and rate per connection;
                        converter: open the TCP connection each client asks for (below)
  -h, --help            this help

${CONVERTER_OPTIONS_HELP}
`,
  options: { ...SERVER_OPTIONS, ...CONVERTER_CLI_OPTIONS, mode: { type: 'string', default: 'echo' } },
} as const;

/** `mpt serve` with the arguments after its name; resolves with the exit code (see args.ts). */
export function runServeCommand(argv: readonly string[]): Promise<number> {
  return runGuarded('serve', () => serve(argv));
}

async function serve(argv: readonly string[]): Promise<number> {
  const args = parseCommandArgs(SPEC, argv);
  if (args.help) return printUsage(SPEC);
  const mode = args.values.mode as Mode;
  if (!MODES.includes(mode)) throw new UsageError(`--mode must be echo, sink or converter, not '${args.values.mode}'`);
  if (mode !== 'converter') refuseConverterOptions(args.values, mode);
  const plan = listenPlan(args.values.listen, args.values.port);
  const note = (line: string): void => void process.stderr.write(`mpt serve: ${line}\n`);
  const keys = serverKeys(args.values, note);
  if (mode === 'converter') return serveConverter(args.values, plan, keys, note);
  const sockets = new Set<MptSocket>();
  const server = createServer({ ...serverOptionsFor(keys), allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    serveConnection(socket, mode);
  });
  await startListening(server, plan);
  if (keys.fresh) note(FRESH_KEY_NOTE);
  process.stdout.write(`${listeningLines(server).join('\n')}\nmode ${mode}\n`);
  await untilSignal();
  await stopServer(server, sockets);
  return 0;
}

/** Echoes or sinks one connection, and prints its line when it closes. */
function serveConnection(socket: MptSocket, mode: Exclude<Mode, 'converter'>): void {
  const started = performance.now();
  const peer = `${formatAddress({ host: socket.remoteAddress ?? '?', port: socket.remotePort ?? 0 })}`;
  const key = socket.remotePublicKey === undefined ? 'no key' : formatPublicKey(socket.remotePublicKey);
  let bytes = 0;
  let failure: unknown;
  socket.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
  });
  socket.on('error', (error) => {
    failure = error;
  });
  if (mode === 'echo') socket.pipe(socket);
  else {
    socket.on('end', () => socket.end());
    socket.resume();
  }
  socket.once('close', () => {
    const ms = performance.now() - started;
    const what = mode === 'echo' ? 'echoed' : 'received';
    const how = failure === undefined ? '' : `, ended by ${describeError(failure)}`;
    process.stdout.write(`${peer} ${key}: ${what} ${formatBytes(bytes)} in ${formatDuration(ms)} = ${formatRate((bytes * 1000) / Math.max(ms, 1))}${how}\n`);
  });
}
