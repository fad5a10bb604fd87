/**
 * The soak (issue #16): one process runs a server on 127.0.0.1 and 127.0.0.4 and a steady stream of
 * client connections against it, rate-limited, at most `concurrency` at once, each with its own plan
 * (plan.ts): random sizes both ways, one to three paths (added and closed mid-transfer through a fake
 * interface table, or cut at a link emulator), closed in every way; the server is replaced now and then,
 * the old one closed (server.close()) while its connections carry on. Every `sampleEveryMs` the workload
 * pauses: new connections wait, the open ones finish, and once nothing is open a sample is taken after a
 * full GC (heap, memory outside it, file descriptors, handles and timers, the server's per-connection
 * tables, sockets and drivers not yet collected). Used by scripts/soak.ts (`npm run soak`) and
 * test/e2e/soak.test.ts (the short form).
 * @module
 */
import { EndpointDriver } from '../../../src/node/driver.js';
import { InterfaceMonitor, setInterfaceTableSource, type InterfaceTable, type MptSocket } from '../../../src/index.js';
import { SoakServers, type TableSizes } from './soak-servers.js';
import type { NetworkInterfaceInfo } from 'node:os';
import { IDLE_MS, runSoakConnection, serveSoak, waitFor, type ConnectionRecord, type SoakHost } from './connection-run.js';
import { Planner, type CloseKind, type PathKind } from './plan.js';
import { AliveCounter, sampleResources, type ResourceSample } from './resource-sample.js';
import { fitTrend, type Trend } from './trend.js';
import { HEADLESS_ERRORS, judgeConnection } from './verdict.js';

/** How the soak runs. */
export interface SoakOptions {
  /** How long connections are opened, ms (the pauses for samples included). */
  readonly durationMs: number;
  /** How often the workload pauses for a sample, ms. */
  readonly sampleEveryMs: number;
  /** Most client connections open at once. */
  readonly concurrency: number;
  /** Bytes per second the plans may add up to, both directions together (the CPU the soak takes). */
  readonly bytesPerSecond: number;
  /** Most connections opened per second. */
  readonly opensPerSecond: number;
  /** Most bytes of one direction of one connection. */
  readonly maxBytes: number;
  /** The PRNG seed of the plans and the patterns. */
  readonly seed: number;
  /** The server is replaced every this many samples (0: never). */
  readonly replaceServerEvery: number;
  /** How long a pause may wait for the open connections to close, ms. */
  readonly drainLimitMs: number;
  /** Where progress lines go. */
  readonly log?: ((line: string) => void) | undefined;
}


/** One pause's sample. */
export interface SoakSample extends ResourceSample {
  /** Seconds since the start. */
  readonly atS: number;
  /** Connections finished so far. */
  readonly connections: number;
  /** Bytes received and checked so far, both directions. */
  readonly bytesVerified: number;
  /** Just before the pause: clients and server sockets open, and the server's tables (to show they were in use). */
  readonly busy: { readonly clients: number; readonly serverSockets: number; readonly tables: TableSizes };
  /** The server's tables once everything closed. */
  readonly tables: TableSizes;
  /** server.getConnections() once everything closed. */
  readonly serverConnections: number;
  /** Listeners on the shared interface monitor once everything closed. */
  readonly monitorListeners: number;
  /** CPU the process used since the previous sample, % of one core. */
  readonly cpuPercent: number;
}

/** What the soak found. */
export interface SoakReport {
  readonly options: Omit<SoakOptions, 'log'>;
  readonly elapsedS: number;
  readonly connections: number;
  readonly byClose: Partial<Record<CloseKind, number>>;
  readonly byPaths: Partial<Record<PathKind, number>>;
  /** Bytes received and checked against the pattern, each direction. */
  readonly bytesUp: number;
  readonly bytesDown: number;
  /** Paths beyond path 0 that came up, went down (failed), and closed, as the clients saw them. */
  readonly pathsUp: number;
  readonly pathsDown: number;
  readonly pathsClosed: number;
  /** Servers closed (replaced, and the last). */
  readonly serversClosed: number;
  /** Server sockets that closed before reading a header (clients destroyed in their handshake). */
  readonly headless: number;
  /** 'error' events by `close kind/end/code`. */
  readonly errors: Readonly<Record<string, number>>;
  /** Before anything was opened. */
  readonly initial: ResourceSample;
  /** One per pause; the first (after the warm-up) is the baseline. */
  readonly samples: readonly SoakSample[];
  /** Once the last server closed and everything was released. */
  readonly final: ResourceSample;
  /** Lines fitted through the samples of the second half of the run (the first sample excluded). */
  readonly trends: { readonly heapUsed: Trend; readonly external: Trend; readonly rss: Trend; readonly fds: Trend };
  /** Average CPU of the whole run, % of one core. */
  readonly cpuPercent: number;
  /** Everything that went wrong; empty if the soak passed. */
  readonly failures: readonly string[];
}

/**
 * How much the heap (or the memory outside it) may rise over the fitted window: this fixed allowance
 * for noise (a full GC leaves caches, code and the allocator's state a few hundred KB apart from one
 * pause to the next, and the process-wide happy-eyeballs cache fills up to its 1,024 entries, one per
 * server or link-emulator port the soak dials) plus {@link HEAP_SLOPE_LIMIT_PER_HOUR} per hour of window.
 */
export const HEAP_NOISE_BYTES = 2 * 1024 * 1024;
/**
 * The slope part of the heap allowance, bytes per hour. A leak of 1 KB per connection, at the default
 * rate of about 5 connections a second, is 18 MB an hour.
 */
export const HEAP_SLOPE_LIMIT_PER_HOUR = 4 * 1024 * 1024;

const v4 = (address: string, internal: boolean): NetworkInterfaceInfo =>
  ({ address, family: 'IPv4', internal, netmask: '255.0.0.0', mac: '00:00:00:00:00:00', cidr: null }) as NetworkInterfaceInfo;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function add<K extends string>(counts: Partial<Record<K, number>>, key: K, n = 1): void {
  counts[key] = (counts[key] ?? 0) + n;
}

/** Whether every table is empty. */
function tablesEmpty(tables: TableSizes): boolean {
  return Object.values(tables).every((n) => n === 0);
}

/** Runs the soak. Never throws for what it finds: that is in the report's `failures`. */
export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const log = options.log ?? (() => {});
  const failures: string[] = [];
  const fail = (message: string): void => {
    if (failures.length < 200) failures.push(message);
    if (failures.length <= 20) log(`FAIL ${message}`);
  };
  const onUncaught = (error: unknown): void => fail(`uncaught: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);

  const alive = new AliveCounter();
  const initial = await sampleResources(alive);
  const started = performance.now();
  const cpuStart = process.cpuUsage();

  // Every driver made from now on is watched for collection; the server's is kept while it serves.
  let lastServerDriver: EndpointDriver | undefined;
  const bind = EndpointDriver.bind;
  const bindSync = EndpointDriver.bindSync;
  EndpointDriver.bind = async (...args: Parameters<typeof bind>): Promise<EndpointDriver> => {
    const driver = await bind.apply(EndpointDriver, args);
    alive.track('client driver', driver);
    return driver;
  };
  EndpointDriver.bindSync = (...args: Parameters<typeof bindSync>): EndpointDriver => {
    const driver = bindSync.apply(EndpointDriver, args);
    alive.track('server driver', driver);
    lastServerDriver = driver;
    return driver;
  };

  // The fake interface table of the `follow` connections: 127.0.0.2 always, 127.0.0.3 and 127.0.0.5 come and go.
  let flips = 0;
  const tableNow = (): InterfaceTable => ({
    lo: [v4('127.0.0.1', true)],
    eth0: [v4('127.0.0.2', false)],
    ...(flips % 4 < 2 ? { wlan0: [v4('127.0.0.3', false)] } : {}),
    ...(flips % 3 === 0 ? { wwan0: [v4('127.0.0.5', false)] } : {}),
  });
  setInterfaceTableSource(tableNow);
  const monitor = new InterfaceMonitor({ platform: 'linux' });
  monitor.poll();
  const flipper = setInterval(() => {
    flips++;
    monitor.poll();
  }, 400);

  // The server, replaced now and then.
  const records = new Map<number, ConnectionRecord>();
  let servers: SoakServers | undefined = undefined;
  const host: SoakHost = {
    seed: options.seed,
    port: () => servers?.port ?? 0,
    monitor,
    records,
    connecting: new Map(),
    openClients: new Set<MptSocket>(),
    openServerSockets: new Set<MptSocket>(),
    headless: { closed: 0, errors: [] },
    track: (what, object) => alive.track(what, object),
    fail,
  };
  servers = new SoakServers({
    onConnection: (socket) => serveSoak(socket, host),
    fail,
    takeDriver: () => {
      const driver = lastServerDriver;
      lastServerDriver = undefined;
      return driver;
    },
    idleTimeoutMs: IDLE_MS,
    dialling: (port) => host.connecting.get(port) ?? 0,
  });
  const soakServers = servers;
  await soakServers.replace();

  // The workload.
  const planner = new Planner(options.seed, options.maxBytes);
  const running = new Set<Promise<void>>();
  const finished: ConnectionRecord[] = [];
  const byClose: Partial<Record<CloseKind, number>> = {};
  const byPaths: Partial<Record<PathKind, number>> = {};
  const errors: Record<string, number> = {};
  let connections = 0;
  let bytesUp = 0;
  let bytesDown = 0;
  let pathsUp = 0;
  let pathsDown = 0;
  let pathsClosed = 0;
  let byteTokens = 0;
  let openTokens = 0;

  const launch = (): void => {
    const plan = planner.next();
    byteTokens -= plan.up + plan.down;
    openTokens -= 1;
    const run: Promise<void> = runSoakConnection(plan, host)
      .then((record) => void finished.push(record))
      .catch((error: unknown) => fail(`connection ${plan.id} (${plan.paths}, ${plan.close}) threw: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`))
      .finally(() => running.delete(run));
    running.add(run);
  };

  /** Judges the connections whose both ends are closed (all of them, once everything is). */
  const settle = (): void => {
    for (const record of finished.splice(0)) {
      records.delete(record.plan.id);
      for (const problem of judgeConnection(record)) fail(problem);
      connections++;
      add(byClose, record.plan.close);
      add(byPaths, record.plan.paths);
      bytesUp += record.upReceived;
      bytesDown += record.downReceived;
      pathsUp += record.pathsUp;
      pathsDown += record.pathsDown;
      pathsClosed += record.pathsClosed;
      for (const e of record.clientErrors) add(errors, `${record.plan.close}/client/${e}`);
      for (const e of record.serverErrors) add(errors, `${record.plan.close}/server/${e}`);
    }
    for (const e of host.headless.errors.splice(0)) {
      add(errors, `headless/server/${e}`);
      if (!HEADLESS_ERRORS.includes(e)) fail(`a server socket closed before its header with an unexpected error ${e}`);
    }
  };

  const samples: SoakSample[] = [];
  let cpuMark = process.cpuUsage();
  let cpuMarkAt = performance.now();
  const end = started + options.durationMs;
  let pause = 0;
  while (performance.now() < end) {
    pause++;
    const pauseAt = Math.min(end, performance.now() + options.sampleEveryMs);
    let replaceAt = options.replaceServerEvery > 0 && pause % options.replaceServerEvery === 0 ? (performance.now() + pauseAt) / 2 : Number.POSITIVE_INFINITY;
    let tick = performance.now();
    while (performance.now() < pauseAt) {
      const now = performance.now();
      byteTokens = Math.min(options.bytesPerSecond, byteTokens + ((now - tick) / 1000) * options.bytesPerSecond);
      openTokens = Math.min(options.opensPerSecond, openTokens + ((now - tick) / 1000) * options.opensPerSecond);
      tick = now;
      if (now >= replaceAt) {
        replaceAt = Number.POSITIVE_INFINITY;
        await soakServers.replace();
      }
      while (running.size < options.concurrency && byteTokens > 0 && openTokens > 0) launch();
      await sleep(20);
    }

    // The pause: nothing new; the open connections finish; the tables empty; then the sample.
    const busy = { clients: host.openClients.size, serverSockets: host.openServerSockets.size, tables: soakServers.tables() };
    const drained = await waitFor(() => running.size === 0 && host.openServerSockets.size === 0 && soakServers.closing === 0, options.drainLimitMs);
    if (!drained) {
      const stuck = [...records.values()]
        .filter((r) => !r.clientClosed || (r.serverSeen && !r.serverClosed))
        .map((r) => `${r.plan.id} ${r.plan.paths}/${r.plan.close} client closed ${r.clientClosed} server seen ${r.serverSeen} closed ${r.serverClosed} up ${r.upReceived}/${r.upSent}/${r.plan.up} down ${r.downReceived}/${r.downSent}/${r.plan.down} errors ${r.clientErrors.join('+')}/${r.serverErrors.join('+')}`);
      const states = [...host.openClients, ...host.openServerSockets].map((s) => `${s.readyState}${s.destroyed ? ' destroyed' : ''} paths ${s.paths.map((p) => `${p.local.host}>${p.remote.host}:${p.status}`).join(',')}`);
      fail(`pause ${pause}: ${running.size} clients, ${host.openServerSockets.size} server sockets and ${soakServers.closing} closing servers still open after ${options.drainLimitMs} ms (${stuck.slice(0, 10).join('; ')}; sockets: ${states.slice(0, 10).join('; ')})`);
      for (const socket of [...host.openClients, ...host.openServerSockets]) socket.destroy();
      await waitFor(() => running.size === 0, options.drainLimitMs);
    }
    if (!(await waitFor(() => tablesEmpty(soakServers.tables()), options.drainLimitMs))) {
      fail(`pause ${pause}: the server's tables did not empty: ${JSON.stringify(soakServers.tables())}`);
    }
    settle();
    const serverConnections = await soakServers.connections();
    // Connections destroyed gracefully linger ownerless (as TCP's FIN_WAIT) until their peer ends or the
    // idle timeout: the sample waits for their drivers, and every socket and emulator, to be collected.
    const resources = await released(alive, 1, options.drainLimitMs);
    const cpu = process.cpuUsage(cpuMark);
    const nowMs = performance.now();
    const sample: SoakSample = {
      ...resources,
      atS: (nowMs - started) / 1000,
      connections,
      bytesVerified: bytesUp + bytesDown,
      busy,
      tables: soakServers.tables(),
      serverConnections,
      monitorListeners: monitor.listenerCount('change'),
      cpuPercent: ((cpu.user + cpu.system) / 1000 / (nowMs - cpuMarkAt)) * 100,
    };
    cpuMark = process.cpuUsage();
    cpuMarkAt = performance.now();
    samples.push(sample);
    log(formatSample(sample));
    checkPause(sample, samples[0] as SoakSample, fail);
  }

  // The end: the last server closes, the table and the monitor go; everything must be released.
  soakServers.closeCurrent();
  if (!(await waitFor(() => soakServers.closing === 0, options.drainLimitMs))) fail('the last server did not close');
  clearInterval(flipper);
  setInterfaceTableSource(undefined);
  EndpointDriver.bind = bind;
  EndpointDriver.bindSync = bindSync;
  // Let the closed server's sockets finish closing before the last sample.
  await waitFor(() => !process.getActiveResourcesInfo().includes('UDPWRAP'), 5_000);
  const final = await released(alive, 0, options.drainLimitMs);
  checkFinal(final, initial, fail);
  process.off('uncaughtException', onUncaught);
  process.off('unhandledRejection', onUncaught);

  // Trends over the second half (the warm-up sample excluded).
  const elapsedS = (performance.now() - started) / 1000;
  const late = samples.slice(1).filter((s) => s.atS >= elapsedS / 2);
  const fit = (value: (s: SoakSample) => number): Trend =>
    fitTrend(
      late.map((s) => s.atS),
      late.map(value),
    );
  const trends = { heapUsed: fit((s) => s.heapUsed), external: fit((s) => s.external), rss: fit((s) => s.rss), fds: fit((s) => s.fds) };
  const heapLimit = HEAP_NOISE_BYTES + (HEAP_SLOPE_LIMIT_PER_HOUR * trends.heapUsed.windowS) / 3600;
  if (trends.heapUsed.points >= 3 && trends.heapUsed.overWindow > heapLimit) {
    fail(`the heap after GC rose ${mb(trends.heapUsed.overWindow)} over the last ${trends.heapUsed.windowS.toFixed(0)} s (${mb(trends.heapUsed.perHour)}/h; limit ${mb(heapLimit)})`);
  }
  if (trends.external.points >= 3 && trends.external.overWindow > heapLimit) {
    fail(`memory outside the heap rose ${mb(trends.external.overWindow)} over the last ${trends.external.windowS.toFixed(0)} s (limit ${mb(heapLimit)})`);
  }
  if (connections === 0) fail('no connection ran');
  const cpu = process.cpuUsage(cpuStart);
  const { log: _log, ...plain } = options;
  return {
    options: plain,
    elapsedS,
    connections,
    byClose,
    byPaths,
    bytesUp,
    bytesDown,
    pathsUp,
    pathsDown,
    pathsClosed,
    serversClosed: soakServers.closed,
    headless: host.headless.closed,
    errors,
    initial,
    samples,
    final,
    trends,
    cpuPercent: ((cpu.user + cpu.system) / 1000 / (elapsedS * 1000)) * 100,
    failures,
  };
}

/** What the soak watches that may be alive while nothing is open: the server's driver, if it serves. */
function isReleased(sample: ResourceSample, drivers: number): boolean {
  return Object.entries(sample.alive).every(([what, n]) => n <= (what === 'server driver' ? drivers : 0));
}

/** Samples (after GC) every 250 ms until everything watched but `drivers` drivers is collected, or for `limitMs`; the last sample. */
async function released(alive: AliveCounter, drivers: number, limitMs: number): Promise<ResourceSample> {
  const until = performance.now() + limitMs;
  for (;;) {
    const sample = await sampleResources(alive);
    if (isReleased(sample, drivers) || performance.now() >= until) return sample;
    await sleep(250);
  }
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(2)} MB`;
}

/** At a pause: nothing per connection is left, and no more descriptors, handles or timers than at the first pause. */
function checkPause(sample: SoakSample, baseline: SoakSample, fail: (message: string) => void): void {
  const at = `at ${sample.atS.toFixed(0)} s`;
  if (!tablesEmpty(sample.tables)) fail(`${at}: the server's tables hold ${JSON.stringify(sample.tables)}`);
  if (sample.serverConnections !== 0) fail(`${at}: server.getConnections() is ${sample.serverConnections}`);
  if (sample.monitorListeners !== 0) fail(`${at}: ${sample.monitorListeners} listeners left on the interface monitor`);
  for (const what of ['client socket', 'server socket', 'client driver', 'link emulator']) {
    if ((sample.alive[what] ?? 0) !== 0) fail(`${at}: ${sample.alive[what]} ${what}s not collected`);
  }
  if ((sample.alive['server driver'] ?? 0) > 1) fail(`${at}: ${sample.alive['server driver']} server drivers not collected (the server serving has one)`);
  // More than at the first pause is a leak; fewer is something of the host's that ended (a test runner's timer).
  if (sample.fds > baseline.fds) fail(`${at}: ${sample.fds} file descriptors open, ${baseline.fds} at the first pause`);
  for (const type of new Set([...Object.keys(sample.resources), ...Object.keys(baseline.resources)])) {
    if ((sample.resources[type] ?? 0) > (baseline.resources[type] ?? 0)) fail(`${at}: ${sample.resources[type] ?? 0} active ${type}, ${baseline.resources[type] ?? 0} at the first pause`);
  }
}

/** At the end: no more descriptors, handles or timers than before anything was opened, and every watched object collected. */
function checkFinal(final: ResourceSample, initial: ResourceSample, fail: (message: string) => void): void {
  if (final.fds > initial.fds) fail(`at the end: ${final.fds} file descriptors open, ${initial.fds} before the soak`);
  for (const type of new Set([...Object.keys(final.resources), ...Object.keys(initial.resources)])) {
    if ((final.resources[type] ?? 0) > (initial.resources[type] ?? 0)) fail(`at the end: ${final.resources[type] ?? 0} active ${type}, ${initial.resources[type] ?? 0} before the soak`);
  }
  for (const [what, n] of Object.entries(final.alive)) if (n > 0) fail(`at the end: ${n} ${what}s not collected`);
}

/** One line per sample. */
export function formatSample(s: SoakSample): string {
  const resources = Object.entries(s.resources)
    .map(([type, n]) => `${type} ${n}`)
    .join(' ');
  const alive = Object.entries(s.alive)
    .map(([what, n]) => `${what} ${n}`)
    .join(', ');
  return (
    `${s.atS.toFixed(0).padStart(5)} s  conns ${String(s.connections).padStart(6)}  verified ${(s.bytesVerified / 1e6).toFixed(0).padStart(6)} MB | ` +
    `heap ${mb(s.heapUsed)} ext ${mb(s.external)} ab ${mb(s.arrayBuffers)} rss ${mb(s.rss)} | fds ${s.fds} | ${resources} | alive: ${alive || 'none'} | ` +
    `busy: ${s.busy.clients} clients, ${s.busy.serverSockets} server sockets, ${s.busy.tables.connections} engine conns, ${s.busy.tables.byCid} cids | cpu ${s.cpuPercent.toFixed(0)}%`
  );
}
