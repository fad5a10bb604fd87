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
    for (const key of ['statelessResetToken', 'originalDestinationConnectionId', 'retrySourceConnectionId']) {
      expect(key in d, key).toBe(false);
      expect(key in defaultTransportParams(iscid), key).toBe(false);
    }
  });

  it('gives defaultTransportParams and the decoder the same defaults, and a fresh object each time', () => {
    const a = defaultTransportParams(new Uint8Array(0));
    const b = defaultTransportParams(new Uint8Array(0));
    expect(a).toEqual(b);
    expect(a.supportedAeads).not.toBe(b.supportedAeads);
    expect(decodeTransportParams(raw([TransportParamId.initialSourceConnectionId, []]))._unsafeUnwrap()).toEqual(a);
  });

  it('carries the Retry-authentication CIDs (RFC 9000 §7.3) with their documented ids', () => {
    const base = defaultTransportParams(Uint8Array.from([9, 9]));
    const odcid = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
    const rscid = Uint8Array.from([0xaa, 0xbb, 0xcc]);
    const server: TransportParams = { ...base, originalDestinationConnectionId: odcid, retrySourceConnectionId: rscid };
    const bytes = serializeTransportParams(server);
    expect([...bytes]).toEqual([0x00, 8, ...odcid, 0x0f, 2, 9, 9, 0x10, 3, ...rscid]);
    expect(decodeTransportParams(bytes)._unsafeUnwrap()).toEqual(server);
    // a zero-length CID is legal and distinct from an absent one
    const empty: TransportParams = { ...base, originalDestinationConnectionId: new Uint8Array(0) };
    expect([...serializeTransportParams(empty)]).toEqual([0x00, 0, 0x0f, 2, 9, 9]);
    expect(decodeTransportParams(serializeTransportParams(empty))._unsafeUnwrap()).toEqual(empty);
    // 20 bytes is the limit, in both directions
    const at20 = raw(ISCID, [TransportParamId.retrySourceConnectionId, new Array<number>(20).fill(7)]);
    expect(decodeTransportParams(at20)._unsafeUnwrap().retrySourceConnectionId?.length).toBe(20);
    for (const id of [TransportParamId.originalDestinationConnectionId, TransportParamId.retrySourceConnectionId]) {
      expect(decodeTransportParams(raw(ISCID, [id, new Array<number>(21).fill(7)]))._unsafeUnwrapErr()).toMatchObject({ kind: 'InvalidField', offset: 12 });
      expect(decodeTransportParams(raw(ISCID, [id, [1]], [id, [1]]))._unsafeUnwrapErr().kind).toBe('DuplicateParameter');
    }
    for (const bad of [{ ...base, originalDestinationConnectionId: new Uint8Array(21) }, { ...base, retrySourceConnectionId: new Uint8Array(21) }]) {
      expect(validateTransportParams(bad)._unsafeUnwrapErr().kind).toBe('InvalidField');
      expect(() => serializeTransportParams(bad)).toThrow(RangeError);
    }
  });

  it('reports errors inside a value at their offset in the whole input', () => {
    // ISCID takes bytes 0..9; the max_paths value starts at 12 and its varint is cut short
    expect(decodeTransportParams(raw(ISCID, [TransportParamId.maxPaths, [0x40]]))._unsafeUnwrapErr()).toMatchObject({ kind: 'Truncated', offset: 12 });
    expect(decodeTransportParams(raw(ISCID, [TransportParamId.extensions, [1, 0x80]]))._unsafeUnwrapErr()).toMatchObject({ kind: 'Truncated', offset: 13 });
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
