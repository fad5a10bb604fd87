import { createConverter } from '../../proxy/converter.js';
import type { MptSocket } from '../../node/socket.js';
import { converterOptionsFrom, type ConverterCliValues } from '../converter-setup.js';
import { converterTunnelLine } from '../converter-tunnel-line.js';
import type { ListenPlan } from '../listen-plan.js';
import { FRESH_KEY_NOTE, listeningLines, startListening, stopServer, type ServerKeys } from '../server-setup.js';
import { untilSignal } from '../signals.js';

/**
 * `mpt serve --mode converter`: the server is a converter (createConverter): each client's stream
 * starts with a request for a TCP destination, which it opens and joins to the stream. One line per
 * tunnel on stdout, once it is over.
 * @module
 */

/** Runs the converter until SIGINT / SIGTERM (resolves 0), or until it fails (rejects with the error). */
export async function serveConverter(values: ConverterCliValues, plan: ListenPlan, keys: ServerKeys, note: (line: string) => void): Promise<number> {
  const converter = createConverter(converterOptionsFrom(values, keys));
  const sockets = new Set<MptSocket>();
  converter.server.on('connection', (socket: MptSocket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  converter.on('tunnel', (event) => void process.stdout.write(`${converterTunnelLine(event)}\n`));
  let failed: (error: Error) => void = () => {};
  const failure = new Promise<never>((_resolve, reject) => {
    failed = reject;
  });
  failure.catch(() => {});
  // Before listening the error rejects startListening; after, it ends the run.
  converter.on('error', (error) => failed(error));
  await startListening(converter.server, plan);
  if (keys.fresh) note(FRESH_KEY_NOTE);
  process.stdout.write(`${listeningLines(converter.server).join('\n')}\nmode converter\n`);
  try {
    await Promise.race([untilSignal(), failure]);
  } finally {
    await stopServer(converter.server, sockets);
  }
  return 0;
}
