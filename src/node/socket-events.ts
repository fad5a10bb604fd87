import type { Connection } from '../core/connection.js';
import type { PathEvent, PathManagerErrorEvent, RemoteAddressEvent } from '../core/connection-events.js';
import type { SocketAddress } from '../core/socket-address.js';
import type { InterfaceInfo } from '../core/path-manager.js';
import { pathInfoById, type MptPathInfo } from './path-info.js';

/**
 * The events an {@link MptSocket} adds to net.Socket's ('path', 'remoteAddress', 'localAddress',
 * 'pathManagerError'): their arguments, and how the engine's connection events become them.
 * @module
 */

/**
 * What happened to a path, in a 'path' event: `up` (it may carry data now: validated, or answering again
 * after `down`), `down` (it failed: probes went unanswered; the other paths carry the stream), `status`
 * (it became backup, or available again), `closed` (abandoned by either end; nothing more follows for it).
 */
export type MptPathChange = 'up' | 'down' | 'status' | 'closed';

/** The argument of an {@link MptSocket} 'path' event. */
export interface MptPathEvent {
  /** The path's id (as in {@link MptSocket.paths}). */
  readonly id: number;
  /** What happened. */
  readonly change: MptPathChange;
  /** For `down` and `closed`: the engine's ReasonCode (see `reasonCodeName`); else 0. */
  readonly reasonCode: number;
  /** The path as it stands right after the change; undefined if the connection no longer lists it. */
  readonly path: MptPathInfo | undefined;
}

/** The argument of an {@link MptSocket} 'remoteAddress' event: the peer's addresses the path manager knows of changed. */
export interface MptRemoteAddressEvent {
  /**
   * `added`: the peer advertised an address (ADD_ADDRESS; a server listening on several addresses does
   * by default), or it came from `extraRemotes`; `removed`: the peer withdrew it (REMOVE_ADDRESS), and
   * the paths to it close.
   */
  readonly change: 'added' | 'removed';
  /** The address (a copy). */
  readonly address: SocketAddress;
}

/**
 * The argument of an {@link MptSocket} 'localAddress' event: the interface monitor (see
 * `MptConnectOptions.interfaceMonitor`) found one of our addresses gone or a new one usable, and the
 * socket closed or bound its UDP socket and told the path manager.
 */
export interface MptLocalAddressEvent {
  /** `added`: a socket was bound on a new address; `removed`: the address went away (its socket, unless the first, is closed). */
  readonly change: 'added' | 'removed';
  /** The address (a copy), with the port of its socket. */
  readonly address: SocketAddress;
  /** Its interface, as described to the path manager. */
  readonly interface: InterfaceInfo;
}

/**
 * The argument of an {@link MptSocket} 'pathManagerError' event: a hook of the connection's path
 * manager threw. The connection carries on without whatever the hook would have done.
 */
export interface MptPathManagerErrorEvent {
  /** The plugin's `name`. */
  readonly pathManager: string;
  /** The hook that threw, e.g. `onEstablished`. */
  readonly hook: string;
  /** What it threw. */
  readonly error: unknown;
}

/** The engine's path changes as the socket reports them: a failure is `down`, a recovery `up` again. */
const PATH_CHANGES: Readonly<Record<PathEvent['change'], MptPathChange>> = {
  up: 'up',
  recovered: 'up',
  failed: 'down',
  status: 'status',
  closed: 'closed',
};

/**
 * The mpt events of an {@link MptSocket} and their listeners (its other events are net.Socket's), for
 * the typed `on`, `once` and `off`.
 */
export interface MptSocketEvents {
  /** A path came up, went down, changed status or closed. */
  path: (event: MptPathEvent) => void;
  /** The path manager learnt or lost a peer address. */
  remoteAddress: (event: MptRemoteAddressEvent) => void;
  /** A hook of the path manager threw (the connection lives on). */
  pathManagerError: (event: MptPathManagerErrorEvent) => void;
  /** The interface monitor added or removed a local address. */
  localAddress: (event: MptLocalAddressEvent) => void;
}

/** The 'path' event for an engine `path` event: the path as it stands right after the change. */
export function toPathEvent(event: PathEvent, connection: Connection | undefined): MptPathEvent {
  return {
    id: event.pathId,
    change: PATH_CHANGES[event.change],
    reasonCode: event.reasonCode,
    path: connection === undefined ? undefined : pathInfoById(connection, event.pathId),
  };
}

/** The 'remoteAddress' event for an engine `remoteAddress` event (the address copied). */
export function toRemoteAddressEvent(event: RemoteAddressEvent): MptRemoteAddressEvent {
  return { change: event.change, address: { host: event.address.host, port: event.address.port } };
}

/** The 'pathManagerError' event for an engine `pathManagerError` event. */
export function toPathManagerErrorEvent(event: PathManagerErrorEvent): MptPathManagerErrorEvent {
  return { pathManager: event.pathManager, hook: event.hook, error: event.error };
}
