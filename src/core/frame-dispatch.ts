import type { ByteStream } from './byte-stream.js';
import type { Path } from './path.js';
import type { PathSet } from './path-set.js';
import type { TransportError } from './transport-error.js';
import type {
  AckFrame,
  AddAddressFrame,
  CloseFrame,
  Frame,
  PathAbandonFrame,
  PathStatusFrame,
  RemoveAddressFrame,
} from './wire/index.js';

/**
 * What each received frame does: one entry per frame type, naming the owner that handles it. A
 * handler returns a transport error when the frame breaks the protocol, and the connection then
 * closes, in one place ({@link FrameOutcome}). Adding a frame type means adding its entry here and
 * its handler to its owner (docs/design.md, "Adding a frame type").
 * @module
 */

/** What a frame did: nothing to report, a transport error (close the connection), or the peer's CLOSE (stop reading). */
export type FrameOutcome = TransportError | typeof PEER_CLOSED | undefined;

/** The peer's CLOSE frame: the connection drains; the packet's remaining frames are ignored. */
export const PEER_CLOSED = 'peer-closed';

/** The owners frames are handed to: the stream and the path set directly, the rest through the connection. */
export interface FrameOwners {
  readonly stream: ByteStream;
  readonly pathSet: PathSet;
  /** ACK: acknowledgements for the path it names, routed to what each packet carried. */
  onAck(frame: AckFrame, nowMs: number): TransportError | undefined;
  /** PATH_RESPONSE that answers our challenge on `path`: its address is validated. */
  onAddressValidated(path: Path, nowMs: number): void;
  /** The peer closed the connection. */
  onPeerClose(frame: CloseFrame, nowMs: number): void;
  /** HANDSHAKE_DONE: the server confirmed the handshake (an error at a server). */
  onHandshakeDone(): TransportError | undefined;
  /** ADD_ADDRESS, REMOVE_ADDRESS, PATH_STATUS, PATH_ABANDON: the peer's word on addresses and paths. */
  onAddAddress(frame: AddAddressFrame): void;
  onRemoveAddress(frame: RemoveAddressFrame, nowMs: number): void;
  onPathStatus(frame: PathStatusFrame): void;
  /** PATH_ABANDON: a transport error when it names the only path still open. */
  onPathAbandon(frame: PathAbandonFrame, nowMs: number): TransportError | undefined;
}

type Handler<F> = (owners: FrameOwners, frame: F, path: Path, nowMs: number) => FrameOutcome;

/** The handler of each frame type. */
const HANDLERS: { readonly [T in Frame['type']]: Handler<Extract<Frame, { type: T }>> } = {
  padding: () => undefined,
  ping: () => undefined,
  mtuProbe: () => undefined, // a PMTU probe is answered by the ACK it elicits
  ack: (o, f, _path, nowMs) => o.onAck(f, nowMs),
  data: (o, f) => o.stream.onData(f.offset, f.data, f.fin),
  maxData: (o, f) => void o.stream.onMaxData(f.maximumData),
  dataBlocked: (o, f) => void o.stream.onDataBlocked(f.limit),
  reset: (o, f) => o.stream.onReset(f.applicationErrorCode, f.finalSize),
  pathChallenge: (_o, f, path) => void path.onChallenge(f.data),
  pathResponse: (o, f, path, nowMs) => {
    if (path.answersChallenge(f.data)) o.onAddressValidated(path, nowMs);
    return undefined;
  },
  newConnectionId: (o, f) => void o.pathSet.onNewConnectionId(f.pathId, f.sequenceNumber, f.connectionId),
  retireConnectionId: () => undefined, // one CID per path, never rotated: nothing to retire
  close: (o, f, _path, nowMs) => {
    o.onPeerClose(f, nowMs);
    return PEER_CLOSED;
  },
  handshakeDone: (o) => o.onHandshakeDone(),
  addAddress: (o, f) => void o.onAddAddress(f),
  removeAddress: (o, f, _path, nowMs) => void o.onRemoveAddress(f, nowMs),
  pathStatus: (o, f) => void o.onPathStatus(f),
  pathAbandon: (o, f, _path, nowMs) => o.onPathAbandon(f, nowMs),
};

/** Hands one frame received on `path` to its owner. */
export function dispatchFrame(owners: FrameOwners, frame: Frame, path: Path, nowMs: number): FrameOutcome {
  return (HANDLERS[frame.type] as Handler<Frame>)(owners, frame, path, nowMs);
}

/**
 * The frames a client's 0-RTT early frames may hold (docs/protocol.md §3.6): stream data, and padding.
 * Anything else there is a PROTOCOL_VIOLATION: those frames are replayable and were sealed before the
 * server answered, so nothing but the stream may be acted on.
 */
const EARLY_FRAMES: ReadonlySet<Frame['type']> = new Set<Frame['type']>(['padding', 'data']);

/** Whether `frame` may be among a client's 0-RTT early frames. */
export function allowedInEarlyFrames(frame: Frame): boolean {
  return EARLY_FRAMES.has(frame.type);
}

/** Whether a frame asks for an acknowledgement: all but PADDING, ACK and CLOSE. */
export function isAckEliciting(frame: Frame): boolean {
  return frame.type !== 'padding' && frame.type !== 'ack' && frame.type !== 'close';
}
