import type { MptError } from '../errors.js';
import type { SocketAddress } from './socket-address.js';

/**
 * What a connection tells its owner, through `pollEvent()`. Names are past
 * tense: each reports something that has happened.
 * @module
 */

/** The handshake completed: the stream can carry data both ways. */
export interface ConnectedEvent {
  readonly type: 'connected';
  /** The peer's static public key, when the handshake mode carried one. */
  readonly remoteStaticKey: Uint8Array | undefined;
}

/** Stream bytes arrived that `read()` will return. */
export interface ReadableEvent {
  readonly type: 'readable';
}

/** The send buffer drained below its limit after `write()` returned false. */
export interface WritableEvent {
  readonly type: 'writable';
}

/** The peer finished its direction (FIN); `read()` returns the rest, then undefined. */
export interface FinishedEvent {
  readonly type: 'finished';
}

/** The peer abandoned its direction abruptly (RESET). */
export interface ResetEvent {
  readonly type: 'reset';
  /** The peer's application error code. */
  readonly applicationErrorCode: number;
}

/** Who ended a connection. */
export type CloseInitiator = 'local' | 'peer' | 'idle-timeout' | 'handshake';

/** The connection is over: nothing more can be sent or received. */
export interface ClosedEvent {
  readonly type: 'closed';
  /** A ReasonCode (docs/protocol.md §9). */
  readonly reasonCode: number;
  /** The application's code when `reasonCode` is ApplicationClose, else 0. */
  readonly applicationErrorCode: number;
  /** Human-readable reason, possibly empty. */
  readonly reason: string;
  /** Who ended it. */
  readonly initiator: CloseInitiator;
  /** Set when the connection ended because of an error the application should see. */
  readonly error: MptError | undefined;
}

/**
 * What happened to a path: `up` (validated, it may carry data; path 0 with
 * the handshake), `failed` (consecutive probe timeouts without an answer),
 * `recovered` (a failed path answered again), `status` (it became backup or
 * available, see `Path.backup`), `closed` (abandoned by either end; no
 * more events follow for it).
 */
export type PathChange = 'up' | 'failed' | 'recovered' | 'status' | 'closed';

/** Something happened to one path of the connection. */
export interface PathEvent {
  readonly type: 'path';
  /** The path's id. */
  readonly pathId: number;
  /** What happened. */
  readonly change: PathChange;
  /** For `closed` and `failed`: a ReasonCode (docs/protocol.md §9); else 0. */
  readonly reasonCode: number;
}

/**
 * The peer advertised (ADD_ADDRESS) or withdrew (REMOVE_ADDRESS) one of its addresses, or the owner
 * added one it knew of (`Connection.addRemoteAddress`).
 */
export interface RemoteAddressEvent {
  readonly type: 'remoteAddress';
  /** Whether the address was added or removed. */
  readonly change: 'added' | 'removed';
  /** The address. */
  readonly address: SocketAddress;
}

/** A path-manager hook threw; the connection carries on without what the hook would have done. */
export interface PathManagerErrorEvent {
  readonly type: 'pathManagerError';
  /** The plugin's name. */
  readonly pathManager: string;
  /** The hook that threw, e.g. `onPathFailed`. */
  readonly hook: string;
  /** What it threw. */
  readonly error: unknown;
}

/** A line the path manager logged through its context. */
export interface PathManagerLogEvent {
  readonly type: 'pathManagerLog';
  /** The plugin's name. */
  readonly pathManager: string;
  /** The line. */
  readonly message: string;
}

/**
 * A happy-eyeballs attempt of a client (`ConnectOptions.race`) changed: `started` (its Initial went
 * out), `failed` (the owner reported its destination unreachable), `won` (the first answer: the
 * connection's path 0 runs there), `answered` (a later answer: a late success, offered to the path
 * manager as a remote address when it is another address of the server).
 */
export interface AttemptEvent {
  readonly type: 'attempt';
  /** What happened. */
  readonly change: 'started' | 'failed' | 'won' | 'answered';
  /** The attempt's position in the race, from 0. */
  readonly index: number;
  /** Our address. */
  readonly local: SocketAddress;
  /** The server's address. */
  readonly remote: SocketAddress;
  /** For `failed`: why. */
  readonly reason?: string | undefined;
}

/** Every event a connection reports. */
export type ConnectionEvent =
  | ConnectedEvent
  | ReadableEvent
  | WritableEvent
  | FinishedEvent
  | ResetEvent
  | ClosedEvent
  | PathEvent
  | RemoteAddressEvent
  | PathManagerErrorEvent
  | PathManagerLogEvent
  | AttemptEvent;
