/**
 * The mpt wire codec (version 1): varints, packet numbers, long and short
 * headers, Version Negotiation, frames, reason codes and transport parameters.
 * Pure functions over Uint8Array; decoders return neverthrow Results and never
 * throw. The byte-level specification is docs/protocol.md.
 * @module
 */
export * from './wire-error.js';
export * from './varint.js';
export * from './reader.js';
export * from './writer.js';
export * from './version.js';
export * from './connection-id.js';
export * from './packet-number.js';
export * from './invariant-header.js';
export * from './long-header.js';
export * from './short-header.js';
export * from './version-negotiation.js';
export * from './frame-types.js';
export * from './frames.js';
export * from './ack-ranges.js';
export * from './reason-codes.js';
export * from './transport-params.js';
