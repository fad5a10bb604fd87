import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CID_LENGTH,
  WIRE_VERSION,
  decodeInvariantHeader,
  decodeLongHeader,
  decodeShortHeader,
  decodeVersionNegotiation,
  encodeLongHeader,
  encodeShortHeader,
  encodeVersionNegotiation,
  isLongHeader,
  longHeaderLength,
  shortHeaderLength,
  versionNegotiationLength,
  type HandshakeHeader,
  type InitialHeader,
  type LongHeader,
  type RetryPacket,
  type ShortHeader,
} from '../../../src/core/wire/index.js';
import { bytesArb, cidArb, truncatedPnArb } from './arbitraries.js';

const initialArb: fc.Arbitrary<InitialHeader> = fc
  .record({ dcid: cidArb, scid: cidArb, token: bytesArb(0, 80), pn: truncatedPnArb })
  .map(({ pn, ...f }) => ({ type: 'initial', version: WIRE_VERSION, ...f, ...pn }));
const handshakeArb: fc.Arbitrary<HandshakeHeader> = fc
  .record({ dcid: cidArb, scid: cidArb, pn: truncatedPnArb })
  .map(({ pn, ...f }) => ({ type: 'handshake', version: WIRE_VERSION, ...f, ...pn }));
const retryArb: fc.Arbitrary<RetryPacket> = fc
  .record({ dcid: cidArb, scid: cidArb, retryToken: bytesArb(1, 120) })
  .map((f) => ({ type: 'retry', version: WIRE_VERSION, ...f }));
const payloadArb = fc.oneof(bytesArb(0, 40), bytesArb(60, 1300));

/** Encodes a long header plus payload into an exactly sized buffer. */
function buildLong(header: LongHeader, payload: Uint8Array): Uint8Array {
  const size = longHeaderLength(header, payload.length) + (header.type === 'retry' ? 0 : payload.length);
  const buf = new Uint8Array(size);
  const p = encodeLongHeader(buf, 0, header, payload.length);
  if (header.type !== 'retry') {
    expect(p).toBe(longHeaderLength(header, payload.length));
    buf.set(payload, p);
  } else {
    expect(p).toBe(size);
  }
  return buf;
}

describe('long header (RFC 9000 §17.2)', () => {
  it('round-trips Initial and Handshake packets with their payload (property)', () => {
    fc.assert(
      fc.property(fc.oneof(initialArb, handshakeArb), payloadArb, (header, payload) => {
        const bytes = buildLong(header, payload);
        const d = decodeLongHeader(bytes)._unsafeUnwrap();
        const { headerLength, payloadLength, packetLength, ...fields } = d as typeof d & { headerLength: number; payloadLength: number };
        expect(fields).toEqual(header);
        expect(packetLength).toBe(bytes.length);
        expect(payloadLength).toBe(payload.length);
        expect(bytes.subarray(headerLength, packetLength)).toEqual(payload);
        expect(isLongHeader(bytes[0] as number)).toBe(true);
      }),
    );
  });

  it('round-trips Retry packets (property)', () => {
    fc.assert(
      fc.property(retryArb, (header) => {
        const bytes = buildLong(header, new Uint8Array(0));
        expect(decodeLongHeader(bytes)._unsafeUnwrap()).toEqual({ ...header, packetLength: bytes.length });
      }),
    );
  });

  it('delimits coalesced packets with the Length field', () => {
    fc.assert(
      fc.property(initialArb, payloadArb, handshakeArb, payloadArb, (h1, p1, h2, p2) => {
        const a = buildLong(h1, p1);
        const b = buildLong(h2, p2);
        const datagram = new Uint8Array(a.length + b.length);
        datagram.set(a);
        datagram.set(b, a.length);
        const first = decodeLongHeader(datagram)._unsafeUnwrap();
        expect(first.packetLength).toBe(a.length);
        const second = decodeLongHeader(datagram.subarray(first.packetLength))._unsafeUnwrap();
        expect(second.type).toBe('handshake');
        expect(second.packetLength).toBe(b.length);
      }),
    );
  });

  const sample: InitialHeader = {
    type: 'initial',
    version: WIRE_VERSION,
    dcid: new Uint8Array(8).fill(0xd),
    scid: new Uint8Array(8).fill(0x5),
    token: new Uint8Array(0),
    packetNumber: 7,
    packetNumberLength: 2,
  };
  // 1 + 4 + 1 + 8 + 1 + 8 = 23, token length (1) at 23, Length at 24, pn at 25..26
  const LENGTH_AT = 24;

  it('lays out an Initial exactly as docs/protocol.md says', () => {
    const bytes = buildLong(sample, new Uint8Array([0xaa, 0xbb, 0xcc]));
    expect(bytes[0]).toBe(0xc0 | (0 << 4) | 0x01);
    expect([...bytes.subarray(1, 5)]).toEqual([0x6d, 0x70, 0x74, 0x01]);
    expect(bytes[5]).toBe(8);
    expect(bytes[23]).toBe(0);
    expect(bytes[LENGTH_AT]).toBe(5);
    expect([...bytes.subarray(25)]).toEqual([0x00, 0x07, 0xaa, 0xbb, 0xcc]);
  });

  it('rejects a Length that claims more bytes than exist, or fewer than the packet number', () => {
    const bytes = buildLong(sample, new Uint8Array(10));
    const lie = bytes.slice();
    lie[LENGTH_AT] = 13; // 12 real bytes follow
    expect(decodeLongHeader(lie)._unsafeUnwrapErr()).toMatchObject({ kind: 'Truncated', offset: LENGTH_AT });
    lie[LENGTH_AT] = 1; // shorter than the 2-byte packet number
    expect(decodeLongHeader(lie)._unsafeUnwrapErr()).toMatchObject({ kind: 'InvalidField', offset: LENGTH_AT });
    lie[LENGTH_AT] = 12;
    expect(decodeLongHeader(lie).isOk()).toBe(true);
    for (let cut = 0; cut < bytes.length; cut++) expect(decodeLongHeader(bytes.subarray(0, cut)).isErr()).toBe(true);
  });

  it('rejects bad CID lengths, versions, types and bits', () => {
    const bytes = buildLong(sample, new Uint8Array(4));
    const mutate = (at: number, v: number): Uint8Array => {
      const c = bytes.slice();
      c[at] = v;
      return c;
    };
    expect(decodeLongHeader(mutate(5, 21))._unsafeUnwrapErr()).toMatchObject({ kind: 'InvalidField', offset: 5 });
    expect(decodeLongHeader(mutate(14, 21))._unsafeUnwrapErr()).toMatchObject({ kind: 'InvalidField', offset: 14 });
    expect(decodeLongHeader(mutate(4, 0x02))._unsafeUnwrapErr().kind).toBe('UnsupportedVersion');
    const vn = bytes.slice();
    vn.fill(0, 1, 5);
    expect(decodeLongHeader(vn)._unsafeUnwrapErr().kind).toBe('UnsupportedVersion');
    expect(decodeLongHeader(mutate(0, 0xd1))._unsafeUnwrapErr().kind).toBe('InvalidField'); // type 1 (reserved)
    expect(decodeLongHeader(mutate(0, 0xc5))._unsafeUnwrapErr().kind).toBe('InvalidField'); // reserved bit
    expect(decodeLongHeader(mutate(0, 0x81))._unsafeUnwrapErr().kind).toBe('InvalidField'); // fixed bit clear
    expect(decodeLongHeader(mutate(0, 0x41))._unsafeUnwrapErr().kind).toBe('InvalidField'); // short header
  });

  it('rejects a Retry with an empty token and refuses to encode one', () => {
    const retry: RetryPacket = { type: 'retry', version: WIRE_VERSION, dcid: new Uint8Array(0), scid: new Uint8Array(0), retryToken: new Uint8Array(1) };
    const bytes = buildLong(retry, new Uint8Array(0));
    // 1 + 4 + 1 + 0 + 1 + 0: the token length varint is at offset 7
    expect(decodeLongHeader(bytes)._unsafeUnwrap().packetLength).toBe(9);
    bytes[7] = 0;
    expect(decodeLongHeader(bytes.subarray(0, 8))._unsafeUnwrapErr()).toMatchObject({ kind: 'InvalidField', offset: 7 });
    expect(() => encodeLongHeader(new Uint8Array(64), 0, { ...retry, retryToken: new Uint8Array(0) })).toThrow(RangeError);
  });

  it('throws on programmer errors when encoding', () => {
    expect(() => encodeLongHeader(new Uint8Array(64), 0, { ...sample, dcid: new Uint8Array(21) })).toThrow(RangeError);
    expect(() => encodeLongHeader(new Uint8Array(10), 0, sample)).toThrow(RangeError);
  });
});

describe('short header (RFC 9000 §17.3.1)', () => {
  const shortArb: fc.Arbitrary<ShortHeader> = fc
    .record({ keyPhase: fc.constantFrom<0 | 1>(0, 1), dcid: cidArb, pn: truncatedPnArb })
    .map(({ pn, ...f }) => ({ ...f, ...pn }));

  it('round-trips with the receiver-known CID length (property)', () => {
    fc.assert(
      fc.property(shortArb, bytesArb(0, 64), (header, sealed) => {
        const len = shortHeaderLength(header);
        const bytes = new Uint8Array(len + sealed.length);
        expect(encodeShortHeader(bytes, 0, header)).toBe(len);
        bytes.set(sealed, len);
        const d = decodeShortHeader(bytes, header.dcid.length)._unsafeUnwrap();
        expect(d).toEqual({ ...header, reservedBits: 0, headerLength: len });
        expect(isLongHeader(bytes[0] as number)).toBe(false);
        expect(decodeInvariantHeader(bytes, header.dcid.length)._unsafeUnwrap()).toEqual({ form: 'short', dcid: header.dcid });
      }),
    );
  });

  it('returns headerLength = 1 + cid + pn so the header is the AAD and the rest the ciphertext', () => {
    const dcid = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
    const bytes = new Uint8Array(64);
    const end = encodeShortHeader(bytes, 0, { keyPhase: 1, dcid, packetNumber: 0x1234, packetNumberLength: 2 });
    expect(end).toBe(11);
    expect(bytes[0]).toBe(0x40 | 0x04 | 0x01);
    const d = decodeShortHeader(bytes, DEFAULT_CID_LENGTH)._unsafeUnwrap();
    expect(d.headerLength).toBe(11);
    expect(d.keyPhase).toBe(1);
    expect(d.packetNumber).toBe(0x1234);
    expect(d.dcid).toEqual(dcid);
    expect(d.dcid.buffer).toBe(bytes.buffer); // a view: no copy on the routing path
    const aad = bytes.subarray(0, d.headerLength);
    expect([...aad.subarray(9)]).toEqual([0x12, 0x34]);
  });

  it('reports reserved bits without rejecting them (checked after decryption)', () => {
    const bytes = Uint8Array.from([0x40 | 0x38 | 0x03, 9, 9, 1, 2, 3, 4]);
    const d = decodeShortHeader(bytes, 2)._unsafeUnwrap();
    expect(d.reservedBits).toBe(0x38);
    expect(d.packetNumberLength).toBe(4);
    expect(d.packetNumber).toBe(0x01020304);
  });

  it('rejects truncation, long headers, a clear fixed bit and bad cid lengths', () => {
    const bytes = Uint8Array.from([0x43, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0]);
    expect(decodeShortHeader(bytes, 8)._unsafeUnwrapErr().kind).toBe('Truncated');
    expect(decodeShortHeader(bytes, 7).isOk()).toBe(true);
    expect(decodeShortHeader(new Uint8Array(0), 8)._unsafeUnwrapErr().kind).toBe('Truncated');
    expect(decodeShortHeader(Uint8Array.from([0x03, 0, 0, 0, 0]), 0)._unsafeUnwrapErr().kind).toBe('InvalidField');
    expect(decodeShortHeader(Uint8Array.from([0xc0, 0, 0, 0, 0]), 0)._unsafeUnwrapErr().kind).toBe('InvalidField');
    expect(decodeShortHeader(bytes, 21)._unsafeUnwrapErr().kind).toBe('InvalidField');
    expect(decodeShortHeader(bytes, -1)._unsafeUnwrapErr().kind).toBe('InvalidField');
  });
});

describe('version negotiation (RFC 9000 §17.2.1) and invariants (RFC 8999)', () => {
  const vnArb = fc.record({
    dcid: bytesArb(0, 255),
    scid: bytesArb(0, 255),
    supportedVersions: fc.array(fc.nat({ max: 0xffff_ffff }).filter((v) => v !== 0), { maxLength: 8 }),
  });

  it('round-trips (property)', () => {
    fc.assert(
      fc.property(vnArb, (vn) => {
        const bytes = new Uint8Array(versionNegotiationLength(vn));
        expect(encodeVersionNegotiation(bytes, 0, vn)).toBe(bytes.length);
        expect(decodeVersionNegotiation(bytes)._unsafeUnwrap()).toEqual(vn);
        expect(decodeInvariantHeader(bytes, 8)._unsafeUnwrap()).toEqual({ form: 'long', version: 0, dcid: vn.dcid, scid: vn.scid });
        expect(decodeLongHeader(bytes).isErr()).toBe(true);
      }),
    );
  });

  it('rejects a ragged version list and a nonzero version', () => {
    const vn = { dcid: new Uint8Array(1), scid: new Uint8Array(1), supportedVersions: [WIRE_VERSION] };
    const bytes = new Uint8Array(versionNegotiationLength(vn));
    encodeVersionNegotiation(bytes, 0, vn);
    expect(decodeVersionNegotiation(bytes.subarray(0, bytes.length - 1))._unsafeUnwrapErr().kind).toBe('InvalidField');
    const v1 = bytes.slice();
    v1[4] = 1;
    expect(decodeVersionNegotiation(v1)._unsafeUnwrapErr().kind).toBe('InvalidField');
  });

  it('reads version and CIDs of a long header of any version for routing', () => {
    const bytes = Uint8Array.from([0xc0, 0x0a, 0x1a, 0x2a, 0x3a, 2, 7, 7, 1, 9, 0xff, 0xff]);
    expect(decodeInvariantHeader(bytes, 8)._unsafeUnwrap()).toEqual({
      form: 'long', version: 0x0a1a2a3a, dcid: Uint8Array.from([7, 7]), scid: Uint8Array.from([9]),
    });
    expect(decodeInvariantHeader(bytes.subarray(0, 8), 8)._unsafeUnwrapErr().kind).toBe('Truncated');
  });
});
