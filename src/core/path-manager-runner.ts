import type { InterfaceInfo, LocalInterface, PathManager, PathManagerContext, PathManagerFactory, PathStatsSample, PathView } from './path-manager.js';
import { PathManagerHost, type PathManagerFailure } from './path-manager-host.js';
import type { ConnectionEvent } from './connection-events.js';
import type { Path } from './path.js';
import { addressKey, sameAddress, type SocketAddress } from './socket-address.js';

/**
 * Runs a connection's path manager inside the engine (docs/design.md §3.9), so that a
 * plugin behaves the same in the simulator and over real sockets: its
 * timers are engine timers, its clock is the engine's. Hooks never run in
 * the middle of packet processing: the connection queues what happened and
 * calls {@link run} once it is done with a datagram or a timer, so a plugin
 * that opens or closes paths from a hook sees a consistent connection.
 * @module
 */

/** How often `onPathStats` is called, ms. */
export const PATH_STATS_INTERVAL_MS = 1000;

/**
 * Longest `onEstablished` waits for the connection to be ready for paths, ms: a peer that allows more
 * paths but never issues a CID for one must not hold the plugin (and its queue) back for ever.
 */
export const READY_WAIT_MS = 3000;

/** What the runner needs of its connection: exactly what the plugin context offers. */
export interface PathManagerTarget {
  readonly role: 'client' | 'server';
  readonly paths: readonly Path[];
  pathById(id: number): Path | undefined;
  /** Whether openPath can succeed now (or never will): onEstablished waits for it. */
  readyForPaths(): boolean;
  remoteAddresses(): SocketAddress[];
  openPath(nowMs: number, local: SocketAddress, remote: SocketAddress): number | undefined;
  abandonPath(pathId: number, reasonCode?: number): boolean;
  setPathStatus(pathId: number, status: 'available' | 'backup'): boolean;
  advertiseAddress(address: SocketAddress): boolean;
  withdrawAddress(address: SocketAddress): boolean;
  setDuplication(pathIds: readonly number[] | undefined): void;
}

/** How an address the owner did not describe reads. */
const UNKNOWN_INTERFACE: InterfaceInfo = Object.freeze({ name: '', type: 'other', metered: false });

/** The plugin's view of a path. */
export function pathView(path: Path): PathView {
  const s = path.snapshot();
  return { id: s.id, local: s.local, remote: s.remote, state: s.state, bytesSent: s.stats.bytesSent, bytesReceived: s.stats.bytesReceived };
}

/** Per path, the counters at the last stats sample, to turn totals into rates. */
interface StatsMark {
  packetsSent: number;
  packetsLost: number;
  streamBytesAcked: number;
}

/** One connection's path manager, its timers and its event queue. */
export class PathManagerRunner {
  private readonly host: PathManagerHost;
  private readonly ctx: PathManagerContext;
  private readonly queue: ConnectionEvent[] = [];
  private readonly timers = new Map<string, number>();
  private local: SocketAddress[];
  /** The owner's interface descriptions, by address key. */
  private readonly interfaces = new Map<string, InterfaceInfo>();
  private nowMs: number;
  private established = false;
  private closed = false;
  private statsDueMs: number | undefined;
  private lastStatsMs = 0;
  private readonly marks = new Map<number, StatsMark>();
  private running = false;
  /** Whether a 'closed' event waits in the queue (it ends any wait for readiness). */
  private closeQueued = false;
  /** Since when 'connected' has waited for the connection to be ready for paths, ms; undefined if not waiting. */
  private waitingSinceMs: number | undefined;

  constructor(
    factory: PathManagerFactory,
    private readonly target: PathManagerTarget,
    localAddresses: readonly SocketAddress[],
    nowMs: number,
    /** Reports a hook that threw, and the plugin's log lines. */
    report: (event: ConnectionEvent) => void,
    interfaces?: readonly LocalInterface[],
  ) {
    this.local = [...localAddresses];
    this.describe(interfaces);
    this.nowMs = nowMs;
    const runner = this;
    this.ctx = {
      role: target.role,
      localAddresses: () => runner.local.slice(),
      localInterfaces: () => runner.local.map((address) => ({ ...(runner.interfaces.get(addressKey(address)) ?? UNKNOWN_INTERFACE), address })),
      remoteAddresses: () => target.remoteAddresses(),
      paths: () => target.paths.filter((p) => !p.closed).map(pathView),
      openPath(local, remote, options) {
        if (!runner.local.some((a) => sameAddress(a, local))) return undefined;
        const id = target.openPath(runner.nowMs, local, remote);
        if (id !== undefined && options?.backup === true) target.setPathStatus(id, 'backup');
        return id;
      },
      closePath: (pathId, reason) => void target.abandonPath(pathId, reason),
      setPathStatus: (pathId, status) => void target.setPathStatus(pathId, status),
      advertiseAddress: (address) => void target.advertiseAddress(address),
      withdrawAddress: (address) => void target.withdrawAddress(address),
      setDuplication: (pathIds) => target.setDuplication(pathIds),
      setTimer: (tag, delayMs) => void runner.timers.set(tag, runner.nowMs + Math.max(0, delayMs)),
      clearTimer: (tag) => void runner.timers.delete(tag),
      log: (message) => report({ type: 'pathManagerLog', pathManager: runner.pathManager.name, message }),
    };
    this.host = new PathManagerHost(factory, this.ctx, (failure: PathManagerFailure) =>
      report({ type: 'pathManagerError', pathManager: failure.pathManager, hook: failure.hook, error: failure.error }),
    );
  }

  /** The plugin instance. */
  get pathManager(): PathManager {
    return this.host.pathManager;
  }

  /** Hooks that threw so far. */
  get failures(): number {
    return this.host.failures;
  }

  /** An event the connection reported; hooks for it run at the next {@link run}. Only the kinds a hook exists for are kept. */
  enqueue(event: ConnectionEvent): void {
    if (this.closed) return;
    const t = event.type;
    if (t !== 'connected' && t !== 'closed' && t !== 'path' && t !== 'remoteAddress') return;
    if (t === 'closed') this.closeQueued = true;
    this.queue.push(event);
  }

  /** The owner's local addresses changed (interface monitor): hooks for each added and removed one. */
  setLocalAddresses(addresses: readonly SocketAddress[], nowMs: number, interfaces?: readonly LocalInterface[]): void {
    const before = this.local;
    this.local = [...addresses];
    if (interfaces !== undefined) this.interfaces.clear();
    this.describe(interfaces);
    for (const key of [...this.interfaces.keys()]) if (!addresses.some((a) => addressKey(a) === key)) this.interfaces.delete(key);
    this.nowMs = nowMs;
    if (!this.established || this.closed) return;
    for (const a of before) if (!addresses.some((b) => sameAddress(a, b))) this.host.notify('onLocalAddressRemoved', a);
    for (const a of addresses) if (!before.some((b) => sameAddress(a, b))) this.host.notify('onLocalAddressAdded', a);
    this.run(nowMs);
  }

  private describe(interfaces: readonly LocalInterface[] | undefined): void {
    for (const i of interfaces ?? []) this.interfaces.set(addressKey(i.address), { name: i.name, type: i.type, metered: i.metered });
  }

  /** The earliest plugin timer or stats sample, ms. */
  nextTimeout(): number | undefined {
    if (this.closed) return undefined;
    let t = this.statsDueMs;
    if (this.waitingSinceMs !== undefined && (t === undefined || this.waitingSinceMs + READY_WAIT_MS < t)) t = this.waitingSinceMs + READY_WAIT_MS;
    for (const due of this.timers.values()) if (t === undefined || due < t) t = due;
    return t;
  }

  /** Fires due timers and the stats sample. */
  handleTimeout(nowMs: number): void {
    if (this.closed) return;
    this.nowMs = nowMs;
    for (const [tag, due] of [...this.timers]) {
      if (due > nowMs || this.timers.get(tag) !== due) continue;
      this.timers.delete(tag);
      this.host.notify('onTimer', tag);
    }
    if (this.statsDueMs !== undefined && nowMs >= this.statsDueMs) {
      this.statsDueMs = nowMs + PATH_STATS_INTERVAL_MS;
      this.host.notify('onPathStats', this.sampleStats(nowMs));
    }
  }

  /** Runs the hooks for every queued event, in order (hooks may queue more: those run too). */
  run(nowMs: number): void {
    if (this.running) return;
    this.running = true;
    this.nowMs = nowMs;
    try {
      for (let e = this.queue[0]; e !== undefined && !this.closed; e = this.queue[0]) {
        // onEstablished (and every hook after it) waits until the plugin can open a path: a client's
        // handshake completes a round trip before the server's confirmation and CIDs arrive, and a
        // plugin that opens its paths from onEstablished would find openPath refusing.
        if (e.type === 'connected' && !this.closeQueued && !this.target.readyForPaths()) {
          this.waitingSinceMs ??= nowMs;
          if (nowMs < this.waitingSinceMs + READY_WAIT_MS) break;
        }
        if (e.type === 'connected') this.waitingSinceMs = undefined;
        this.queue.shift();
        this.dispatch(e, nowMs);
      }
    } finally {
      this.running = false;
    }
  }

  private dispatch(event: ConnectionEvent, nowMs: number): void {
    const notify = this.host;
    switch (event.type) {
      case 'connected':
        this.established = true;
        this.lastStatsMs = nowMs;
        this.statsDueMs = nowMs + PATH_STATS_INTERVAL_MS;
        notify.notify('onEstablished');
        return;
      case 'closed':
        this.closed = true;
        this.timers.clear();
        this.queue.length = 0;
        notify.notify('onClosed');
        return;
      case 'remoteAddress':
        // As for local addresses: before onEstablished no hook hears of them; onEstablished finds them
        // in remoteAddresses() (the owner's extraRemotes are added as the handshake starts).
        if (!this.established) return;
        if (event.change === 'added') notify.notify('onRemoteAddressAdded', event.address);
        else notify.notify('onRemoteAddressRemoved', event.address);
        return;
      case 'path': {
        const path = this.target.pathById(event.pathId);
        if (path === undefined) return;
        const view = pathView(path);
        if (event.change === 'up' || event.change === 'recovered') notify.notify('onPathUp', view);
        else if (event.change === 'failed') notify.notify('onPathFailed', view, event.reasonCode);
        else if (event.change === 'closed') notify.notify('onPathClosed', view, event.reasonCode);
        else notify.notify('onPathStatusChanged', view);
        return;
      }
      default:
        return;
    }
  }

  private sampleStats(nowMs: number): PathStatsSample[] {
    const seconds = Math.max(nowMs - this.lastStatsMs, 1) / 1000;
    this.lastStatsMs = nowMs;
    const out: PathStatsSample[] = [];
    for (const id of this.marks.keys()) if (this.target.pathById(id) === undefined) this.marks.delete(id);
    for (const live of this.target.paths) {
      if (live.closed) continue;
      const path = live.snapshot();
      const s = path.stats;
      const mark = this.marks.get(path.id) ?? { packetsSent: 0, packetsLost: 0, streamBytesAcked: 0 };
      const sent = s.packetsSent - mark.packetsSent;
      const lost = s.packetsLost - mark.packetsLost;
      const acked = s.streamBytesAcked - mark.streamBytesAcked;
      this.marks.set(path.id, { packetsSent: s.packetsSent, packetsLost: s.packetsLost, streamBytesAcked: s.streamBytesAcked });
      out.push({
        id: path.id,
        srttMs: path.srttMs,
        lossRate: sent > 0 ? Math.min(1, lost / sent) : 0,
        throughputBps: acked / seconds,
        cwndBytes: path.cwndBytes,
        packetsSent: sent,
        ptoCount: path.ptoCount,
      });
    }
    return out;
  }
}
