/**
 * Connection ID limits. mpt, like multipath QUIC
 * (draft-ietf-quic-multipath §5), issues every connection ID for exactly one
 * path: the receiver maps the destination CID of a short-header packet to its
 * path id, so the path id never travels in the clear and an observer cannot
 * link two paths of one connection by their CIDs.
 * @module
 */

/** Largest connection ID length in bytes in version 1 (RFC 9000 §17.2). */
export const MAX_CID_LENGTH = 20;

/**
 * The CID length in bytes mpt endpoints issue by default. Short headers carry
 * no CID length, so each endpoint uses one length for all CIDs it issues and
 * passes that length to `decodeShortHeader`. Any length 0..20 is legal, but
 * an endpoint that picks 0 can issue no further CIDs (NEW_CONNECTION_ID
 * carries 1..20 bytes, as RFC 9000 §5.1.1), which keeps its connection on path 0.
 */
export const DEFAULT_CID_LENGTH = 8;

/** Length in bytes of a stateless reset token (RFC 9000 §10.3). */
export const STATELESS_RESET_TOKEN_LENGTH = 16;
