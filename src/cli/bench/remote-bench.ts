/**
 * Remote mode of `mpt bench`: a client to HOST:PORT, a sink that discards what it reads, with the
 * server's key pinned or learned, from mpt's default local addresses or the `--path` ones.
 * @module
 */
import type { MptConnectOptions } from '../../index.js';
import type { BenchSettings } from './bench-args.js';
import type { BenchReport } from './bench-json.js';
import { remoteSetupLine } from './bench-report.js';
import { liveRun, type BenchContext } from './live-run.js';
import { formatKey } from './server-key.js';
import { formatTarget, type BenchTarget } from './target.js';

/** Connect options of a remote run. */
function remoteConnectOptions(target: BenchTarget, settings: BenchSettings): MptConnectOptions {
  const locals = settings.paths.map((s) => s.address);
  return {
    host: target.host,
    port: target.port,
    ...(settings.serverKey === undefined ? {} : { serverKey: settings.serverKey }),
    ...(locals.length === 1 ? { localAddress: locals[0] } : locals.length > 1 ? { localAddresses: locals } : {}),
  };
}

/** Runs remote mode; undefined when Ctrl-C came before the connection was up. Rejects with the connection's failure. */
export async function runRemote(context: BenchContext, target: BenchTarget): Promise<BenchReport | undefined> {
  const { settings, io } = context;
  const server = formatTarget(target);
  if (!settings.json) io.out(`${remoteSetupLine(server, settings.seconds, settings.paths.map((s) => s.address))}\n`);
  const run = await liveRun(context, remoteConnectOptions(target, settings), undefined);
  if (run === undefined) return undefined;
  const serverKey = run.serverKey === undefined ? null : formatKey(run.serverKey);
  return { mode: 'remote', server, specs: [], run, serverKey };
}
