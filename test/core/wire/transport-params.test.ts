import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AeadId } from '../../../src/crypto/provider.js';
import {
  ExtensionId,
  TransportParamId,
  commonExtensions,
  decodeTransportParams,
  defaultTransportParams,
  encodeTransportParams,
  serializeTransportParams,
  transportParamsLength,
  validateTransportParams,
  writeVarint,
  type TransportParams,
} from '../../../src/core/wire/index.js';
import { transportParamsArb } from './arbitraries.js';

/** Encodes (id, value bytes) pairs as the raw parameter sequence. */
function raw(...params: [number, number[]][]): Uint8Array {
  const buf = new Uint8Array(4096);
  let p = 0;
  for (const [id, value] of params) {
    p = writeVarint(buf, p, id);
    p = writeVarint(buf, p, value.length);
    buf.set(value, p);
    p += value.length;
  }
  return buf.subarray(0, p);
}
const ISCID: [number, number[]] = [TransportParamId.initialSourceConnectionId, [1, 2, 3, 4, 5, 6, 7, 8]];

describe('transport parameters', () => {
  it('round-trip (property)', () => {
    fc.assert(
      fc.property(transportParamsArb, fc.nat(8), (params, pad) => {
        const buf = new Uint8Array(pad + transportParamsLength(params));
        expect(encodeTransportParams(buf, pad, params)).toBe(buf.length);
        expect(decodeTransportParams(buf.subarray(pad))._unsafeUnwrap()).toEqual(params);
      }),
      { numRuns: 500 },
    );
  });

  it('fills defaults and encodes only the required SCID when everything is default', () => {
    const iscid = Uint8Array.from([9, 9]);
    const bytes = serializeTransportParams(defaultTransportParams(iscid));
    expect([...bytes]).toEqual([0x0f, 2, 9, 9]);
    const d = decodeTransportParams(bytes)._unsafeUnwrap();
    expect(d).toEqual(defaultTransportParams(iscid));
    expect(d.maxUdpPayloadSize).toBe(65_527);
    expect(d.ackDelayExponent).toBe(3);
    expect(d.maxAckDelayMs).toBe(25);
    expect(d.supportedAeads).toEqual([AeadId.Aes256Gcm]);
    expect('statelessResetToken' in d).toBe(false);
  });

  it('skips unknown ids (forward compatibility), including greased ones', () => {
    const bytes = raw([0x1b, [1, 2, 3]], ISCID, [31 * 5 + 27, []], [0x3fff, [0xff, 0xff]], [TransportParamId.maxPaths, [8]]);
    const d = decodeTransportParams(bytes)._unsafeUnwrap();
    expect(d.maxPaths).toBe(8);
    expect([...d.initialSourceConnectionId]).toEqual(ISCID[1]);
  });

  it('rejects duplicate ids, known or unknown', () => {
    expect(decodeTransportParams(raw(ISCID, ISCID))._unsafeUnwrapErr().kind).toBe('DuplicateParameter');
    expect(decodeTransportParams(raw(ISCID, [0x99, []], [0x99, [1]]))._unsafeUnwrapErr().kind).toBe('DuplicateParameter');
  });

  it('requires initial_source_connection_id', () => {
    expect(decodeTransportParams(raw([TransportParamId.maxPaths, [2]]))._unsafeUnwrapErr().kind).toBe('MissingParameter');
  });

  it('rejects values out of range or of the wrong size', () => {
    const bad = (...p: [number, number[]][]): string => decodeTransportParams(raw(ISCID, ...p))._unsafeUnwrapErr().kind;
    expect(bad([TransportParamId.maxUdpPayloadSize, [0x44, 0xaf]])).toBe('InvalidField'); // 1199
    expect(decodeTransportParams(raw(ISCID, [TransportParamId.maxUdpPayloadSize, [0x44, 0xb0]])).isOk()).toBe(true); // 1200
    expect(bad([TransportParamId.ackDelayExponent, [21]])).toBe('InvalidField');
    expect(bad([TransportParamId.maxAckDelayMs, [0x80, 0, 0x40, 0]])).toBe('InvalidField'); // 2^14
    expect(bad([TransportParamId.activeConnectionIdLimit, [1]])).toBe('InvalidField');
    expect(bad([TransportParamId.maxPaths, [0]])).toBe('InvalidField');
    expect(bad([TransportParamId.maxPaths, [0x41, 0x01]])).toBe('InvalidField'); // 257
    expect(bad([TransportParamId.initialMaxData, [5, 0]])).toBe('InvalidField'); // value longer than its varint
    expect(bad([TransportParamId.initialMaxData, []])).toBe('Truncated');
    expect(bad([TransportParamId.initialMaxData, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]])).toBe('VarintOverflow');
    expect(bad([TransportParamId.disableActiveMigration, [0]])).toBe('InvalidField');
    expect(bad([TransportParamId.statelessResetToken, new Array<number>(15).fill(1)])).toBe('InvalidField');
    expect(bad([TransportParamId.supportedAeads, [2]])).toBe('InvalidField'); // AES-256-GCM is mandatory
    expect(bad([TransportParamId.supportedAeads, [1, 2, 1]])).toBe('InvalidField');
    expect(bad([TransportParamId.extensions, [2, 2]])).toBe('InvalidField');
    expect(decodeTransportParams(raw([TransportParamId.initialSourceConnectionId, new Array<number>(21).fill(0)]))._unsafeUnwrapErr().kind).toBe('InvalidField');
    // a length that runs past the end
    expect(decodeTransportParams(Uint8Array.from([0x0f, 9, 1, 2]))._unsafeUnwrapErr().kind).toBe('Truncated');
  });

  it('keeps unknown AEAD and extension ids in the lists, in order', () => {
    const d = decodeTransportParams(raw(ISCID, [TransportParamId.supportedAeads, [2, 0x30, 1]], [TransportParamId.extensions, [3, 0x25, 2]]))._unsafeUnwrap();
    expect(d.supportedAeads).toEqual([2, 0x30, 1]);
    expect(d.extensions).toEqual([3, 0x25, 2]);
  });

  it('negotiates the common extensions', () => {
    expect(commonExtensions([ExtensionId.PmtuProbe, ExtensionId.RedundantScheduling], [0x77, ExtensionId.PmtuProbe])).toEqual([ExtensionId.PmtuProbe]);
    expect(commonExtensions([ExtensionId.ZeroRtt], [])).toEqual([]);
  });

  it('validates and refuses to encode bad parameters', () => {
    const good = defaultTransportParams(new Uint8Array(8));
    const bads: TransportParams[] = [
      { ...good, maxUdpPayloadSize: 1000 },
      { ...good, ackDelayExponent: 21 },
      { ...good, supportedAeads: [2] },
      { ...good, extensions: [1, 1] },
      { ...good, initialSourceConnectionId: new Uint8Array(21) },
      { ...good, statelessResetToken: new Uint8Array(4) },
    ];
    expect(validateTransportParams(good).isOk()).toBe(true);
    for (const p of bads) {
      expect(validateTransportParams(p).isErr()).toBe(true);
      expect(() => serializeTransportParams(p)).toThrow(RangeError);
    }
  });
});
