// The HTTP CONNECT request parser on its own: targets, headers cut anywhere, pipelined bytes, and the
// error statuses.
import { describe, expect, it } from 'vitest';
import {
  HTTP_CONNECT_ESTABLISHED,
  HttpConnectRequest,
  MAX_HTTP_HEADER_BYTES,
  httpStatusForReply,
  parseAuthority,
  type HttpConnectOutcome,
} from '../../src/proxy/http-connect.js';
import type { ProxyAuth } from '../../src/proxy/proxy-auth.js';

const AUTH: ProxyAuth = { username: 'alice', password: 'p:ss w0rd' };
const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** Feeds the chunks one by one; the last outcome, and the kinds of all. */
function run(chunks: readonly (string | Uint8Array)[], auth?: ProxyAuth): { outcome: HttpConnectOutcome; kinds: string[] } {
  const request = new HttpConnectRequest(auth);
  const kinds: string[] = [];
  let outcome: HttpConnectOutcome = { kind: 'more' };
  for (const chunk of chunks) {
    outcome = request.push(typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk);
    kinds.push(outcome.kind);
  }
  return { outcome, kinds };
}

/** The status line and fields of a refusal's response. */
function responseHead(outcome: HttpConnectOutcome): string {
  if (outcome.kind !== 'refused') throw new Error(`expected a refusal, got ${outcome.kind}`);
  const text = Buffer.from(outcome.response).toString('latin1');
  return text.slice(0, text.indexOf('\r\n\r\n'));
}

describe('HTTP CONNECT requests', () => {
  it('a plain request: host name, IPv4, IPv6 literal in brackets', () => {
    const cases: [string, { host: string; port: number }][] = [
      ['example.com:443', { host: 'example.com', port: 443 }],
      ['127.0.0.1:8080', { host: '127.0.0.1', port: 8080 }],
      ['[::1]:22', { host: '::1', port: 22 }],
      ['[2001:db8::7]:65535', { host: '2001:db8::7', port: 65_535 }],
    ];
    for (const [target, destination] of cases) {
      const { outcome } = run([`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`]);
      expect(outcome).toEqual({ kind: 'connect', destination, rest: Buffer.alloc(0) });
    }
  });

  it('headers cut at every byte boundary, and fed one byte at a time, give the same request', () => {
    const input = Buffer.from('CONNECT host.test:80 HTTP/1.1\r\nHost: host.test:80\r\nUser-Agent: test/1.0\r\nProxy-Connection: Keep-Alive\r\n\r\n');
    const expected = { kind: 'connect', destination: { host: 'host.test', port: 80 }, rest: Buffer.alloc(0) };
    for (let i = 1; i < input.length; i++) {
      const { outcome, kinds } = run([input.subarray(0, i), input.subarray(i)]);
      expect(kinds[0]).toBe('more');
      expect(outcome).toEqual(expected);
    }
    const byByte = run([...input].map((b) => Buffer.of(b)));
    expect(byByte.kinds.slice(0, -1).every((k) => k === 'more')).toBe(true);
    expect(byByte.outcome).toEqual(expected);
  });

  it('keeps the bytes pipelined after the header, however they were cut', () => {
    const head = 'CONNECT 10.0.0.1:443 HTTP/1.1\r\nHost: 10.0.0.1:443\r\n\r\n';
    const early = Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x0d, 0x0a, 0x0d, 0x0a, 0xff]);
    const input = Buffer.concat([Buffer.from(head), early]);
    for (let i = 1; i <= input.length; i++) {
      const request = new HttpConnectRequest();
      const first = request.push(input.subarray(0, i));
      let rest: Buffer;
      if (first.kind === 'connect') {
        // The caller forwards what comes after the request itself.
        rest = Buffer.concat([first.rest, input.subarray(i)]);
      } else {
        expect(first.kind).toBe('more');
        const second = request.push(input.subarray(i));
        if (second.kind !== 'connect') throw new Error(`split at ${i}: ${second.kind}`);
        rest = Buffer.from(second.rest);
      }
      expect(rest).toEqual(early);
    }
  });

  it('accepts bare LF line endings and skips empty lines before the request line', () => {
    const { outcome } = run(['\r\n\nCONNECT a.example:1 HTTP/1.0\nHost: a.example:1\n\nrest']);
    expect(outcome).toEqual({ kind: 'connect', destination: { host: 'a.example', port: 1 }, rest: Buffer.from('rest') });
  });

  it('takes the right credentials (Basic, any case of scheme and field name)', () => {
    const ok = run([`CONNECT h.test:80 HTTP/1.1\r\nproxy-authorization: ${basic('alice', 'p:ss w0rd')}\r\n\r\n`], AUTH);
    expect(ok.outcome.kind).toBe('connect');
    const lower = run([`CONNECT h.test:80 HTTP/1.1\r\nProxy-Authorization: basic ${Buffer.from('alice:p:ss w0rd').toString('base64')}\r\n\r\n`], AUTH);
    expect(lower.outcome.kind).toBe('connect');
  });
});

describe('HTTP CONNECT refusals', () => {
  const status = (outcome: HttpConnectOutcome): number | undefined => (outcome.kind === 'refused' ? outcome.status : undefined);

  it('407 with Proxy-Authenticate when credentials are missing, wrong or not Basic', () => {
    for (const field of [
      '',
      `Proxy-Authorization: ${basic('alice', 'wrong')}\r\n`,
      `Proxy-Authorization: ${basic('mallory', 'p:ss w0rd')}\r\n`,
      'Proxy-Authorization: Bearer abc\r\n',
      'Proxy-Authorization: Basic !!!notbase64\r\n',
      `Proxy-Authorization: Basic ${Buffer.from('no-colon').toString('base64')}\r\n`,
    ]) {
      const { outcome } = run([`CONNECT h.test:80 HTTP/1.1\r\n${field}\r\n`], AUTH);
      expect(status(outcome)).toBe(407);
      const head = responseHead(outcome);
      expect(head).toMatch(/^HTTP\/1\.1 407 Proxy Authentication Required\r\n/);
      expect(head).toContain('\r\nProxy-Authenticate: Basic realm="mpt"');
      expect(head).toContain('\r\nConnection: close');
    }
  });

  it('405 with Allow: CONNECT for any other method', () => {
    for (const method of ['GET http://h.test/ HTTP/1.1', 'POST / HTTP/1.1', 'connect h.test:80 HTTP/1.1']) {
      const { outcome } = run([`${method}\r\nHost: h.test\r\n\r\n`]);
      expect(status(outcome)).toBe(405);
      expect(responseHead(outcome)).toContain('\r\nAllow: CONNECT');
    }
  });

  it('400 for a malformed request line, target, or header field', () => {
    for (const request of [
      'CONNECT h.test:80\r\n\r\n',
      'CONNECT  h.test:80 HTTP/1.1\r\n\r\n',
      'CONNECT h.test:80 HTTP/1.1 extra\r\n\r\n',
      'CONNECT h.test HTTP/1.1\r\n\r\n',
      'CONNECT h.test:0 HTTP/1.1\r\n\r\n',
      'CONNECT h.test:65536 HTTP/1.1\r\n\r\n',
      'CONNECT h.test:8o HTTP/1.1\r\n\r\n',
      'CONNECT ::1:22 HTTP/1.1\r\n\r\n',
      'CONNECT [::1]22 HTTP/1.1\r\n\r\n',
      'CONNECT [h.test]:22 HTTP/1.1\r\n\r\n',
      'CONNECT user@h.test:22 HTTP/1.1\r\n\r\n',
      'CONNECT :22 HTTP/1.1\r\n\r\n',
      'CONNECT h.test:80 HTTP/1.1\r\nNo colon here\r\n\r\n',
      'CONNECT h.test:80 HTTP/1.1\r\nHost: h\r\n folded: value\r\n\r\n',
      'CONNECT h.test:80 HTTP/1.1\r\nBad Name: v\r\n\r\n',
      '\x00\x01\x02\r\n\r\n',
    ]) {
      expect(status(run([request]).outcome), JSON.stringify(request)).toBe(400);
    }
  });

  it('505 for another HTTP version', () => {
    expect(status(run(['CONNECT h.test:80 HTTP/2.0\r\n\r\n']).outcome)).toBe(505);
  });

  it('431 once the header passes the limit without its blank line, cut or not', () => {
    const long = `CONNECT h.test:80 HTTP/1.1\r\nX-Filler: ${'a'.repeat(MAX_HTTP_HEADER_BYTES)}\r\n\r\n`;
    expect(status(run([long]).outcome)).toBe(431);
    // In 1 KiB pieces: 'more' until the limit is passed, then 431, before the blank line ever comes.
    const pieces: string[] = [];
    for (let i = 0; i < long.length; i += 1024) pieces.push(long.slice(i, i + 1024));
    const { kinds } = run(pieces);
    const refusedAt = kinds.indexOf('refused');
    expect(refusedAt).toBe(Math.floor(MAX_HTTP_HEADER_BYTES / 1024));
    expect(kinds.slice(0, refusedAt).every((k) => k === 'more')).toBe(true);
    // A header just within the limit is fine.
    const head = 'CONNECT h.test:80 HTTP/1.1\r\nX-Filler: ';
    const fits = `${head}${'a'.repeat(MAX_HTTP_HEADER_BYTES - head.length - 4)}\r\n\r\n`;
    expect(fits.length).toBe(MAX_HTTP_HEADER_BYTES);
    expect(run([fits]).outcome.kind).toBe('connect');
  });

  it('never throws on random bytes', () => {
    let seed = 42;
    const random = (): number => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) / 2 ** 32;
    };
    const kinds = new Set<string>();
    for (let i = 0; i < 2_000; i++) {
      const prefix = ['', 'CONNECT ', 'CONNECT h:1 HTTP/1.1\r\n'][i % 3] as string;
      const tail = Buffer.from(Array.from({ length: Math.floor(random() * 60) }, () => [10, 13, 32, 58, Math.floor(random() * 256)][Math.floor(random() * 5)] as number));
      const input = Buffer.concat([Buffer.from(prefix), tail, Buffer.from('\r\n\r\n')]);
      const { outcome } = run([input]);
      // Only empty lines (no request line yet) may leave it waiting; anything else is decided.
      const onlyLineEnds = input.every((b) => b === 10 || b === 13);
      expect(onlyLineEnds ? ['more', 'refused'] : ['connect', 'refused']).toContain(outcome.kind);
      kinds.add(outcome.kind);
    }
    expect(kinds.has('refused')).toBe(true);
  });
});

describe('HTTP CONNECT helpers', () => {
  it('the 200 response is exactly the status line and the blank line', () => {
    expect(Buffer.from(HTTP_CONNECT_ESTABLISHED).toString('latin1')).toBe('HTTP/1.1 200 Connection established\r\n\r\n');
  });

  it('maps SOCKS5 reply codes to HTTP statuses: 2 -> 403, 6 -> 504, the rest 502', () => {
    expect([1, 2, 3, 4, 5, 6, 8].map(httpStatusForReply)).toEqual([502, 403, 502, 502, 502, 504, 502]);
  });

  it('parseAuthority refuses what is not host:port', () => {
    expect(parseAuthority('h.test:80')).toEqual({ host: 'h.test', port: 80 });
    expect(parseAuthority('[::ffff:127.0.0.1]:80')).toEqual({ host: '::ffff:127.0.0.1', port: 80 });
    for (const bad of ['h.test', 'h.test:', '[::1]', '[::1:80', 'a b:80', 'h.test:-1', '[1.2.3.4]:80']) expect(parseAuthority(bad)).toBeUndefined();
  });
});
