// The converter protocol: requests and replies round-trip for every address type, decode from any split
// of their bytes, keep what follows the header, and answer each malformed request with its reply code.
import { describe, expect, test } from 'vitest';
import { MptErrorCode } from '../../src/errors.js';
import {
  CONVERTER_MAGIC,
  ConverterAddressType,
  encodeReply,
  encodeRequest,
  MAX_REPLY_BYTES,
  MAX_REQUEST_BYTES,
  ReplyDecoder,
  RequestDecoder,
  TunnelReplyCode,
  tunnelReplyName,
  type DecodeResult,
} from '../../src/proxy/converter-protocol.js';

const DESTINATIONS = [
  { host: '192.0.2.7', port: 443, type: ConverterAddressType.IPv4, bytes: 12 },
  { host: '2001:db8::1:2', port: 8080, type: ConverterAddressType.IPv6, bytes: 24 },
  { host: 'example.com', port: 80, type: ConverterAddressType.Domain, bytes: 7 + 11 + 2 },
] as const;

describe('requests', () => {
  test.each(DESTINATIONS)('round trip: $host', ({ host, port, type, bytes }) => {
    const request = encodeRequest({ host, port });
    expect(request.length).toBe(bytes);
    expect([...request.subarray(0, 6)]).toEqual([0x4d, 0x50, 0x54, 0x43, 1, type]);
    expect([...request.subarray(-2)]).toEqual([port >> 8, port & 0xff]);
    const result = new RequestDecoder().push(request);
    expect(result).toEqual({ state: 'done', value: { addressType: type, host, port }, rest: new Uint8Array(0) });
  });

  test('a bracketed IPv6 literal and an IPv4-mapped one travel as IPv6 addresses', () => {
    const bracketed = encodeRequest({ host: '[::1]', port: 22 });
    expect(bracketed[5]).toBe(ConverterAddressType.IPv6);
    expect(new RequestDecoder().push(bracketed)).toMatchObject({ state: 'done', value: { host: '::1', port: 22 } });
    const mapped = encodeRequest({ host: '::ffff:127.0.0.1', port: 22 });
    expect(mapped[5]).toBe(ConverterAddressType.IPv6);
    expect([...mapped.subarray(6, 22)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1]);
  });

  test.each(DESTINATIONS)('every split into two chunks decodes the same, payload kept: $host', ({ host, port }) => {
    const request = encodeRequest({ host, port });
    const payload = Uint8Array.of(9, 8, 7);
    const stream = new Uint8Array([...request, ...payload]);
    for (let cut = 0; cut <= stream.length; cut++) {
      const decoder = new RequestDecoder();
      const first = decoder.push(stream.subarray(0, cut));
      if (cut < request.length) expect(first.state).toBe('pending');
      const result = cut < request.length ? decoder.push(stream.subarray(cut)) : first;
      expect(result.state).toBe('done');
      if (result.state !== 'done') continue;
      expect(result.value).toMatchObject({ host, port });
      // What followed the header in the chunk that completed it, plus nothing lost of a later chunk.
      const rest = cut < request.length ? result.rest : new Uint8Array([...first.state === 'done' ? first.rest : [], ...stream.subarray(cut)]);
      expect([...rest]).toEqual([...payload]);
    }
  });

  test('byte by byte', () => {
    const request = encodeRequest({ host: 'a.example.org', port: 65535 });
    const decoder = new RequestDecoder();
    let result: DecodeResult<unknown> = { state: 'pending' };
    for (let i = 0; i < request.length; i++) {
      expect(result.state).toBe('pending');
      result = decoder.push(request.subarray(i, i + 1));
    }
    expect(result).toMatchObject({ state: 'done', value: { host: 'a.example.org', port: 65535 } });
    expect(decoder.finished).toBe(true);
  });

  test('a longest name (255 bytes) fits the bound; the decoder holds no more than MAX_REQUEST_BYTES', () => {
    const name = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}`;
    expect(name.length).toBe(255);
    const request = encodeRequest({ host: name, port: 1 });
    expect(request.length).toBe(MAX_REQUEST_BYTES);
    const big = new Uint8Array(request.length + 100_000).fill(0x41);
    big.set(request);
    const result = new RequestDecoder().push(big);
    expect(result.state === 'done' && result.value.host).toBe(name);
    expect(result.state === 'done' && result.rest.length).toBe(100_000);
  });

  const malformed: [string, number[], number][] = [
    ['bad magic', [0x47, 0x45, 0x54, 0x20, 1, 1, 1, 2, 3, 4, 0, 80], TunnelReplyCode.GeneralFailure],
    ['bad magic seen at its first byte', [0x16], TunnelReplyCode.GeneralFailure],
    ['bad version', [...CONVERTER_MAGIC, 2, 1, 1, 2, 3, 4, 0, 80], TunnelReplyCode.GeneralFailure],
    ['unknown address type', [...CONVERTER_MAGIC, 1, 5, 1, 2, 3, 4, 0, 80], TunnelReplyCode.AddressTypeNotSupported],
    ['zero port, IPv4', [...CONVERTER_MAGIC, 1, 1, 1, 2, 3, 4, 0, 0], TunnelReplyCode.GeneralFailure],
    ['zero port, name', [...CONVERTER_MAGIC, 1, 3, 1, 0x61, 0, 0], TunnelReplyCode.GeneralFailure],
    ['empty name', [...CONVERTER_MAGIC, 1, 3, 0, 0, 80], TunnelReplyCode.GeneralFailure],
    ['a name with a space', [...CONVERTER_MAGIC, 1, 3, 3, 0x61, 0x20, 0x62, 0, 80], TunnelReplyCode.GeneralFailure],
    ['a name with a NUL', [...CONVERTER_MAGIC, 1, 3, 2, 0x61, 0x00, 0, 80], TunnelReplyCode.GeneralFailure],
    ['a non-ASCII name', [...CONVERTER_MAGIC, 1, 3, 2, 0xc3, 0xa9, 0, 80], TunnelReplyCode.GeneralFailure],
  ];

  test.each(malformed)('malformed: %s -> reply %i', (_name, bytes, code) => {
    const result = new RequestDecoder().push(Uint8Array.from(bytes));
    expect(result.state).toBe('error');
    expect(result.state === 'error' && result.code).toBe(code);
    expect(result.state === 'error' && result.reason.length).toBeGreaterThan(0);
  });

  test('an error is final: later chunks change nothing', () => {
    const decoder = new RequestDecoder();
    const first = decoder.push(Uint8Array.of(0x00));
    expect(first.state).toBe('error');
    expect(decoder.push(encodeRequest({ host: 'example.com', port: 1 }))).toBe(first);
  });

  test('encodeRequest refuses what the format cannot carry, naming the field', () => {
    const invalid = (destination: { host: string; port: number }, field: string): void => {
      expect(() => encodeRequest(destination)).toThrow(expect.objectContaining({ code: MptErrorCode.InvalidConfig, message: expect.stringContaining(field) }));
    };
    invalid({ host: 'example.com', port: 0 }, 'destination.port');
    invalid({ host: 'example.com', port: 65_536 }, 'destination.port');
    invalid({ host: 'example.com', port: 1.5 }, 'destination.port');
    invalid({ host: '', port: 80 }, 'destination.host');
    invalid({ host: 'x'.repeat(256), port: 80 }, 'destination.host');
    invalid({ host: 'bücher.example', port: 80 }, 'destination.host');
    invalid({ host: 'a b', port: 80 }, 'destination.host');
  });
});

describe('replies', () => {
  test('round trip, and every split point, with the bytes after the reply kept', () => {
    const reason = 'connecting to 192.0.2.1:80: ECONNREFUSED';
    const reply = encodeReply(TunnelReplyCode.ConnectionRefused, reason);
    expect([...reply.subarray(0, 3)]).toEqual([1, 5, reason.length]);
    const stream = new Uint8Array([...reply, 0xaa, 0xbb]);
    for (let cut = 0; cut < reply.length; cut++) {
      const decoder = new ReplyDecoder();
      expect(decoder.push(stream.subarray(0, cut)).state).toBe('pending');
      const result = decoder.push(stream.subarray(cut));
      expect(result).toEqual({ state: 'done', value: { code: 5, reason: 'connecting to 192.0.2.1:80: ECONNREFUSED' }, rest: Uint8Array.of(0xaa, 0xbb) });
    }
  });

  test('success with no reason is 3 bytes', () => {
    expect([...encodeReply(TunnelReplyCode.Succeeded)]).toEqual([1, 0, 0]);
    expect(new ReplyDecoder().push(Uint8Array.of(1, 0, 0, 7))).toEqual({ state: 'done', value: { code: 0, reason: '' }, rest: Uint8Array.of(7) });
  });

  test('a reason is cut to 255 bytes of UTF-8 at a character boundary', () => {
    const reply = encodeReply(1, 'é'.repeat(200)); // 400 bytes of UTF-8
    expect(reply[2]).toBe(254);
    expect(reply.length).toBeLessThanOrEqual(MAX_REPLY_BYTES);
    const result = new ReplyDecoder().push(reply);
    expect(result.state === 'done' && result.value.reason).toBe('é'.repeat(127));
  });

  test('a reply of another version is malformed', () => {
    expect(new ReplyDecoder().push(Uint8Array.of(5, 0, 0)).state).toBe('error');
  });

  test('reply code names are RFC 1928 words', () => {
    expect(tunnelReplyName(TunnelReplyCode.NotAllowed)).toBe('connection not allowed by ruleset');
    expect(tunnelReplyName(TunnelReplyCode.TtlExpired)).toBe('TTL expired');
    expect(tunnelReplyName(99)).toBe('unknown reply code 99');
  });
});
