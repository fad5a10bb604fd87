import { err, ok, type Result } from 'neverthrow';
import { AeadId } from '../../crypto/provider.js';
import { MAX_CID_LENGTH, STATELESS_RESET_TOKEN_LENGTH } from './connection-id.js';
import { MAX_PROBE_SIZE, MIN_PROBE_SIZE } from './frame-types.js';
import { Reader } from './reader.js';
import { MAX_VARINT, varintLength, writeVarint } from './varint.js';
import { wireError, type WireError } from './wire-error.js';
import { writeBytes } from './writer.js';

/**
 * Transport parameters (RFC 9000 §7.4, §18), carried in the payloads of the
 * Noise handshake messages, so they are authenticated by the handshake.
 *
 * Encoding: a sequence of `id (i), length (i), value (length bytes)` to the end
 * of the input. Unknown ids are skipped: that is how new parameters and
 * extensions are added without breaking old peers. An id appearing twice is an
 * error (RFC 9000 §7.4). Integer values are one varint filling the value exactly.
 * The encoder omits parameters that equal their default, except the required
 * initial_source_connection_id.
 * @module
 */

/** Transport parameter ids. */
export const TransportParamId = {
  /** Idle timeout in milliseconds; 0 = this side sets none. */
  maxIdleTimeoutMs: 0x01,
  /** 16-byte stateless reset token for the CID the server chose in the handshake (server only). */
  statelessResetToken: 0x02,
  /** Largest UDP payload in bytes the sender is willing to receive, 1200..65527. */
  maxUdpPayloadSize: 0x03,
  /** Initial connection flow-control limit in bytes (a stream offset). */
  initialMaxData: 0x04,
  /** Exponent scaling the ACK Delay field, 0..20. */
  ackDelayExponent: 0x0a,
  /** Longest time in milliseconds the sender delays an acknowledgement, < 2^14. */
  maxAckDelayMs: 0x0b,
  /** Zero-length flag: the sender does not accept new paths to the address it handshook on from new peer addresses. */
  disableActiveMigration: 0x0c,
  /** How many CIDs per path the sender is willing to store, >= 2. */
  activeConnectionIdLimit: 0x0e,
  /** The SCID the sender put in its first long header; required, 0..20 bytes. */
  initialSourceConnectionId: 0x0f,
  /** Most paths the sender allows open at once, 1..256. */
  maxPaths: 0x20,
  /** Packet-protection AEAD ids the sender supports, in preference order; must list 1. */
  supportedAeads: 0x21,
  /** Optional extension ids the sender supports. */
  extensions: 0x22,
} as const;

/**
 * Optional extension ids of the extensions parameter. An extension is used on a
 * connection only when both peers listed it; ids a peer does not know are ignored.
 */
export const ExtensionId = {
  /** 0-RTT resumption (reserved: long packet type 1 is kept for it). */
  ZeroRtt: 1,
  /** DPLPMTUD with MTU_PROBE frames; without it a peer never sends MTU_PROBE. */
  PmtuProbe: 2,
  /** Redundant scheduling: the same DATA may be sent on several paths at once on purpose. */
  RedundantScheduling: 3,
} as const;

/** One of the {@link ExtensionId} values. */
export type ExtensionId = (typeof ExtensionId)[keyof typeof ExtensionId];

/** A peer's transport parameters, with defaults filled in for absent ones. */
export interface TransportParams {
  /** Idle timeout in milliseconds; 0 = none from this side. Default 0. */
  readonly maxIdleTimeoutMs: number;
  /** Stateless reset token (16 bytes), sent by servers only; absent by default. */
  readonly statelessResetToken?: Uint8Array;
  /** Largest UDP payload in bytes the sender accepts, 1200..65527. Default 65527. */
  readonly maxUdpPayloadSize: number;
  /** Connection flow-control credit in bytes. Default 0. */
  readonly initialMaxData: number;
  /** ACK Delay scaling exponent, 0..20. Default 3. */
  readonly ackDelayExponent: number;
  /** Maximum ack delay in milliseconds, 0..16383. Default 25. */
  readonly maxAckDelayMs: number;
  /** Whether the sender refuses active migration. Default false. */
  readonly disableActiveMigration: boolean;
  /** CIDs per path the sender will store, >= 2. Default 2. */
  readonly activeConnectionIdLimit: number;
  /** SCID of the sender's first long header, 0..20 bytes. Required. */
  readonly initialSourceConnectionId: Uint8Array;
  /** Most concurrently open paths, 1..256. Default 1 (single path). */
  readonly maxPaths: number;
  /** AEAD ids in preference order, no duplicates, must include 1. Unknown ids are kept. Default [1]. */
  readonly supportedAeads: readonly number[];
  /** Extension ids, no duplicates. Unknown ids are kept (and ignored by negotiation). Default []. */
  readonly extensions: readonly number[];
}

type IntParamKey = 'maxIdleTimeoutMs' | 'maxUdpPayloadSize' | 'initialMaxData' | 'ackDelayExponent' | 'maxAckDelayMs' | 'activeConnectionIdLimit' | 'maxPaths';

interface IntParamSpec {
  readonly key: IntParamKey;
  readonly id: number;
  readonly min: number;
  readonly max: number;
  readonly defaultValue: number;
}

/** Integer parameters: id, bounds (inclusive) and default. The docs table mirrors this. */
const INT_PARAMS: readonly IntParamSpec[] = [
  { key: 'maxIdleTimeoutMs', id: TransportParamId.maxIdleTimeoutMs, min: 0, max: MAX_VARINT, defaultValue: 0 },
  { key: 'maxUdpPayloadSize', id: TransportParamId.maxUdpPayloadSize, min: MIN_PROBE_SIZE, max: MAX_PROBE_SIZE, defaultValue: 65_527 },
  { key: 'initialMaxData', id: TransportParamId.initialMaxData, min: 0, max: MAX_VARINT, defaultValue: 0 },
  { key: 'ackDelayExponent', id: TransportParamId.ackDelayExponent, min: 0, max: 20, defaultValue: 3 },
  { key: 'maxAckDelayMs', id: TransportParamId.maxAckDelayMs, min: 0, max: 16_383, defaultValue: 25 },
  { key: 'activeConnectionIdLimit', id: TransportParamId.activeConnectionIdLimit, min: 2, max: MAX_VARINT, defaultValue: 2 },
  { key: 'maxPaths', id: TransportParamId.maxPaths, min: 1, max: 256, defaultValue: 1 },
];

const INT_PARAM_BY_ID: ReadonlyMap<number, IntParamSpec> = new Map(INT_PARAMS.map((spec) => [spec.id, spec]));

/** Transport parameters with every default and the given required SCID. */
export function defaultTransportParams(initialSourceConnectionId: Uint8Array): TransportParams {
  return {
    maxIdleTimeoutMs: 0,
    maxUdpPayloadSize: 65_527,
    initialMaxData: 0,
    ackDelayExponent: 3,
    maxAckDelayMs: 25,
    disableActiveMigration: false,
    activeConnectionIdLimit: 2,
    initialSourceConnectionId,
    maxPaths: 1,
    supportedAeads: [AeadId.Aes256Gcm],
    extensions: [],
  };
}

function hasDuplicates(list: readonly number[]): boolean {
  return new Set(list).size !== list.length;
}

function sameList(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Describes the first out-of-range field of `params`, or returns undefined if all are valid. */
function findProblem(params: TransportParams): string | undefined {
  for (const spec of INT_PARAMS) {
    const v = params[spec.key];
    if (!(Number.isInteger(v) && v >= spec.min && v <= spec.max)) return `${spec.key} ${v} outside ${spec.min}..${spec.max}`;
  }
  if (params.initialSourceConnectionId.length > MAX_CID_LENGTH) return 'initialSourceConnectionId longer than 20 bytes';
  if (params.statelessResetToken !== undefined && params.statelessResetToken.length !== STATELESS_RESET_TOKEN_LENGTH) {
    return 'statelessResetToken must be 16 bytes';
  }
  if (!params.supportedAeads.includes(AeadId.Aes256Gcm)) return 'supportedAeads must include AES-256-GCM (1)';
  if (hasDuplicates(params.supportedAeads)) return 'supportedAeads has duplicates';
  if (hasDuplicates(params.extensions)) return 'extensions has duplicates';
  for (const v of [...params.supportedAeads, ...params.extensions]) {
    if (!(Number.isSafeInteger(v) && v >= 0)) return `list entry ${v} is not a varint`;
  }
  return undefined;
}

/** Checks every field's range and list rules; `InvalidField` describes the first problem. */
export function validateTransportParams(params: TransportParams): Result<TransportParams, WireError> {
  const problem = findProblem(params);
  return problem === undefined ? ok(params) : err(wireError('InvalidField', 0, `transport parameters: ${problem}`));
}

function listLength(list: readonly number[]): number {
  let n = 0;
  for (const v of list) n += varintLength(v);
  return n;
}

function paramLength(id: number, valueLength: number): number {
  return varintLength(id) + varintLength(valueLength) + valueLength;
}

/**
 * Encoded size of `params` in bytes (defaults omitted).
 * @throws RangeError if a value is not a varint.
 */
export function transportParamsLength(params: TransportParams): number {
  const defaults = defaultTransportParams(params.initialSourceConnectionId);
  let n = 0;
  for (const spec of INT_PARAMS) {
    const v = params[spec.key];
    if (v !== defaults[spec.key]) n += paramLength(spec.id, varintLength(v));
  }
  if (params.statelessResetToken !== undefined) n += paramLength(TransportParamId.statelessResetToken, STATELESS_RESET_TOKEN_LENGTH);
  if (params.disableActiveMigration) n += paramLength(TransportParamId.disableActiveMigration, 0);
  n += paramLength(TransportParamId.initialSourceConnectionId, params.initialSourceConnectionId.length);
  if (!sameList(params.supportedAeads, defaults.supportedAeads)) {
    n += paramLength(TransportParamId.supportedAeads, listLength(params.supportedAeads));
  }
  if (params.extensions.length > 0) n += paramLength(TransportParamId.extensions, listLength(params.extensions));
  return n;
}

/**
 * Writes `params` at `buf[offset]`, omitting those equal to their default.
 * @returns the offset just past the encoding.
 * @throws RangeError if `params` fails {@link validateTransportParams} or `buf` is too small.
 */
export function encodeTransportParams(buf: Uint8Array, offset: number, params: TransportParams): number {
  const problem = findProblem(params);
  if (problem !== undefined) throw new RangeError(`transport parameters: ${problem}`);
  const defaults = defaultTransportParams(params.initialSourceConnectionId);
  let p = offset;
  for (const spec of INT_PARAMS) {
    const v = params[spec.key];
    if (v === defaults[spec.key]) continue;
    p = writeVarint(buf, p, spec.id);
    p = writeVarint(buf, p, varintLength(v));
    p = writeVarint(buf, p, v);
  }
  if (params.statelessResetToken !== undefined) {
    p = writeVarint(buf, p, TransportParamId.statelessResetToken);
    p = writeVarint(buf, p, STATELESS_RESET_TOKEN_LENGTH);
    p = writeBytes(buf, p, params.statelessResetToken);
  }
  if (params.disableActiveMigration) {
    p = writeVarint(buf, p, TransportParamId.disableActiveMigration);
    p = writeVarint(buf, p, 0);
  }
  p = writeVarint(buf, p, TransportParamId.initialSourceConnectionId);
  p = writeVarint(buf, p, params.initialSourceConnectionId.length);
  p = writeBytes(buf, p, params.initialSourceConnectionId);
  const lists: [number, readonly number[], boolean][] = [
    [TransportParamId.supportedAeads, params.supportedAeads, !sameList(params.supportedAeads, defaults.supportedAeads)],
    [TransportParamId.extensions, params.extensions, params.extensions.length > 0],
  ];
  for (const [id, list, present] of lists) {
    if (!present) continue;
    p = writeVarint(buf, p, id);
    p = writeVarint(buf, p, listLength(list));
    for (const v of list) p = writeVarint(buf, p, v);
  }
  return p;
}

/** Encodes `params` into a new, exactly sized Uint8Array. Throws as {@link encodeTransportParams}. */
export function serializeTransportParams(params: TransportParams): Uint8Array {
  const out = new Uint8Array(transportParamsLength(params));
  encodeTransportParams(out, 0, params);
  return out;
}

/** Reads a value that is a list of varints filling it exactly; `undefined` and an error in `r` on failure. */
function readList(r: Reader): number[] | undefined {
  const list: number[] = [];
  while (r.remaining > 0) list.push(r.varint('list entry'));
  return r.error === undefined ? list : undefined;
}

/**
 * Decodes transport parameters filling all of `bytes`, applying defaults for
 * absent ones and skipping unknown ids.
 *
 * Errors: `Truncated` / `VarintOverflow` for malformed framing;
 * `DuplicateParameter` for a repeated id (known or not); `InvalidField` for a
 * value of the wrong size or out of range, a list with duplicates, or
 * supported_aeads without AES-256-GCM; `MissingParameter` if
 * initial_source_connection_id is absent.
 */
export function decodeTransportParams(bytes: Uint8Array): Result<TransportParams, WireError> {
  const r = new Reader(bytes);
  const seen = new Set<number>();
  const ints: Record<IntParamKey, number> = {
    maxIdleTimeoutMs: 0,
    maxUdpPayloadSize: 65_527,
    initialMaxData: 0,
    ackDelayExponent: 3,
    maxAckDelayMs: 25,
    activeConnectionIdLimit: 2,
    maxPaths: 1,
  };
  let statelessResetToken: Uint8Array | undefined;
  let disableActiveMigration = false;
  let initialSourceConnectionId: Uint8Array | undefined;
  let supportedAeads: number[] = [AeadId.Aes256Gcm];
  let extensions: number[] = [];

  while (r.pos < r.end) {
    const at = r.pos;
    const id = r.varint('parameter id');
    const length = r.varint('parameter length');
    const valueAt = r.pos;
    const value = r.bytes(length, 'parameter value');
    if (r.error !== undefined) return err(r.error);
    if (seen.has(id)) return err(wireError('DuplicateParameter', at, `transport parameter 0x${id.toString(16)} repeated`));
    seen.add(id);
    const v = new Reader(value);
    const bad = (what: string): Result<TransportParams, WireError> =>
      err(wireError('InvalidField', valueAt, `transport parameter 0x${id.toString(16)}: ${what}`));

    const spec = INT_PARAM_BY_ID.get(id);
    if (spec !== undefined) {
      const n = v.varint(spec.key);
      if (v.error !== undefined) return err(wireError(v.error.kind, valueAt + v.error.offset, v.error.message));
      if (v.pos !== v.end) return bad('value longer than its varint');
      if (n < spec.min || n > spec.max) return bad(`${spec.key} ${n} outside ${spec.min}..${spec.max}`);
      ints[spec.key] = n;
      continue;
    }
    switch (id) {
      case TransportParamId.statelessResetToken:
        if (value.length !== STATELESS_RESET_TOKEN_LENGTH) return bad('stateless reset token must be 16 bytes');
        statelessResetToken = value;
        break;
      case TransportParamId.disableActiveMigration:
        if (value.length !== 0) return bad('flag must be empty');
        disableActiveMigration = true;
        break;
      case TransportParamId.initialSourceConnectionId:
        if (value.length > MAX_CID_LENGTH) return bad('connection id longer than 20 bytes');
        initialSourceConnectionId = value;
        break;
      case TransportParamId.supportedAeads:
      case TransportParamId.extensions: {
        const list = readList(v);
        if (list === undefined) {
          const e = v.error as WireError;
          return err(wireError(e.kind, valueAt + e.offset, e.message));
        }
        if (hasDuplicates(list)) return bad('list has duplicates');
        if (id === TransportParamId.supportedAeads) {
          if (!list.includes(AeadId.Aes256Gcm)) return bad('supported AEADs must include AES-256-GCM (1)');
          supportedAeads = list;
        } else {
          extensions = list;
        }
        break;
      }
      default:
        // Unknown: skipped, for forward compatibility (RFC 9000 §7.4.2).
        break;
    }
  }
  if (initialSourceConnectionId === undefined) {
    return err(wireError('MissingParameter', bytes.length, 'initial_source_connection_id is required'));
  }
  const params: TransportParams = {
    ...ints,
    disableActiveMigration,
    initialSourceConnectionId,
    supportedAeads,
    extensions,
    ...(statelessResetToken === undefined ? {} : { statelessResetToken }),
  };
  return ok(params);
}

/**
 * The extensions a connection uses: those both peers listed, in `local` order.
 * Unknown ids can appear in a peer's list; they match nothing locally.
 */
export function commonExtensions(local: readonly number[], remote: readonly number[]): number[] {
  return local.filter((id) => remote.includes(id));
}
