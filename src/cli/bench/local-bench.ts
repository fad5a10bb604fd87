/**
 * Local mode of `mpt bench`: an in-process sink, one link emulator per `--path`, a client whose paths
 * each go through their own emulator, and with `--tcp` the TCP run after; everything closed after.
 * @module
 */
import type { MptConnectOptions } from '../../index.js';
import type { LinkEmulator } from '../../node/link-emulator.js';
import type { PathSpec } from '../path-spec.js';
import { BenchFailure } from './bench-failure.js';
import type { BenchReport } from './bench-json.js';
import { localSetupLines } from './bench-report.js';
import { liveRun, type BenchContext } from './live-run.js';
import { canBind } from '../can-bind.js';
import { startLinks } from './local-links.js';
import { startLocalSink } from './local-sink.js';
import { pinnedPaths } from './pinned-paths.js';
import { formatKey } from './server-key.js';
import { runTcpBench, type TcpRunResult } from './tcp-run.js';

/** The largest UDP payload of a local run unless a path's `mtu` is larger: mpt's default off loopback. */
const LOCAL_DATAGRAM_BYTES = 1452;

/** What a local run gives the command. */
export interface LocalOutcome {
  /** The report; undefined when Ctrl-C came before the connection was up. */
  readonly report: BenchReport | undefined;
  /** Whether `--tcp` was asked but skipped, the mpt run having been cut short. */
  readonly tcpSkipped: boolean;
}

/**
 * The largest datagram of a local run, bytes: 1452, as on a real network, or the largest `mtu` of a
 * SPEC above it. (On loopback mpt would otherwise grow datagrams to 64 KiB, and an emulated link would
 * then lose, queue and rate-limit 64 KiB at a time.)
 */
export function localDatagramLimit(specs: readonly PathSpec[]): number {
  return specs.reduce((limit, spec) => Math.max(limit, spec.mtuBytes ?? 0), LOCAL_DATAGRAM_BYTES);
}

/** The paths a local run can use: a default address that cannot be bound (127.0.0.2 on macOS) is left out with a note. */
async function usablePaths(context: BenchContext): Promise<PathSpec[]> {
  const usable: PathSpec[] = [];
  for (const spec of context.settings.paths) {
    if (await canBind(spec.address)) usable.push(spec);
    else if (context.settings.defaultPaths) context.io.err(`mpt bench: note: cannot bind ${spec.address} on this system, so it is left out\n`);
    else throw new BenchFailure(`cannot bind ${spec.address}: add it to the loopback interface, or use another --path`, 'EADDRNOTAVAIL');
  }
  if (usable.length === 0) throw new BenchFailure('no path can be bound', 'EADDRNOTAVAIL');
  return usable;
}

/** Connect options of a local run: path 0 through the first emulator, each further path pinned to its own. */
function localConnectOptions(specs: readonly PathSpec[], links: readonly LinkEmulator[]): MptConnectOptions {
  const first = links[0]!;
  const maxDatagramSizeBytes = localDatagramLimit(specs);
  if (specs.length === 1) return { host: first.host, port: first.port, localAddress: specs[0]!.address, maxPaths: 1, maxDatagramSizeBytes };
  return {
    host: first.host,
    port: first.port,
    maxDatagramSizeBytes,
    localAddresses: specs.map((s) => s.address),
    maxPaths: specs.length,
    pathManager: pinnedPaths(specs.map((s, i) => ({ localHost: s.address, remote: { host: links[i]!.host, port: links[i]!.port } }))),
  };
}

/** Runs local mode. Rejects with the failure (a bind, the connection). */
export async function runLocal(context: BenchContext): Promise<LocalOutcome> {
  const { settings, interrupts, io } = context;
  const specs = await usablePaths(context);
  const sink = await startLocalSink(specs.length, localDatagramLimit(specs));
  let links: LinkEmulator[] = [];
  const closeAll = async (): Promise<void> => {
    await sink.close();
    await Promise.all(links.map((l) => l.close()));
  };
  try {
    links = await startLinks(specs, sink.port);
    if (!settings.json) io.out(`${localSetupLines(specs, links.map((l) => l.port), settings.seconds, sink.port).join('\n')}\n`);
    const run = await liveRun(context, localConnectOptions(specs, links), sink);
    if (run === undefined) return { report: undefined, tcpSkipped: false };
    const tcpSkipped = settings.tcp && (run.interrupted || run.outcome !== 'complete');
    let tcp: TcpRunResult | undefined;
    if (settings.tcp && !tcpSkipped) {
      // The mpt side is done: its sockets and relays would only take CPU from TCP.
      await closeAll();
      interrupts.reset();
      if (!settings.json) io.out(`\nnow TCP over loopback for ${run.sendS.toFixed(2)} s...\n`);
      tcp = await runTcpBench(run.sendS, interrupts.stop.signal, interrupts.abandon.signal);
    }
    const serverKey = run.serverKey === undefined ? null : formatKey(run.serverKey);
    return { report: { mode: 'local', server: `${links[0]!.host}:${links[0]!.port}`, specs, run, tcp, serverKey }, tcpSkipped };
  } finally {
    await closeAll();
  }
}
