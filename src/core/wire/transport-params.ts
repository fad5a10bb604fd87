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
 *
 * The three connection ID parameters authenticate the CIDs of the handshake's
 * unauthenticated long headers (RFC 9000 §7.3): each side's
 * initial_source_connection_id, and from the server the client's original DCID
 * and, after a Retry, the Retry's SCID. The codec only carries them; the
 * engine compares them with what it saw on the wire (docs/protocol.md §3.3).
 * @module
 */

/** Transport parameter ids. */
export const TransportParamId = {
  /** The DCID of the client's first Initial, 0..20 bytes (server only; RFC 9000 §7.3). */
  originalDestinationConnectionId: 0x00,
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
  /** The SCID of the Retry the server sent, 0..20 bytes (server only, and only after a Retry; RFC 9000 §7.3). */
  retrySourceConnectionId: 0x10,
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
  /**
   * DCID of the client's first Initial, 0..20 bytes; sent by servers only,
   * absent by default. The client checks it against the DCID it sent (RFC 9000 §7.3).
   */
  readonly originalDestinationConnectionId?: Uint8Array;
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
  /**
   * SCID of the Retry packet the server sent, 0..20 bytes; sent by servers
   * only and only after a Retry, absent by default. The client checks it
   * against the Retry it received (RFC 9000 §7.3).
   */
  readonly retrySourceConnectionId?: Uint8Array;
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

/**
 * Integer parameters: id, bounds (inclusive) and default. The single source of
 * the integer defaults: {@link defaultTransportParams}, the encoder and the
 * decoder all read them from here. The docs table mirrors this.
 */
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

/** The integer defaults of `INT_PARAMS`, keyed by field. */
const INT_DEFAULTS = Object.fromEntries(INT_PARAMS.map((spec) => [spec.key, spec.defaultValue])) as Readonly<Record<IntParamKey, number>>;

type CidParamKey = 'originalDestinationConnectionId' | 'initialSourceConnectionId' | 'retrySourceConnectionId';

/** Connection ID parameters, in encoding order: each is 0..20 bytes of CID. Only initial_source_connection_id is required. */
const CID_PARAMS: readonly { readonly key: CidParamKey; readonly id: number }[] = [
  { key: 'originalDestinationConnectionId', id: TransportParamId.originalDestinationConnectionId },
  { key: 'initialSourceConnectionId', id: TransportParamId.initialSourceConnectionId },
  { key: 'retrySourceConnectionId', id: TransportParamId.retrySourceConnectionId },
];

const CID_PARAM_BY_ID: ReadonlyMap<number, CidParamKey> = new Map(CID_PARAMS.map((spec) => [spec.id, spec.key]));

/** supported_aeads when absent: only the mandatory AES-256-GCM. */
const DEFAULT_SUPPORTED_AEADS: readonly number[] = [AeadId.Aes256Gcm];

/** Transport parameters with every default and the given required SCID; the optional ones are absent. */
export function defaultTransportParams(initialSourceConnectionId: Uint8Array): TransportParams {
  return {
    ...INT_DEFAULTS,
    disableActiveMigration: false,
    initialSourceConnectionId,
    supportedAeads: [...DEFAULT_SUPPORTED_AEADS],
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
  for (const { key } of CID_PARAMS) {
    const cid = params[key];
    if (cid !== undefined && cid.length > MAX_CID_LENGTH) return `${key} longer than ${MAX_CID_LENGTH} bytes`;
  }
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

/** `values` as back-to-back varints in a new array. Throws RangeError if one is not a varint. */
function varints(values: readonly number[]): Uint8Array {
  let n = 0;
  for (const v of values) n += varintLength(v);
  const out = new Uint8Array(n);
  let p = 0;
  for (const v of values) p = writeVarint(out, p, v);
  return out;
}

/**
 * The parameters the encoder sends, as `[id, value bytes]` in encoding order,
 * defaults left out. The one place that decides what is sent, so that
 * {@link transportParamsLength} and {@link encodeTransportParams} cannot
 * disagree. Allocates per parameter, which is fine: this runs once per handshake.
 * @throws RangeError if a value is not a varint.
 */
function paramsToSend(params: TransportParams): [number, Uint8Array][] {
  const out: [number, Uint8Array][] = [];
  for (const spec of INT_PARAMS) {
    const v = params[spec.key];
    if (v !== INT_DEFAULTS[spec.key]) out.push([spec.id, varints([v])]);
  }
  if (params.statelessResetToken !== undefined) out.push([TransportParamId.statelessResetToken, params.statelessResetToken]);
  if (params.disableActiveMigration) out.push([TransportParamId.disableActiveMigration, new Uint8Array(0)]);
  for (const { key, id } of CID_PARAMS) {
    const cid = params[key];
    if (cid !== undefined) out.push([id, cid]);
  }
  if (!sameList(params.supportedAeads, DEFAULT_SUPPORTED_AEADS)) out.push([TransportParamId.supportedAeads, varints(params.supportedAeads)]);
  if (params.extensions.length > 0) out.push([TransportParamId.extensions, varints(params.extensions)]);
  return out;
}

/**
 * Encoded size of `params` in bytes (defaults omitted).
 * @throws RangeError if a value is not a varint.
 */
export function transportParamsLength(params: TransportParams): number {
  let n = 0;
  for (const [id, value] of paramsToSend(params)) n += varintLength(id) + varintLength(value.length) + value.length;
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
  let p = offset;
  for (const [id, value] of paramsToSend(params)) {
    p = writeVarint(buf, p, id);
    p = writeVarint(buf, p, value.length);
    p = writeBytes(buf, p, value);
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

/** {@link TransportParams} while the decoder fills it in. */
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Decodes transport parameters filling all of `bytes`, applying defaults for
 * absent ones and skipping unknown ids.
 *
 * Errors: `Truncated` / `VarintOverflow` for malformed framing;
 * `DuplicateParameter` for a repeated id (known or not); `InvalidField` for a
 * value of the wrong size or out of range (including a connection ID over 20
 * bytes), a list with duplicates, or supported_aeads without AES-256-GCM;
 * `MissingParameter` if initial_source_connection_id is absent. Which side may
 * send original_destination_connection_id, retry_source_connection_id and
 * stateless_reset_token is the engine's to check: the codec does not know.
 */
export function decodeTransportParams(bytes: Uint8Array): Result<TransportParams, WireError> {
  const r = new Reader(bytes);
  const seen = new Set<number>();
  // Start from the defaults; the empty SCID is a placeholder until the required parameter arrives.
  const params: Mutable<TransportParams> = defaultTransportParams(new Uint8Array(0));
  let sawInitialSourceConnectionId = false;

  while (r.pos < r.end) {
    const at = r.pos;
    const id = r.varint('parameter id');
    const length = r.varint('parameter length');
    const valueAt = r.pos;
    const value = r.bytes(length, 'parameter value');
    if (r.error !== undefined) return err(r.error);
    if (seen.has(id)) return err(wireError('DuplicateParameter', at, `transport parameter 0x${id.toString(16)} repeated`));
    seen.add(id);
    // Reads the value in place, so its errors carry offsets into `bytes`.
    const v = new Reader(bytes, valueAt, valueAt + length);
    const bad = (what: string): Result<TransportParams, WireError> =>
      err(wireError('InvalidField', valueAt, `transport parameter 0x${id.toString(16)}: ${what}`));

    const spec = INT_PARAM_BY_ID.get(id);
    if (spec !== undefined) {
      const n = v.varint(spec.key);
      if (v.error !== undefined) return err(v.error);
      if (v.pos !== v.end) return bad('value longer than its varint');
      if (n < spec.min || n > spec.max) return bad(`${spec.key} ${n} outside ${spec.min}..${spec.max}`);
      params[spec.key] = n;
      continue;
    }
    const cidKey = CID_PARAM_BY_ID.get(id);
    if (cidKey !== undefined) {
      if (value.length > MAX_CID_LENGTH) return bad(`connection id longer than ${MAX_CID_LENGTH} bytes`);
      params[cidKey] = value;
      if (cidKey === 'initialSourceConnectionId') sawInitialSourceConnectionId = true;
      continue;
    }
    switch (id) {
      case TransportParamId.statelessResetToken:
        if (value.length !== STATELESS_RESET_TOKEN_LENGTH) return bad('stateless reset token must be 16 bytes');
        params.statelessResetToken = value;
        break;
      case TransportParamId.disableActiveMigration:
        if (value.length !== 0) return bad('flag must be empty');
        params.disableActiveMigration = true;
        break;
      case TransportParamId.supportedAeads:
      case TransportParamId.extensions: {
        const list = readList(v);
        if (list === undefined) return err(v.error as WireError);
        if (hasDuplicates(list)) return bad('list has duplicates');
        if (id === TransportParamId.supportedAeads) {
          if (!list.includes(AeadId.Aes256Gcm)) return bad('supported AEADs must include AES-256-GCM (1)');
          params.supportedAeads = list;
        } else {
          params.extensions = list;
        }
        break;
      }
      default:
        // Unknown: skipped, for forward compatibility (RFC 9000 §7.4.2).
        break;
    }
  }
  if (!sawInitialSourceConnectionId) {
    return err(wireError('MissingParameter', bytes.length, 'initial_source_connection_id is required'));
  }
  return ok(params);
}

/**
 * The extensions a connection uses: those both peers listed, in `local` order.
 * Unknown ids can appear in a peer's list; they match nothing locally.
 */
export function commonExtensions(local: readonly number[], remote: readonly number[]): number[] {
  return local.filter((id) => remote.includes(id));
}
