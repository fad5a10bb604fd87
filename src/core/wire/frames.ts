import { err, ok, type Result } from 'neverthrow';
import { MAX_CID_LENGTH, STATELESS_RESET_TOKEN_LENGTH } from './connection-id.js';
import {
  DATA_FIN_BIT,
  DATA_LEN_BIT,
  FrameType,
  MAX_ACK_RANGES,
  MAX_PATH_ID,
  MAX_PROBE_SIZE,
  MAX_REASON_PHRASE_LENGTH,
  MIN_PROBE_SIZE,
  PATH_CHALLENGE_LENGTH,
  PathStatusCode,
  type AckFrame,
  type AckRange,
  type AddressFamily,
  type CloseFrame,
  type DataFrame,
  type Frame,
} from './frame-types.js';
import { Reader } from './reader.js';
import { MAX_VARINT, varintLength, writeVarint } from './varint.js';
import { wireError, type WireError } from './wire-error.js';
import { ensureRoom, writeBytes, writeU16, writeU8 } from './writer.js';

/**
 * Frame codec. Encoding writes into a caller-supplied buffer and returns the
 * new offset (no Result, no closure per frame); it throws RangeError only on
 * programmer error: a too-small buffer or a field the decoder would reject.
 * Decoding never throws; it returns the first error. Field layouts are in
 * docs/protocol.md §7.
 * @module
 */

/** The frame and the offset of the byte after it. */
export interface DecodedFrame {
  /** The decoded frame; byte fields are views into the input. */
  readonly frame: Frame;
  /** Offset just past the frame. */
  readonly next: number;
}

function addressLength(family: AddressFamily): number {
  return family === 4 ? 4 : 16;
}

/** Bytes of the DATA frame header (type, offset, optional length) for these values. */
export function dataFrameHeaderLength(offset: number, dataLength: number, explicitLength: boolean): number {
  return 1 + varintLength(offset) + (explicitLength ? varintLength(dataLength) : 0);
}

/**
 * Writes only the header of a DATA frame (type, offset, optional length); the
 * caller copies the `dataLength` bytes after it, e.g. straight from its send
 * buffer. Same checks as {@link encodeFrame}.
 * @returns the offset where the data goes.
 */
export function encodeDataFrameHeader(
  buf: Uint8Array,
  at: number,
  offset: number,
  dataLength: number,
  fin: boolean,
  explicitLength: boolean,
): number {
  if (!(offset + dataLength <= MAX_VARINT)) throw new RangeError(`data: end offset ${offset + dataLength} exceeds 2^53-1`);
  const type = FrameType.Data | (fin ? DATA_FIN_BIT : 0) | (explicitLength ? DATA_LEN_BIT : 0);
  let p = writeU8(buf, at, type);
  p = writeVarint(buf, p, offset);
  if (explicitLength) p = writeVarint(buf, p, dataLength);
  return p;
}

function checkPathId(pathId: number): void {
  if (!(pathId >= 0 && pathId <= MAX_PATH_ID && Number.isInteger(pathId))) throw new RangeError(`path id out of range: ${pathId}`);
}

function checkAck(frame: AckFrame): void {
  checkPathId(frame.pathId);
  if (frame.ranges.length > MAX_ACK_RANGES) throw new RangeError(`ack: ${frame.ranges.length} ranges exceed ${MAX_ACK_RANGES}`);
  let smallest = frame.largestAcked - frame.firstRange;
  if (smallest < 0) throw new RangeError('ack: first range below packet number 0');
  for (const range of frame.ranges) {
    smallest = smallest - range.gap - 2 - range.length;
    if (smallest < 0) throw new RangeError('ack: range below packet number 0');
  }
}

/**
 * Encoded size of `frame` in bytes, so callers can size buffers and decide
 * what fits in a packet.
 * @throws RangeError if a field is out of varint range.
 */
export function frameLength(frame: Frame): number {
  switch (frame.type) {
    case 'padding':
      return frame.length;
    case 'ping':
    case 'handshakeDone':
      return 1;
    case 'ack': {
      let n = 1 + varintLength(frame.pathId) + varintLength(frame.largestAcked) + varintLength(frame.ackDelay);
      n += varintLength(frame.ranges.length) + varintLength(frame.firstRange);
      for (const range of frame.ranges) n += varintLength(range.gap) + varintLength(range.length);
      return n;
    }
    case 'data':
      return dataFrameHeaderLength(frame.offset, frame.data.length, frame.explicitLength) + frame.data.length;
    case 'maxData':
      return 1 + varintLength(frame.maximumData);
    case 'dataBlocked':
      return 1 + varintLength(frame.limit);
    case 'reset':
      return 1 + varintLength(frame.applicationErrorCode) + varintLength(frame.finalSize);
    case 'newConnectionId':
      return (
        1 +
        varintLength(frame.pathId) +
        varintLength(frame.sequenceNumber) +
        varintLength(frame.retirePriorTo) +
        1 +
        frame.connectionId.length +
        STATELESS_RESET_TOKEN_LENGTH
      );
    case 'retireConnectionId':
      return 1 + varintLength(frame.pathId) + varintLength(frame.sequenceNumber);
    case 'pathChallenge':
    case 'pathResponse':
      return 1 + PATH_CHALLENGE_LENGTH;
    case 'addAddress':
      return 1 + varintLength(frame.addressId) + varintLength(frame.sequenceNumber) + 1 + addressLength(frame.family) + 2;
    case 'removeAddress':
      return 1 + varintLength(frame.addressId) + varintLength(frame.sequenceNumber);
    case 'pathStatus':
      return 1 + varintLength(frame.pathId) + varintLength(frame.sequenceNumber) + 1;
    case 'pathAbandon':
      return 1 + varintLength(frame.pathId) + varintLength(frame.reasonCode);
    case 'close':
      return (
        1 +
        varintLength(frame.reasonCode) +
        varintLength(frame.applicationErrorCode) +
        varintLength(frame.reason.length) +
        frame.reason.length
      );
    case 'mtuProbe':
      return 1 + varintLength(frame.probeSize);
  }
}

/**
 * Writes `frame` at `buf[offset]`.
 * @returns the offset just past the frame.
 * @throws RangeError on a too-small buffer or a field the decoder would reject
 *   (e.g. a CID of 0 or over 20 bytes, an ACK range below 0 or more than
 *   {@link MAX_ACK_RANGES} of them, a reason over 1024 bytes).
 */
export function encodeFrame(buf: Uint8Array, offset: number, frame: Frame): number {
  let p = offset;
  switch (frame.type) {
    case 'padding':
      if (!(frame.length >= 1 && Number.isInteger(frame.length))) throw new RangeError(`padding: bad length ${frame.length}`);
      ensureRoom(buf, p, frame.length);
      buf.fill(0, p, p + frame.length);
      return p + frame.length;
    case 'ping':
      return writeU8(buf, p, FrameType.Ping);
    case 'handshakeDone':
      return writeU8(buf, p, FrameType.HandshakeDone);
    case 'ack':
      checkAck(frame);
      p = writeU8(buf, p, FrameType.Ack);
      p = writeVarint(buf, p, frame.pathId);
      p = writeVarint(buf, p, frame.largestAcked);
      p = writeVarint(buf, p, frame.ackDelay);
      p = writeVarint(buf, p, frame.ranges.length);
      p = writeVarint(buf, p, frame.firstRange);
      for (const range of frame.ranges) {
        p = writeVarint(buf, p, range.gap);
        p = writeVarint(buf, p, range.length);
      }
      return p;
    case 'data':
      p = encodeDataFrameHeader(buf, p, frame.offset, frame.data.length, frame.fin, frame.explicitLength);
      return writeBytes(buf, p, frame.data);
    case 'maxData':
      p = writeU8(buf, p, FrameType.MaxData);
      return writeVarint(buf, p, frame.maximumData);
    case 'dataBlocked':
      p = writeU8(buf, p, FrameType.DataBlocked);
      return writeVarint(buf, p, frame.limit);
    case 'reset':
      p = writeU8(buf, p, FrameType.Reset);
      p = writeVarint(buf, p, frame.applicationErrorCode);
      return writeVarint(buf, p, frame.finalSize);
    case 'newConnectionId': {
      checkPathId(frame.pathId);
      const cidLength = frame.connectionId.length;
      if (cidLength < 1 || cidLength > MAX_CID_LENGTH) throw new RangeError(`new_connection_id: cid length ${cidLength}`);
      if (frame.statelessResetToken.length !== STATELESS_RESET_TOKEN_LENGTH) throw new RangeError('new_connection_id: token must be 16 bytes');
      if (frame.retirePriorTo > frame.sequenceNumber) throw new RangeError('new_connection_id: retire prior to > sequence number');
      p = writeU8(buf, p, FrameType.NewConnectionId);
      p = writeVarint(buf, p, frame.pathId);
      p = writeVarint(buf, p, frame.sequenceNumber);
      p = writeVarint(buf, p, frame.retirePriorTo);
      p = writeU8(buf, p, cidLength);
      p = writeBytes(buf, p, frame.connectionId);
      return writeBytes(buf, p, frame.statelessResetToken);
    }
    case 'retireConnectionId':
      checkPathId(frame.pathId);
      p = writeU8(buf, p, FrameType.RetireConnectionId);
      p = writeVarint(buf, p, frame.pathId);
      return writeVarint(buf, p, frame.sequenceNumber);
    case 'pathChallenge':
    case 'pathResponse':
      if (frame.data.length !== PATH_CHALLENGE_LENGTH) throw new RangeError(`${frame.type}: data must be 8 bytes`);
      p = writeU8(buf, p, frame.type === 'pathChallenge' ? FrameType.PathChallenge : FrameType.PathResponse);
      return writeBytes(buf, p, frame.data);
    case 'addAddress':
      if (frame.family !== 4 && frame.family !== 6) throw new RangeError(`add_address: bad family ${String(frame.family)}`);
      if (frame.address.length !== addressLength(frame.family)) throw new RangeError('add_address: address length does not match family');
      if (frame.port === 0) throw new RangeError('add_address: port 0');
      p = writeU8(buf, p, FrameType.AddAddress);
      p = writeVarint(buf, p, frame.addressId);
      p = writeVarint(buf, p, frame.sequenceNumber);
      p = writeU8(buf, p, frame.family);
      p = writeBytes(buf, p, frame.address);
      return writeU16(buf, p, frame.port);
    case 'removeAddress':
      p = writeU8(buf, p, FrameType.RemoveAddress);
      p = writeVarint(buf, p, frame.addressId);
      return writeVarint(buf, p, frame.sequenceNumber);
    case 'pathStatus': {
      checkPathId(frame.pathId);
      const status = PathStatusCode[frame.status] as number | undefined;
      if (status === undefined) throw new RangeError(`path_status: bad status ${String(frame.status)}`);
      p = writeU8(buf, p, FrameType.PathStatus);
      p = writeVarint(buf, p, frame.pathId);
      p = writeVarint(buf, p, frame.sequenceNumber);
      return writeU8(buf, p, status);
    }
    case 'pathAbandon':
      checkPathId(frame.pathId);
      p = writeU8(buf, p, FrameType.PathAbandon);
      p = writeVarint(buf, p, frame.pathId);
      return writeVarint(buf, p, frame.reasonCode);
    case 'close':
      if (frame.reason.length > MAX_REASON_PHRASE_LENGTH) throw new RangeError(`close: reason of ${frame.reason.length} bytes exceeds 1024`);
      p = writeU8(buf, p, FrameType.Close);
      p = writeVarint(buf, p, frame.reasonCode);
      p = writeVarint(buf, p, frame.applicationErrorCode);
      p = writeVarint(buf, p, frame.reason.length);
      return writeBytes(buf, p, frame.reason);
    case 'mtuProbe':
      if (!(frame.probeSize >= MIN_PROBE_SIZE && frame.probeSize <= MAX_PROBE_SIZE)) throw new RangeError(`mtu_probe: size ${frame.probeSize}`);
      p = writeU8(buf, p, FrameType.MtuProbe);
      return writeVarint(buf, p, frame.probeSize);
  }
}

/**
 * Writes `frames` back to back at `buf[offset]`.
 * @returns the offset just past the last frame.
 * @throws RangeError as {@link encodeFrame}, or if a DATA frame without a
 *   Length field is not last (it would swallow the frames after it).
 */
export function encodeFrames(buf: Uint8Array, offset: number, frames: readonly Frame[]): number {
  let p = offset;
  for (let i = 0; i < frames.length; i++) {
    const frame = frames[i] as Frame;
    if (frame.type === 'data' && !frame.explicitLength && i !== frames.length - 1) {
      throw new RangeError('data without length must be the last frame');
    }
    p = encodeFrame(buf, p, frame);
  }
  return p;
}

/** Reads a path id varint and records `InvalidField` if it exceeds 32 bits. */
function readPathId(r: Reader): number {
  const at = r.pos;
  const pathId = r.varint('path id');
  if (pathId > MAX_PATH_ID) r.fail('InvalidField', `path id ${pathId} exceeds 2^32-1`, at);
  return pathId;
}

function readAck(r: Reader): AckFrame | undefined {
  const pathId = readPathId(r);
  const largestAcked = r.varint('largest acknowledged');
  const ackDelay = r.varint('ack delay');
  const countAt = r.pos;
  const rangeCount = r.varint('ack range count');
  const firstRangeAt = r.pos;
  const firstRange = r.varint('first ack range');
  if (r.error !== undefined) return undefined;
  // Both checks come before the ranges are read, so a hostile count neither
  // sizes an array nor drives a long loop. The cap bounds the work an
  // authenticated peer can ask for (docs/protocol.md §7.3).
  if (rangeCount > MAX_ACK_RANGES) {
    r.fail('InvalidField', `ack: range count ${rangeCount} exceeds ${MAX_ACK_RANGES}`, countAt);
    return undefined;
  }
  // Each range takes at least two bytes: a count beyond that is a lie.
  if (rangeCount > r.remaining / 2) {
    r.fail('Truncated', `ack: ${rangeCount} ranges cannot fit in ${r.remaining} bytes`, countAt);
    return undefined;
  }
  // RFC 9000 §19.3.1: every smallest packet number must stay >= 0.
  let smallest = largestAcked - firstRange;
  if (smallest < 0) {
    r.fail('InvalidField', 'ack: first range below packet number 0', firstRangeAt);
    return undefined;
  }
  const ranges: AckRange[] = [];
  for (let i = 0; i < rangeCount; i++) {
    const at = r.pos;
    const gap = r.varint('ack gap');
    const length = r.varint('ack range length');
    if (r.error !== undefined) return undefined;
    smallest = smallest - gap - 2 - length;
    if (smallest < 0) {
      r.fail('InvalidField', `ack: range ${i} below packet number 0`, at);
      return undefined;
    }
    ranges.push({ gap, length });
  }
  return { type: 'ack', pathId, largestAcked, ackDelay, firstRange, ranges };
}

function readData(r: Reader, typeCode: number): DataFrame | undefined {
  const offset = r.varint('data offset');
  const explicitLength = (typeCode & DATA_LEN_BIT) !== 0;
  const data = explicitLength ? r.bytes(r.varint('data length'), 'data') : r.rest();
  if (r.error !== undefined) return undefined;
  // RFC 9000 §19.8: the end of the data must itself be a representable offset.
  if (offset + data.length > MAX_VARINT) {
    r.fail('InvalidField', 'data: end offset exceeds 2^53-1');
    return undefined;
  }
  return { type: 'data', offset, data, fin: (typeCode & DATA_FIN_BIT) !== 0, explicitLength };
}

/**
 * Decodes one frame at `r.pos` and advances past it. The allocation-light form
 * for the engine's receive loop: on failure it returns undefined and leaves
 * the error in `r.error`. Byte fields are views into `r.buf`.
 */
export function readFrame(r: Reader): Frame | undefined {
  const start = r.pos;
  const first = r.u8('frame type');
  if (r.error !== undefined) return undefined;
  if (first >= 0x40) {
    // A multi-byte varint: either a non-minimal encoding of a known code, or a code mpt does not define.
    r.pos = start;
    const code = r.varint('frame type');
    if (r.error !== undefined) return undefined;
    if (code < 0x40) r.fail('InvalidField', `frame type 0x${code.toString(16)} not minimally encoded`, start);
    else r.fail('UnknownFrameType', `unknown frame type 0x${code.toString(16)}`, start);
    return undefined;
  }
  switch (first) {
    case FrameType.Padding: {
      let p = r.pos;
      const end = r.end;
      const b = r.buf;
      while (p < end && b[p] === 0) p++;
      r.pos = p;
      return { type: 'padding', length: p - start };
    }
    case FrameType.Ping:
      return { type: 'ping' };
    case FrameType.HandshakeDone:
      return { type: 'handshakeDone' };
    case FrameType.Ack:
      return readAck(r);
    case FrameType.Data:
    case FrameType.Data | DATA_FIN_BIT:
    case FrameType.Data | DATA_LEN_BIT:
    case FrameType.Data | DATA_LEN_BIT | DATA_FIN_BIT:
      return readData(r, first);
    case FrameType.MaxData: {
      const maximumData = r.varint('maximum data');
      return r.error === undefined ? { type: 'maxData', maximumData } : undefined;
    }
    case FrameType.DataBlocked: {
      const limit = r.varint('data limit');
      return r.error === undefined ? { type: 'dataBlocked', limit } : undefined;
    }
    case FrameType.Reset: {
      const applicationErrorCode = r.varint('application error code');
      const finalSize = r.varint('final size');
      return r.error === undefined ? { type: 'reset', applicationErrorCode, finalSize } : undefined;
    }
    case FrameType.NewConnectionId: {
      const pathId = readPathId(r);
      const sequenceNumber = r.varint('sequence number');
      const retireAt = r.pos;
      const retirePriorTo = r.varint('retire prior to');
      const lengthAt = r.pos;
      const cidLength = r.u8('cid length');
      if (r.error !== undefined) return undefined;
      // RFC 9000 §19.15: both are FRAME_ENCODING_ERROR.
      if (retirePriorTo > sequenceNumber) {
        r.fail('InvalidField', 'new_connection_id: retire prior to exceeds sequence number', retireAt);
        return undefined;
      }
      if (cidLength < 1 || cidLength > MAX_CID_LENGTH) {
        r.fail('InvalidField', `new_connection_id: cid length ${cidLength}`, lengthAt);
        return undefined;
      }
      const connectionId = r.bytes(cidLength, 'connection id');
      const statelessResetToken = r.bytes(STATELESS_RESET_TOKEN_LENGTH, 'stateless reset token');
      if (r.error !== undefined) return undefined;
      return { type: 'newConnectionId', pathId, sequenceNumber, retirePriorTo, connectionId, statelessResetToken };
    }
    case FrameType.RetireConnectionId: {
      const pathId = readPathId(r);
      const sequenceNumber = r.varint('sequence number');
      return r.error === undefined ? { type: 'retireConnectionId', pathId, sequenceNumber } : undefined;
    }
    case FrameType.PathChallenge:
    case FrameType.PathResponse: {
      // Same layout (8 bytes); only the type differs.
      const data = r.bytes(PATH_CHALLENGE_LENGTH, 'path challenge data');
      if (r.error !== undefined) return undefined;
      return first === FrameType.PathChallenge ? { type: 'pathChallenge', data } : { type: 'pathResponse', data };
    }
    case FrameType.AddAddress: {
      const addressId = r.varint('address id');
      const sequenceNumber = r.varint('sequence number');
      const familyAt = r.pos;
      const family = r.u8('address family');
      if (r.error !== undefined) return undefined;
      if (family !== 4 && family !== 6) {
        r.fail('InvalidField', `add_address: unknown family ${family}`, familyAt);
        return undefined;
      }
      const address = r.bytes(addressLength(family), 'address');
      const portAt = r.pos;
      const port = r.u16('port');
      if (r.error !== undefined) return undefined;
      if (port === 0) {
        r.fail('InvalidField', 'add_address: port 0', portAt);
        return undefined;
      }
      return { type: 'addAddress', addressId, sequenceNumber, family, address, port };
    }
    case FrameType.RemoveAddress: {
      const addressId = r.varint('address id');
      const sequenceNumber = r.varint('sequence number');
      return r.error === undefined ? { type: 'removeAddress', addressId, sequenceNumber } : undefined;
    }
    case FrameType.PathStatus: {
      const pathId = readPathId(r);
      const sequenceNumber = r.varint('sequence number');
      const statusAt = r.pos;
      const code = r.u8('path status');
      if (r.error !== undefined) return undefined;
      if (code === PathStatusCode.available) return { type: 'pathStatus', pathId, sequenceNumber, status: 'available' };
      if (code === PathStatusCode.backup) return { type: 'pathStatus', pathId, sequenceNumber, status: 'backup' };
      r.fail('InvalidField', `path_status: unknown status ${code}`, statusAt);
      return undefined;
    }
    case FrameType.PathAbandon: {
      const pathId = readPathId(r);
      const reasonCode = r.varint('reason code');
      return r.error === undefined ? { type: 'pathAbandon', pathId, reasonCode } : undefined;
    }
    case FrameType.Close: {
      const reasonCode = r.varint('reason code');
      const applicationErrorCode = r.varint('application error code');
      const lengthAt = r.pos;
      const length = r.varint('reason length');
      if (r.error !== undefined) return undefined;
      if (length > MAX_REASON_PHRASE_LENGTH) {
        r.fail('InvalidField', `close: reason of ${length} bytes exceeds 1024`, lengthAt);
        return undefined;
      }
      const reason = r.bytes(length, 'reason phrase');
      return r.error === undefined ? { type: 'close', reasonCode, applicationErrorCode, reason } : undefined;
    }
    case FrameType.MtuProbe: {
      const at = r.pos;
      const probeSize = r.varint('probe size');
      if (r.error !== undefined) return undefined;
      if (probeSize < MIN_PROBE_SIZE || probeSize > MAX_PROBE_SIZE) {
        r.fail('InvalidField', `mtu_probe: size ${probeSize} outside 1200..65527`, at);
        return undefined;
      }
      return { type: 'mtuProbe', probeSize };
    }
    default:
      r.fail('UnknownFrameType', `unknown frame type 0x${first.toString(16)}`, start);
      return undefined;
  }
}

/**
 * Decodes one frame at `bytes[offset]`; the frame may run to the end of `bytes`
 * (a DATA frame without Length does).
 */
export function decodeFrame(bytes: Uint8Array, offset: number): Result<DecodedFrame, WireError> {
  if (!(offset >= 0 && offset <= bytes.length && Number.isInteger(offset))) {
    return err(wireError('Truncated', offset, 'frame: offset outside input'));
  }
  const r = new Reader(bytes, offset);
  const frame = readFrame(r);
  if (frame === undefined) return err(r.error ?? wireError('InvalidField', offset, 'frame: undecodable'));
  return ok({ frame, next: r.pos });
}

/**
 * Decodes every frame of a decrypted packet payload. Stops at the first bad
 * frame and returns its error (frames are not self-delimiting, so nothing
 * after it can be trusted; RFC 9000 §12.4 makes that a connection error).
 * An empty payload is an `InvalidField` error: a packet must carry a frame (RFC 9000 §12.4).
 */
export function decodeFrames(payload: Uint8Array): Result<Frame[], WireError> {
  if (payload.length === 0) return err(wireError('InvalidField', 0, 'frames: empty payload'));
  const r = new Reader(payload);
  const frames: Frame[] = [];
  while (r.pos < r.end) {
    const frame = readFrame(r);
    if (frame === undefined) return err(r.error ?? wireError('InvalidField', r.pos, 'frame: undecodable'));
    frames.push(frame);
  }
  return ok(frames);
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: false });
const utf8Encoder = new TextEncoder();

/**
 * The reason phrase of a CLOSE frame as text. Invalid UTF-8 (the phrase is
 * peer-controlled) becomes U+FFFD replacement characters; never throws.
 */
export function closeReasonText(frame: CloseFrame): string {
  return utf8Decoder.decode(frame.reason);
}

/**
 * Builds a CLOSE frame, encoding `text` as UTF-8 and cutting it at a character
 * boundary so it fits in {@link MAX_REASON_PHRASE_LENGTH} bytes.
 */
export function makeCloseFrame(reasonCode: number, applicationErrorCode: number, text: string): CloseFrame {
  let reason = utf8Encoder.encode(text);
  if (reason.length > MAX_REASON_PHRASE_LENGTH) {
    let end = MAX_REASON_PHRASE_LENGTH;
    // Back up over continuation bytes (10xxxxxx) so no character is split.
    while (end > 0 && ((reason[end] as number) & 0xc0) === 0x80) end--;
    reason = reason.subarray(0, end);
  }
  return { type: 'close', reasonCode, applicationErrorCode, reason };
}
