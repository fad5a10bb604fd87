import { ReasonCode } from './wire/index.js';

/**
 * Why a frame handler wants the connection closed: a transport error (RFC 9000 §20.1). Handlers
 * return it instead of closing the connection themselves; the connection closes in one place.
 * @module
 */

/** A transport error: the CLOSE reason code and a human-readable reason. */
export interface TransportError {
  /** The reason code the CLOSE frame carries (docs/protocol.md §9). */
  readonly reasonCode: number;
  /** What went wrong, for the CLOSE frame and the 'closed' event. */
  readonly reason: string;
}

/** A PROTOCOL_VIOLATION-class error. */
export function protocolError(reason: string): TransportError {
  return { reasonCode: ReasonCode.ProtocolError, reason };
}

/** The peer sent beyond the flow-control limit we advertised. */
export function flowControlError(reason: string): TransportError {
  return { reasonCode: ReasonCode.FlowControlError, reason };
}

/** The peer changed the stream's final size. */
export function finalSizeError(reason: string): TransportError {
  return { reasonCode: ReasonCode.FinalSizeError, reason };
}
