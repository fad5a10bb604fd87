import { existsSync, mkdirSync, statSync } from 'node:fs';
import { formatAddress } from '../../core/socket-address.js';
import { createServer } from '../../node/server.js';
import type { MptSocket } from '../../node/socket.js';
import { CliError, describeError, parseCommandArgs, printUsage, runGuarded } from '../args.js';
import { listenPlan } from '../listen-plan.js';
import { FRESH_KEY_NOTE, listeningLines, SERVER_OPTIONS, SERVER_OPTIONS_HELP, serverKeys, serverOptionsFor, startListening, stopServer } from '../server-setup.js';
import { untilSignal } from '../signals.js';
import { FileReceiver, type ReceiveResult } from '../transfer/receive-file.js';
import { stderrBoard, TransferProgress } from '../transfer-progress.js';
import { formatBytes, formatDuration, formatRate } from '../units.js';

/**
 * `mpt recv`: receives files from `mpt send`, one (then exits) or, with --keep, any number.
 * @module
 */

const SPEC = {
  name: 'recv',
  usage: `usage: mpt recv [--listen ADDR[:PORT]]... [--port N] [-o DIR] [--keep] [--force] [--key FILE] [--client-key KEY]... [--psk FILE]

Receives a file from mpt send, writes it into DIR under the sender's name (its last path component
only: never outside DIR) and checks it with SHA-256 against the sender's. On stdout: the server
key and addresses, then per file "received NAME -> PATH, SIZE" and "sha256 <hex> ok". Progress per
path goes to stderr. Exits after one transfer (0 if the file arrived intact, else 1) unless --keep.

options:
  -o, --out DIR         the folder to write into (created if missing; default: the current folder)
  --keep                keep receiving, files from several senders at once, until SIGINT / SIGTERM
                        (then exit 0); without it, a second sender is refused while one transfers
  --force               replace a file of the same name (default: refuse the transfer)
${SERVER_OPTIONS_HELP}
  -h, --help            this help
`,
  options: { ...SERVER_OPTIONS, out: { type: 'string', short: 'o' }, keep: { type: 'boolean' }, force: { type: 'boolean' } },
} as const;

/** `mpt recv` with the arguments after its name; resolves with the exit code (see args.ts). */
export function runRecvCommand(argv: readonly string[]): Promise<number> {
  return runGuarded('recv', () => recv(argv));
}

async function recv(argv: readonly string[]): Promise<number> {
  const args = parseCommandArgs(SPEC, argv);
  if (args.help) return printUsage(SPEC);
  const plan = listenPlan(args.values.listen, args.values.port);
  const note = (line: string): void => void process.stderr.write(`mpt recv: ${line}\n`);
  const keys = serverKeys(args.values, note);
  const dir = args.values.out ?? '.';
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new CliError('ERR_MPT_CLI_NOT_A_DIRECTORY', `${dir} is not a folder`);
  mkdirSync(dir, { recursive: true });
  const keep = args.values.keep === true;
  const force = args.values.force === true;
  const board = stderrBoard();
  const sockets = new Set<MptSocket>();
  let busy = false;
  let oneDone: (code: number) => void = () => {};
  const firstTransfer = new Promise<number>((resolve) => {
    oneDone = resolve;
  });

  const receive = (socket: MptSocket): void => {
    const peer = formatAddress({ host: socket.remoteAddress ?? '?', port: socket.remotePort ?? 0 });
    if (!keep && busy) {
      board.log(`mpt recv: refused a second sender at ${peer}: one transfer at a time (--keep takes several)`);
      new FileReceiver(socket, { dir, refuse: 'the receiver is busy with another transfer' }).run().catch(() => {});
      return;
    }
    busy = true;
    const receiver = new FileReceiver(socket, { dir, force });
    const state = (): { title: string | undefined; bytes: number; size: number | undefined } => ({
      title: receiver.offer === undefined ? undefined : `receiving ${receiver.offer.name} from ${peer}`,
      bytes: receiver.bytesReceived,
      size: receiver.offer?.size,
    });
    const progress = new TransferProgress(board, peer, socket, 'receive', state);
    receiver.run().then(
      (result: ReceiveResult) => {
        progress.stop();
        const ms = progress.elapsedMs;
        const rate = formatRate((result.size * 1000) / Math.max(ms, 1));
        process.stdout.write(`received ${result.offeredName} -> ${result.path}, ${formatBytes(result.size)} in ${formatDuration(ms)} (${rate})\nsha256 ${result.sha256} ok\n`);
        oneDone(0);
      },
      (error: unknown) => {
        progress.stop();
        const what = receiver.offer === undefined ? `from ${peer}` : `${receiver.offer.name} from ${peer}`;
        process.stderr.write(`mpt recv: ${what}: ${describeError(error)}\n`);
        oneDone(1);
      },
    );
  };

  const server = createServer({ ...serverOptionsFor(keys), allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    receive(socket);
  });
  await startListening(server, plan);
  if (keys.fresh) note(FRESH_KEY_NOTE);
  process.stdout.write(`${listeningLines(server).join('\n')}\n`);
  const signal = untilSignal().then(() => -1);
  const code = keep ? await signal : await Promise.race([firstTransfer, signal]);
  await stopServer(server, sockets);
  if (code === -1 && !keep) throw new CliError('ERR_MPT_CLI_INTERRUPTED', 'interrupted before a file was received');
  return keep ? 0 : code;
}
