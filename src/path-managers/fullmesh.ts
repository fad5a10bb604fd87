import { addressKey, sameAddress, type SocketAddress } from '../core/socket-address.js';
import { ReasonCode } from '../core/wire/reason-codes.js';
import { checkFullmeshOptions } from './check-config.js';
import type { PathManager, PathManagerContext, PathView } from '../core/path-manager.js';

/**
 * The fullmesh path manager (as Linux MPTCP's and mptcpd's): the client
 * keeps one path per (local address, remote address) pair, up to a limit;
 * the server advertises its other addresses so the client learns them.
 * Written against the public plugin interface only.
 * @module
 */

/** Settings of {@link fullmesh}. */
export interface FullmeshOptions {
  /** Most open paths, path 0 included. Default 8. */
  readonly maxPaths?: number;
  /** First delay before reopening a pair whose path closed on a failure (e.g. validation), ms; doubles per failure up to 30 s. Default 1000. */
  readonly retryDelayMs?: number;
  /** Whether a server advertises its other local addresses. Default true. */
  readonly advertise?: boolean;
  /**
   * Failed attempts in a row after which a pair is given up until one of its addresses is added again
   * (an interface comes back, the peer re-advertises). Default 5: an address the peer advertised that
   * never answers (unreachable, or a third party's) is not probed for ever.
   */
  readonly maxAttempts?: number;
}

const MAX_RETRY_DELAY_MS = 30_000;
const RETRY_TAG = 'fullmesh:retry';

/**
 * Makes a fullmesh path manager (one instance per connection). Throws an MptError
 * ERR_MPT_INVALID_CONFIG at once for a bad setting or an unknown key.
 */
export function fullmesh(options: FullmeshOptions = {}): () => PathManager {
  checkFullmeshOptions(options);
  const maxPaths = options.maxPaths ?? 8;
  const baseDelayMs = options.retryDelayMs ?? 1000;
  const advertise = options.advertise ?? true;
  const maxAttempts = options.maxAttempts ?? 5;
  return () => {
    /** Consecutive failures per pair, for the back-off; cleared when the pair's path comes up. */
    const failures = new Map<string, number>();
    /** Pairs waiting for their back-off timer before they are tried again (or given up). */
    const held = new Set<string>();
    /** The addresses of each held pair, to release it when one of them is added again. */
    const given = new Map<string, { local: SocketAddress; remote: SocketAddress }>();
    /** Releases the held pairs `matches` picks, with a fresh failure count. */
    const forgive = (matches: (local: SocketAddress, remote: SocketAddress) => boolean): void => {
      for (const [key, pair] of given) {
        if (!matches(pair.local, pair.remote)) continue;
        given.delete(key);
        held.delete(key);
        failures.delete(key);
      }
    };

    const pairKey = (local: SocketAddress, remote: SocketAddress): string => `${addressKey(local)}>${addressKey(remote)}`;

    /**
     * Opens a path for every pair that has none, within the limit, skipping pairs in back-off and pairs
     * of different address families (no path can join them). A failed path still holds its pair: the
     * connection keeps probing it and it comes back by itself when its link does, so a second path for
     * the pair would only duplicate it. Pairs whose local and remote address both carry no path yet go
     * first, so that when the limit cuts the mesh short the paths it has spread over every address.
     */
    const fill = (ctx: PathManagerContext): void => {
      if (ctx.role !== 'client') return;
      const live = ctx.paths().filter((p) => p.state !== 'closed');
      const taken: { local: SocketAddress; remote: SocketAddress }[] = live.map((p) => ({ local: p.local, remote: p.remote }));
      const candidates: { local: SocketAddress; remote: SocketAddress }[] = [];
      for (const local of ctx.localAddresses()) {
        for (const remote of ctx.remoteAddresses()) {
          if (local.host.includes(':') !== remote.host.includes(':')) continue;
          if (taken.some((t) => sameAddress(t.local, local) && sameAddress(t.remote, remote))) continue;
          if (!held.has(pairKey(local, remote))) candidates.push({ local, remote });
        }
      }
      const fresh = (c: { local: SocketAddress; remote: SocketAddress }): boolean =>
        !taken.some((t) => sameAddress(t.local, c.local) || sameAddress(t.remote, c.remote));
      let open = live.length;
      for (const firstPass of [true, false]) {
        for (const c of candidates) {
          if (open >= maxPaths) return;
          if (taken.some((t) => t.local === c.local && t.remote === c.remote)) continue; // opened in the first pass
          if (firstPass && !fresh(c)) continue;
          if (ctx.openPath(c.local, c.remote) === undefined) continue;
          open++;
          taken.push(c);
        }
      }
    };

    const closeUsing = (ctx: PathManagerContext, matches: (p: PathView) => boolean): void => {
      for (const path of ctx.paths()) if (path.state !== 'closed' && matches(path)) ctx.closePath(path.id, ReasonCode.AddressRemoved);
    };

    const advertiseOthers = (ctx: PathManagerContext): void => {
      if (ctx.role !== 'server' || !advertise) return;
      const inUse = ctx.paths().map((p) => p.local);
      for (const address of ctx.localAddresses()) if (!inUse.some((a) => sameAddress(a, address))) ctx.advertiseAddress(address);
    };

    return {
      name: 'fullmesh',
      onEstablished(ctx) {
        advertiseOthers(ctx);
        fill(ctx);
      },
      onLocalAddressAdded(ctx, address) {
        if (ctx.role === 'server' && advertise) ctx.advertiseAddress(address);
        forgive((local) => sameAddress(local, address));
        fill(ctx);
      },
      onLocalAddressRemoved(ctx, address) {
        if (ctx.role === 'server' && advertise) ctx.withdrawAddress(address);
        closeUsing(ctx, (p) => sameAddress(p.local, address));
      },
      onRemoteAddressAdded(ctx, address) {
        forgive((_local, remote) => sameAddress(remote, address));
        fill(ctx);
      },
      onRemoteAddressRemoved(ctx, address) {
        closeUsing(ctx, (p) => sameAddress(p.remote, address));
      },
      onPathUp(_ctx, path) {
        failures.delete(pairKey(path.local, path.remote));
      },
      onPathClosed(ctx, path, reason) {
        // Closed on a failure (validation timed out, the peer found it unusable): back off before trying
        // the pair again, so an unreachable pair is not hammered. Closed by choice: the slot is free now.
        if (reason !== ReasonCode.NoError && reason !== ReasonCode.AddressRemoved && reason !== ReasonCode.AdministrativelyProhibited) {
          const key = pairKey(path.local, path.remote);
          const n = (failures.get(key) ?? 0) + 1;
          failures.set(key, n);
          held.add(key);
          given.set(key, { local: path.local, remote: path.remote });
          // After maxAttempts failures the pair stays held (no timer) until an address of it comes again.
          if (n < maxAttempts) ctx.setTimer(`${RETRY_TAG}:${key}`, Math.min(baseDelayMs * 2 ** (n - 1), MAX_RETRY_DELAY_MS));
        }
        fill(ctx); // a slot may have freed up for another pair
      },
      onTimer(ctx, tag) {
        if (!tag.startsWith(RETRY_TAG)) return;
        held.delete(tag.slice(RETRY_TAG.length + 1));
        fill(ctx);
      },
    };
  };
}
