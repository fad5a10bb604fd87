// A worked example of a path-manager plugin (docs/plugins.md): "prefer the lowest-loss path, and never
// send more than a set number of bytes over a metered interface". It uses the package's public API only,
// so it runs unchanged in the simulator (mpt/sim) and on a real connection (mpt's connect()).
import { ReasonCode, type LocalInterface, type PathManager, type PathManagerContext, type PathView, type SocketAddress } from 'mpt';

/** Settings of {@link meteredCap}. */
export interface MeteredCapOptions {
  /**
   * Most bytes sent over each metered interface (by interface name), counted over every connection this
   * factory makes: UDP payload, so data, retransmissions, ACKs and probes all count.
   */
  readonly capBytes: number;
  /** How often the metered usage is checked, ms. Default 50. */
  readonly checkIntervalMs?: number;
  /** A path whose loss rate exceeds the best path's by more than this (0..1) is made a backup. Default 0.01. */
  readonly lossMargin?: number;
}

/** The factory {@link meteredCap} returns: a path manager per connection, plus the shared usage. */
export interface MeteredCapFactory {
  (): PathManager;
  /** Bytes sent so far over each metered interface, by interface name. */
  usage(): ReadonlyMap<string, number>;
}

const CHECK_TAG = 'metered-cap:check';
/** Each stats period's weight in a path's smoothed loss rate. */
const LOSS_GAIN = 0.25;
/** Fewest packets in a stats period for its loss rate to count. */
const MIN_PACKETS = 10;
/** Sent after the plugin stops a path (the PATH_ABANDON, an ACK or two): kept out of the budget. */
const CLOSING_SLACK_BYTES = 16 * 1024;

const sameAddress = (a: SocketAddress, b: SocketAddress): boolean => a.host === b.host && a.port === b.port;

/**
 * Makes the plugin. A client keeps one path from every local interface to the server address it
 * connected to. Every stats period (one second) it smooths each path's loss rate and lets only the
 * paths within `lossMargin` of the lowest carry data; the others become backups (used only while no
 * preferred path works), and a backup's estimate decays while it carries nothing, so it is tried again
 * now and then. Every `checkIntervalMs` it adds up what each metered interface has sent; once
 * what it sent, plus twice what it sent in the last interval (a rate that may still grow), plus a little
 * slack, would pass `capBytes`, the interface's paths are closed (AdministrativelyProhibited) and none
 * opens from it again. A server runs it as a no-op.
 */
export function meteredCap(options: MeteredCapOptions): MeteredCapFactory {
  const checkIntervalMs = options.checkIntervalMs ?? 50;
  const lossMargin = options.lossMargin ?? 0.01;
  /** Shared by every connection of this factory: bytes sent per metered interface name. */
  const used = new Map<string, number>();
  /** Metered interfaces whose budget is spent. */
  const spent = new Set<string>();

  const factory = (): PathManager => {
    /** Per path: its bytesSent when last counted. */
    const counted = new Map<number, number>();
    /** Per path: smoothed loss rate. */
    const loss = new Map<number, number>();
    /** Per metered interface: bytes sent in the last check interval. */
    const lastInterval = new Map<string, number>();
    let remote: SocketAddress | undefined;

    const interfaceOf = (ctx: PathManagerContext, local: SocketAddress): LocalInterface | undefined =>
      ctx.localInterfaces().find((i) => sameAddress(i.address, local));

    /** Adds what a path sent since it was last counted to its interface's usage, if metered. */
    const count = (ctx: PathManagerContext, path: PathView, iface = interfaceOf(ctx, path.local)): number => {
      const delta = path.bytesSent - (counted.get(path.id) ?? 0);
      counted.set(path.id, path.bytesSent);
      if (iface === undefined || !iface.metered || delta <= 0) return 0;
      used.set(iface.name, (used.get(iface.name) ?? 0) + delta);
      return delta;
    };

    /** A path from every usable interface that has none. */
    const fill = (ctx: PathManagerContext): void => {
      if (remote === undefined) return;
      for (const iface of ctx.localInterfaces()) {
        if (iface.metered && spent.has(iface.name)) continue;
        if (ctx.paths().some((p) => sameAddress(p.local, iface.address))) continue;
        if (iface.address.host.includes(':') !== remote.host.includes(':')) continue;
        ctx.openPath(iface.address, remote);
      }
    };

    const stopInterface = (ctx: PathManagerContext, name: string): void => {
      spent.add(name);
      ctx.log(`metered interface ${name}: ${used.get(name) ?? 0} bytes sent, cap ${options.capBytes}: its paths close`);
      for (const p of ctx.paths()) {
        if (interfaceOf(ctx, p.local)?.name === name) ctx.closePath(p.id, ReasonCode.AdministrativelyProhibited);
      }
    };

    const check = (ctx: PathManagerContext): void => {
      const sentNow = new Map<string, number>();
      for (const p of ctx.paths()) {
        const iface = interfaceOf(ctx, p.local);
        if (iface === undefined || !iface.metered) continue;
        sentNow.set(iface.name, (sentNow.get(iface.name) ?? 0) + count(ctx, p, iface));
      }
      for (const [name, bytes] of sentNow) {
        const projected = (used.get(name) ?? 0) + 2 * Math.max(bytes, lastInterval.get(name) ?? 0) + CLOSING_SLACK_BYTES;
        lastInterval.set(name, bytes);
        if (!spent.has(name) && projected >= options.capBytes) stopInterface(ctx, name);
      }
      // Another connection of this factory may have spent the budget.
      for (const p of ctx.paths()) {
        const name = interfaceOf(ctx, p.local)?.name;
        if (name !== undefined && spent.has(name)) ctx.closePath(p.id, ReasonCode.AdministrativelyProhibited);
      }
      ctx.setTimer(CHECK_TAG, checkIntervalMs);
    };

    /** Lets the paths within `lossMargin` of the lowest smoothed loss carry data; the others stand by. */
    const prefer = (ctx: PathManagerContext): void => {
      const working = ctx.paths().filter((p) => p.state === 'active' || p.state === 'backup');
      if (working.length === 0) return;
      const best = Math.min(...working.map((p) => loss.get(p.id) ?? 0));
      for (const p of working) {
        const wanted = (loss.get(p.id) ?? 0) <= best + lossMargin ? 'active' : 'backup';
        if (p.state !== wanted) ctx.setPathStatus(p.id, wanted === 'active' ? 'available' : 'backup');
      }
    };

    return {
      name: 'metered-cap',
      onEstablished(ctx) {
        if (ctx.role !== 'client') return;
        remote = ctx.paths()[0]?.remote ?? ctx.remoteAddresses()[0];
        // Path 0 may start on a metered interface whose budget is already spent.
        for (const p of ctx.paths()) {
          const iface = interfaceOf(ctx, p.local);
          if (iface?.metered === true && spent.has(iface.name)) ctx.closePath(p.id, ReasonCode.AdministrativelyProhibited);
        }
        fill(ctx);
        ctx.setTimer(CHECK_TAG, checkIntervalMs);
      },
      onLocalAddressAdded(ctx) {
        if (ctx.role === 'client') fill(ctx);
      },
      onLocalAddressRemoved(ctx, address) {
        for (const p of ctx.paths()) if (sameAddress(p.local, address)) ctx.closePath(p.id, ReasonCode.AddressRemoved);
      },
      onPathClosed(ctx, path) {
        // Its last bytes count too. (Its interface may be gone from localInterfaces by now: then it is
        // not metered as far as this plugin can tell, and at most one interval's bytes go uncounted.)
        count(ctx, path);
        counted.delete(path.id);
        loss.delete(path.id);
      },
      onPathStats(ctx, stats) {
        if (ctx.role !== 'client') return;
        for (const s of stats) {
          const before = loss.get(s.id);
          // A path that carried (almost) nothing, a backup, is not measured: its estimate decays, so that
          // it gets another try after a few periods and is judged on fresh figures (the loss may have
          // been a burst, or its slow start overflowing a queue).
          if (s.packetsSent < MIN_PACKETS) {
            if (before !== undefined) loss.set(s.id, before * (1 - LOSS_GAIN));
            continue;
          }
          loss.set(s.id, before === undefined ? s.lossRate : before + LOSS_GAIN * (s.lossRate - before));
        }
        prefer(ctx);
      },
      onTimer(ctx, tag) {
        if (tag === CHECK_TAG) check(ctx);
      },
    };
  };
  return Object.assign(factory, { usage: (): ReadonlyMap<string, number> => new Map(used) });
}
