/**
 * Reason codes carried by CLOSE and PATH_ABANDON frames (varints).
 *
 * 0x01..0x07 are the MPTCP reset reasons of RFC 8684 §3.6, each shifted up by
 * one so that 0 can mean "no error" as in QUIC (RFC 9000 §20.1). Codes this
 * table does not name are legal on the wire and decode to their number; only
 * {@link reasonCodeName} maps them to 'Unspecified', for display.
 * @module
 */

/** The reason codes of CLOSE and PATH_ABANDON (docs/protocol.md, reason-code table). */
export const ReasonCode = {
  /** Graceful close or abandon with nothing wrong. */
  NoError: 0x00,
  /** RFC 8684 0x00 "unspecified error". */
  Unspecified: 0x01,
  /** RFC 8684 0x01 "MPTCP-specific error": the peer broke the protocol. */
  ProtocolError: 0x02,
  /** RFC 8684 0x02 "lack of resources". */
  LackOfResources: 0x03,
  /** RFC 8684 0x03 "administratively prohibited" (policy forbids this path or connection). */
  AdministrativelyProhibited: 0x04,
  /** RFC 8684 0x04 "too much outstanding data" (reassembly would exceed the receive buffer). */
  TooMuchOutstandingData: 0x05,
  /** RFC 8684 0x05 "unacceptable performance" (path too slow or lossy to keep). */
  UnacceptablePerformance: 0x06,
  /** RFC 8684 0x06 "middlebox interference" (path mangles or drops mpt packets). */
  MiddleboxInterference: 0x07,
  /** No packet arrived for the negotiated idle timeout. */
  IdleTimeout: 0x08,
  /** The application closed; the CLOSE frame's application error code says why. */
  ApplicationClose: 0x09,
  /** The peer sent more data than MAX_DATA allowed. */
  FlowControlError: 0x0a,
  /** A frame was malformed or of unknown type. */
  FrameEncodingError: 0x0b,
  /** Transport parameters were malformed, duplicated, missing or out of range. */
  TransportParameterError: 0x0c,
  /** The Noise handshake or packet protection failed (bad message, rejected key, no common AEAD). */
  HandshakeFailed: 0x0d,
  /** A path did not answer PATH_CHALLENGE in time. */
  PathValidationFailed: 0x0e,
  /** No version in common, or a Version Negotiation packet was inconsistent. */
  VersionNegotiationError: 0x0f,
  /** The peer issued more connection IDs than active_connection_id_limit. */
  ConnectionIdLimitError: 0x10,
  /** DATA beyond a final size, or a final size that changed (RESET vs FIN). */
  FinalSizeError: 0x11,
  /** The local endpoint hit a bug or an internal limit. */
  InternalError: 0x12,
  /** A packet number, nonce or AEAD usage limit was exhausted. */
  KeyExhausted: 0x13,
  /** The local address or interface under a path went away. */
  AddressRemoved: 0x14,
  /** The server refused the connection (load, connection limit). */
  ConnectionRefused: 0x15,
  /** More paths than max_paths, or a path id outside the allowed range. */
  PathLimitError: 0x16,
} as const;

/** A reason code name, e.g. 'IdleTimeout'. */
export type ReasonCodeName = keyof typeof ReasonCode;

/** A reason code value. Any varint is a legal code; named ones are in {@link ReasonCode}. */
export type ReasonCodeValue = (typeof ReasonCode)[ReasonCodeName];

const NAMES: ReadonlyMap<number, ReasonCodeName> = new Map(
  (Object.keys(ReasonCode) as ReasonCodeName[]).map((name) => [ReasonCode[name], name]),
);

/** The name of `code` for logs and errors; codes not in the table show as 'Unspecified'. */
export function reasonCodeName(code: number): ReasonCodeName {
  return NAMES.get(code) ?? 'Unspecified';
}

/** Whether `code` is one this version names. Unknown codes are still valid on the wire. */
export function isKnownReasonCode(code: number): boolean {
  return NAMES.has(code);
}
