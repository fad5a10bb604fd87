import type { Connection } from '../core/connection.js';
import type { Path } from '../core/path.js';
import type { SocketAddress } from '../core/socket-address.js';

/**
 * What the Node layer reports about a connection's paths ({@link MptPathInfo}, `socket.paths`, the
 * 'path' event's snapshot), from the engine's read-only `Path.snapshot()`; the few other facts the
 * Node layer needs of a path (its state, its peer address) are read here too, in one place.
 * @module
 */

/**
 * Where a path stands: `validating` (opened, its PATH_CHALLENGE not yet answered: it carries no stream
 * data), `active` (carries data), `backup` (used only when no active path can send), `failed` (probes
 * went unanswered; it comes back `active` or `backup` if the peer answers again), `closed` (abandoned).
 */
export type MptPathStatus = 'validating' | 'active' | 'backup' | 'failed' | 'closed';

/** What the socket reports about one path: a snapshot, taken when `MptSocket.paths` is read. */
export interface MptPathInfo {
  /** Path id. */
  readonly id: number;
  /** Our address on this path. */
  readonly local: SocketAddress;
  /** The peer's address on this path. */
  readonly remote: SocketAddress;
  /** Where the path stands. */
  readonly status: MptPathStatus;
  /** Smoothed RTT, ms. */
  readonly srttMs: number;
  /** Minimum RTT seen, ms. */
  readonly minRttMs: number;
  /** Congestion window, bytes. */
  readonly cwndBytes: number;
  /** Bytes in flight, bytes. */
  readonly bytesInFlight: number;
  /** Current datagram size (PMTU), bytes. */
  readonly mtuBytes: number;
  /** UDP payload bytes sent (every packet: data, ACKs, probes; after encryption). */
  readonly bytesSent: number;
  /** UDP payload bytes received (packets that authenticated). */
  readonly bytesReceived: number;
  /** Stream bytes sent for the first time on this path: its share of what we sent. */
  readonly streamBytesSent: number;
  /** Packets sent. */
  readonly packetsSent: number;
  /** Packets received. */
  readonly packetsReceived: number;
  /** Packets declared lost (the engine counts losses in packets, not bytes). */
  readonly packetsLost: number;
  /** Stream bytes sent again on this path after a loss. */
  readonly bytesRetransmitted: number;
  /** Whether the path may carry stream data: path 0 after the handshake, a later path once its PATH_CHALLENGE was answered. */
  readonly validated: boolean;
}

/** A plain snapshot of one engine path (addresses copied). */
export function pathInfo(p: Path): MptPathInfo {
  const s = p.snapshot();
  return {
    id: s.id,
    local: s.local,
    remote: s.remote,
    status: s.state,
    srttMs: s.srttMs,
    minRttMs: s.minRttMs,
    cwndBytes: s.cwndBytes,
    bytesInFlight: s.bytesInFlight,
    mtuBytes: s.mtuBytes,
    bytesSent: s.stats.bytesSent,
    bytesReceived: s.stats.bytesReceived,
    streamBytesSent: s.stats.streamBytesSent,
    packetsSent: s.stats.packetsSent,
    packetsReceived: s.stats.packetsReceived,
    packetsLost: s.stats.packetsLost,
    bytesRetransmitted: s.stats.streamBytesRetransmitted,
    validated: s.validated,
  };
}

/** Snapshots of every path the connection lists, in path-id order. */
export function pathInfos(connection: Connection): MptPathInfo[] {
  return connection.paths.map(pathInfo);
}

/** A snapshot of path `id`; undefined if the connection no longer lists it. */
export function pathInfoById(connection: Connection, id: number): MptPathInfo | undefined {
  const path = connection.pathById(id);
  return path === undefined ? undefined : pathInfo(path);
}

/** Whether some path can carry data (it is active or backup, not validating, failed or closed). */
export function hasUsablePath(connection: Connection): boolean {
  return connection.paths.some((p) => p.state === 'active' || p.state === 'backup');
}

/** The peer's address on the connection's first path (the engine's object, not a copy); undefined before it has one. */
export function firstPathRemote(connection: Connection): SocketAddress | undefined {
  return connection.paths[0]?.remote;
}

/** Our address on each path (the engine's objects, which are the driver's own bound addresses), in path-id order. */
export function pathLocalAddresses(connection: Connection): SocketAddress[] {
  return connection.paths.map((p) => p.local);
}
