/**
 * A path manager for the local bench: one path per given (local address, remote address) pair and no
 * other, so each path goes through its own link emulator. fullmesh would also open the crossed pairs
 * (127.0.0.2 to the first path's emulator...), which mixes the links the bench is meant to tell apart.
 * @module
 */
import type { PathManager, PathManagerContext, SocketAddress } from '../../index.js';

/** One path the manager keeps open: from the socket bound on `localHost` to `remote`. */
export interface PinnedPair {
  /** Local IP address (the client binds a socket on it). */
  readonly localHost: string;
  /** The remote end: here, a link emulator's front address. */
  readonly remote: SocketAddress;
}

/** How long after a path closed the manager opens it again, ms. */
const REOPEN_DELAY_MS = 1000;

function samePair(view: { local: SocketAddress; remote: SocketAddress }, pair: PinnedPair): boolean {
  return view.local.host === pair.localHost && view.remote.host === pair.remote.host && view.remote.port === pair.remote.port;
}

/**
 * A path manager that opens exactly `pairs` (the first is the connection's own path 0) once the
 * connection is established, and opens a pair again a second after its path closed.
 */
export function pinnedPaths(pairs: readonly PinnedPair[]): PathManager {
  const openMissing = (ctx: PathManagerContext): void => {
    const open = ctx.paths().filter((p) => p.state !== 'closed');
    const locals = ctx.localAddresses();
    for (const pair of pairs) {
      if (open.some((p) => samePair(p, pair))) continue;
      const local = locals.find((a) => a.host === pair.localHost);
      if (local !== undefined) ctx.openPath(local, pair.remote);
    }
  };
  return {
    name: 'bench-pinned',
    onEstablished: openMissing,
    onPathClosed: (ctx) => ctx.setTimer('reopen', REOPEN_DELAY_MS),
    onTimer: openMissing,
  };
}
