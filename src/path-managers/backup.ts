import { sameAddress, type SocketAddress } from '../core/socket-address.js';
import { ReasonCode } from '../core/wire/reason-codes.js';
import { checkBackupOptions } from './check-config.js';
import type { PathManager, PathManagerContext, PathStatsSample, PathView } from '../core/path-manager.js';

/**
 * The backup path manager: one primary path carries the traffic, and paths
 * from the other local addresses stand by, either hot (opened at once and
 * marked backup, as iOS does for handover) or cold (opened only when the
 * primary fails). Once the primary has failed by the configured measure, the
 * backups are made available and the primary backup; when it works again the
 * traffic can return to it. Written against the public plugin interface only.
 * @module
 */

/** When the primary counts as failed. Any one criterion is enough. */
export interface BackupFailure {
  /**
   * Probe timeouts in a row without an answer. At 2 (the default) the engine's
   * `onPathFailed` moves traffic at once; any other count is checked on every
   * stats sample (each second).
   */
  readonly ptoCount?: number;
  /** Smoothed RTT above this, ms. Default none. */
  readonly rttAboveMs?: number;
  /** Loss rate (0..1) over a stats period above this. Default none. */
  readonly lossAbove?: number;
  /** Stats samples in a row (one a second) over an RTT or loss threshold before it counts. Default 2. */
  readonly samples?: number;
}

/** Settings of {@link backup}. */
export interface BackupOptions {
  /** `hot`: backup paths opened at once and marked backup; `cold`: opened only when the primary fails. Default `hot`. */
  readonly mode?: 'hot' | 'cold';
  /** The primary's interface name or local host; default the local address of path 0. */
  readonly primary?: string;
  /** What counts as failure. Default: the engine's (two probe timeouts in a row). */
  readonly failure?: BackupFailure;
  /** Whether traffic returns to the primary once it works again. Default true. */
  readonly returnToPrimary?: boolean;
  /**
   * How long the primary must work again before traffic returns, ms; doubled for each
   * failure within 30 s of a return (a flapping primary), up to 64 times. Default 1000.
   * After an RTT or loss failure the primary carries no data to measure, so the return is
   * a trial: if it is still bad, it fails again.
   */
  readonly returnAfterMs?: number;
}

const RETURN_TAG = 'backup:return';
/** A failure this soon after a return counts as a flap and doubles the next hold. */
const FLAP_WINDOW_MS = 30_000;
/** Fewest packets in a stats period for its loss rate to count. */
const MIN_LOSS_PACKETS = 10;

/**
 * Makes a backup path manager (one instance per connection). Throws an MptError
 * ERR_MPT_INVALID_CONFIG at once for a bad setting or an unknown key.
 */
export function backup(options: BackupOptions = {}): () => PathManager {
  checkBackupOptions(options);
  const mode = options.mode ?? 'hot';
  const failurePtos = options.failure?.ptoCount ?? 2;
  const rttAboveMs = options.failure?.rttAboveMs;
  const lossAbove = options.failure?.lossAbove;
  const samplesNeeded = Math.max(1, options.failure?.samples ?? 2);
  const returnToPrimary = options.returnToPrimary ?? true;
  const returnAfterMs = options.returnAfterMs ?? 1000;
  return () => {
    let primaryLocal: SocketAddress | undefined;
    let remote: SocketAddress | undefined;
    let primaryId: number | undefined;
    /** Paths this manager opened from the other local addresses. */
    const backups = new Set<number>();
    /** Whether traffic has moved off the primary. */
    let failedOver = false;
    /** Stats samples in a row over a threshold. */
    let badRun = 0;
    /** Virtual time as far as this manager can tell: the elapsed stats periods, ms (for flap detection). */
    let clockMs = 0;
    let returnedAtMs = -Infinity;
    let flaps = 0;

    const alive = (ctx: PathManagerContext, id: number | undefined): PathView | undefined =>
      id === undefined ? undefined : ctx.paths().find((p) => p.id === id);

    const ensureBackups = (ctx: PathManagerContext, status: 'available' | 'backup'): void => {
      if (primaryLocal === undefined || remote === undefined) return;
      const paths = ctx.paths();
      for (const local of ctx.localAddresses()) {
        if (sameAddress(local, primaryLocal)) continue;
        const existing = paths.find((p) => backups.has(p.id) && sameAddress(p.local, local));
        if (existing !== undefined) {
          ctx.setPathStatus(existing.id, status);
          continue;
        }
        const id = ctx.openPath(local, remote, { backup: status === 'backup' });
        if (id !== undefined) backups.add(id);
      }
    };

    /** A primary path if it has none and its address is there (at the start, or after its address came back). */
    const ensurePrimary = (ctx: PathManagerContext): void => {
      if (primaryLocal === undefined || remote === undefined || alive(ctx, primaryId) !== undefined) return;
      if (!ctx.localAddresses().some((a) => sameAddress(a, primaryLocal as SocketAddress))) return;
      primaryId = ctx.openPath(primaryLocal, remote, { backup: failedOver });
    };

    const failover = (ctx: PathManagerContext, why: string): void => {
      ctx.clearTimer(RETURN_TAG);
      if (failedOver) return;
      failedOver = true;
      badRun = 0;
      if (clockMs - returnedAtMs < FLAP_WINDOW_MS) flaps = Math.min(flaps + 1, 6);
      else flaps = 0;
      ctx.log(`primary failed (${why}): traffic moves to the backup paths`);
      ensureBackups(ctx, 'available');
      if (alive(ctx, primaryId) !== undefined) ctx.setPathStatus(primaryId as number, 'backup');
      // After an RTT or loss failure the primary still answers: the return is a trial after the hold.
      const primary = alive(ctx, primaryId);
      if (primary !== undefined && primary.state !== 'failed' && primary.state !== 'validating') armReturn(ctx);
    };

    const armReturn = (ctx: PathManagerContext): void => {
      if (failedOver && returnToPrimary) ctx.setTimer(RETURN_TAG, returnAfterMs * 2 ** flaps);
    };

    const returnNow = (ctx: PathManagerContext): void => {
      const primary = alive(ctx, primaryId);
      if (!failedOver || primary === undefined || primary.state === 'failed' || primary.state === 'validating') return;
      failedOver = false;
      badRun = 0;
      returnedAtMs = clockMs;
      ctx.log('primary works again: traffic returns to it');
      ctx.setPathStatus(primary.id, 'available');
      for (const p of ctx.paths()) {
        if (!backups.has(p.id)) continue;
        if (mode === 'hot') ctx.setPathStatus(p.id, 'backup');
        else {
          ctx.closePath(p.id, ReasonCode.NoError);
          backups.delete(p.id);
        }
      }
    };

    const isBad = (s: PathStatsSample): string | undefined => {
      if (rttAboveMs !== undefined && s.srttMs > rttAboveMs) return `srtt ${s.srttMs.toFixed(0)} ms`;
      if (lossAbove !== undefined && s.packetsSent >= MIN_LOSS_PACKETS && s.lossRate > lossAbove) return `loss ${(s.lossRate * 100).toFixed(1)}%`;
      return undefined;
    };

    return {
      name: 'backup',
      onEstablished(ctx) {
        if (ctx.role !== 'client') return;
        const first = ctx.paths()[0];
        const named = options.primary;
        const chosen = named === undefined ? undefined : ctx.localInterfaces().find((i) => i.name === named || i.address.host === named);
        primaryLocal = chosen?.address ?? first?.local;
        remote = first?.remote ?? ctx.remoteAddresses()[0];
        const onPrimary = ctx.paths().find((p) => primaryLocal !== undefined && sameAddress(p.local, primaryLocal));
        if (onPrimary !== undefined) primaryId = onPrimary.id;
        else ensurePrimary(ctx);
        // Path 0 from another address than the named primary is a backup like the others.
        for (const p of ctx.paths()) {
          if (p.id === primaryId) continue;
          backups.add(p.id);
          ctx.setPathStatus(p.id, 'backup');
        }
        if (mode === 'hot') ensureBackups(ctx, 'backup');
      },
      onLocalAddressAdded(ctx, address) {
        if (ctx.role !== 'client' || primaryLocal === undefined) return;
        // The primary's interface came back, perhaps on a new port (the Node layer binds a fresh socket).
        const iface = ctx.localInterfaces().find((i) => sameAddress(i.address, address));
        if (address.host === primaryLocal.host || (options.primary !== undefined && iface?.name === options.primary)) primaryLocal = address;
        ensurePrimary(ctx);
        if (mode === 'hot' || failedOver) ensureBackups(ctx, failedOver ? 'available' : 'backup');
      },
      onLocalAddressRemoved(ctx, address) {
        if (ctx.role !== 'client') return;
        for (const p of ctx.paths()) if (sameAddress(p.local, address)) ctx.closePath(p.id, ReasonCode.AddressRemoved);
        if (primaryLocal !== undefined && sameAddress(address, primaryLocal)) failover(ctx, 'its address went away');
      },
      onPathUp(ctx, path) {
        if (path.id === primaryId && failedOver) armReturn(ctx);
      },
      onPathFailed(ctx, path) {
        if (path.id !== primaryId) return;
        ctx.clearTimer(RETURN_TAG);
        if (failurePtos <= 2) failover(ctx, 'probe timeouts');
      },
      onPathClosed(ctx, path) {
        backups.delete(path.id);
        if (path.id !== primaryId) return;
        // The primary closed (validation failed, the peer abandoned it): fail over, and reopen it if its address is still there.
        failover(ctx, 'closed');
        ensurePrimary(ctx);
      },
      onPathStats(ctx, stats) {
        clockMs += 1000;
        const s = stats.find((x) => x.id === primaryId);
        if (s === undefined || failedOver) return;
        if (failurePtos !== 2 && s.ptoCount >= failurePtos) {
          failover(ctx, `${s.ptoCount} probe timeouts`);
          return;
        }
        const why = isBad(s);
        badRun = why === undefined ? 0 : badRun + 1;
        if (why !== undefined && badRun >= samplesNeeded) failover(ctx, why);
      },
      onTimer(ctx, tag) {
        if (tag === RETURN_TAG) returnNow(ctx);
      },
    };
  };
}
