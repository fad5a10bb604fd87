/**
 * Wire versions. The 32-bit version field of every long header names the
 * layout of everything after it (RFC 8999 invariants, RFC 9000 §15).
 * @module
 */

/**
 * mpt wire version 1: 0x6d707401, the ASCII bytes "mpt" followed by 0x01.
 * Chosen outside the IETF QUIC version range so an mpt packet is never
 * mistaken for QUIC v1 (0x00000001) or v2 (0x6b3343cf).
 */
export const WIRE_VERSION_1 = 0x6d70_7401;

/** The version this codec speaks. */
export const WIRE_VERSION = WIRE_VERSION_1;

/** Version value 0 marks a Version Negotiation packet (RFC 9000 §17.2.1). */
export const VERSION_NEGOTIATION = 0;

/** Versions this codec can parse beyond the invariant header, most preferred first. */
export const SUPPORTED_VERSIONS: readonly number[] = [WIRE_VERSION_1];

/** Whether this codec parses long headers of `version`. */
export function isSupportedVersion(version: number): boolean {
  return version === WIRE_VERSION_1;
}

/**
 * Whether `version` follows the 0x?a?a?a?a pattern that RFC 9000 §15 reserves
 * for exercising version negotiation ("greasing"). An mpt endpoint may list
 * one in a Version Negotiation packet; no endpoint ever supports one.
 */
export function isReservedVersion(version: number): boolean {
  return (version & 0x0f0f_0f0f) === 0x0a0a_0a0a;
}
