/**
 * The ways a wire decoder can reject input. Decoders never throw on bad bytes;
 * they return one of these inside a neverthrow `err`.
 *
 * - `Truncated`: a field (or a length field's claim) runs past the end of the input.
 * - `VarintOverflow`: an 8-byte varint holds a value above `Number.MAX_SAFE_INTEGER`
 *   (2^53-1), which a JS number cannot hold exactly. mpt never sends such values.
 * - `UnknownFrameType`: a frame type code mpt does not define. Frames are not
 *   self-delimiting, so the rest of the packet cannot be parsed.
 * - `InvalidField`: the bytes parse, but a field is out of range or inconsistent
 *   (a CID longer than 20 bytes, an ACK range below packet number 0, a reserved bit set...).
 * - `UnsupportedVersion`: a long header carries a version this codec does not parse.
 * - `DuplicateParameter`: a transport parameter id appears twice.
 * - `MissingParameter`: a required transport parameter is absent.
 */
export type WireErrorKind =
  | 'Truncated'
  | 'VarintOverflow'
  | 'UnknownFrameType'
  | 'InvalidField'
  | 'UnsupportedVersion'
  | 'DuplicateParameter'
  | 'MissingParameter';

/** Why and where a decoder rejected its input. */
export interface WireError {
  /** The class of failure; stable, meant for programs. */
  readonly kind: WireErrorKind;
  /** Byte offset into the decoder's input at which the failure was detected. */
  readonly offset: number;
  /** A human-readable description; may change between releases. */
  readonly message: string;
}

/** Builds a {@link WireError}. Only called on the failure path, so the allocation is fine. */
export function wireError(kind: WireErrorKind, offset: number, message: string): WireError {
  return { kind, offset, message };
}
