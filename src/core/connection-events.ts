import type { MptError } from '../errors.js';

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

/** Every event a connection reports. */
export type ConnectionEvent = ConnectedEvent | ReadableEvent | WritableEvent | FinishedEvent | ResetEvent | ClosedEvent;
