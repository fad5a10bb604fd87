// The SOCKS5 handshake parser on its own: every address type, every way of cutting the bytes, every
// error reply, and what a client sent after its request.
import { describe, expect, it } from 'vitest';
import { TunnelReplyCode } from '../../src/proxy/converter-protocol.js';
import { Socks5Handshake, socks5Reply, type Socks5Outcome } from '../../src/proxy/socks5.js';
import type { ProxyAuth } from '../../src/proxy/proxy-auth.js';

const AUTH: ProxyAuth = { username: 'alice', password: 's3cret' };

const bytes = (...parts: (number | number[] | string | Uint8Array)[]): Buffer =>
  Buffer.concat(parts.map((p) => (typeof p === 'number' ? Buffer.of(p) : typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

const port = (n: number): number[] => [n >> 8, n & 0xff];

/** Greeting offering only "no authentication". */
const GREETING = bytes(5, 1, 0);
/** RFC 1929 sub-negotiation. */
const login = (user: string, password: string): Buffer => bytes(1, user.length, user, password.length, password);
const connectIpv4 = (a: number[], p: number): Buffer => bytes(5, 1, 0, 1, a, port(p));
const connectDomain = (name: string, p: number): Buffer => bytes(5, 1, 0, 3, name.length, name, port(p));
const connectIpv6 = (a: number[], p: number): Buffer => bytes(5, 1, 0, 4, a, port(p));

/** Feeds `chunks` one by one; all replies concatenated and the last outcome. */
function run(chunks: readonly Uint8Array[], auth?: ProxyAuth): { reply: Buffer; outcome: Socks5Outcome; outcomes: Socks5Outcome[] } {
  const handshake = new Socks5Handshake(auth);
  const replies: Uint8Array[] = [];
  const outcomes: Socks5Outcome[] = [];
  for (const chunk of chunks) {
    const step = handshake.push(chunk);
    replies.push(step.reply);
    outcomes.push(step.outcome);
  }
  return { reply: Buffer.concat(replies), outcome: outcomes[outcomes.length - 1] as Socks5Outcome, outcomes };
}

/** The same bytes cut in two at every boundary, and fed one byte at a time. */
function everySplit(input: Buffer): Buffer[][] {
  const splits: Buffer[][] = [[input]];
  for (let i = 1; i < input.length; i++) splits.push([input.subarray(0, i), input.subarray(i)]);
  splits.push([...input].map((b) => Buffer.of(b)));
  return splits;
}

/** Runs `input` cut every way; each must give the same replies and final outcome, and 'more' before the last chunk. */
function expectEverySplit(input: Buffer, auth: ProxyAuth | undefined, expected: { reply: Buffer; outcome: Socks5Outcome }): void {
  for (const chunks of everySplit(input)) {
    const got = run(chunks, auth);
    expect(got.reply).toEqual(expected.reply);
    expect(got.outcome).toEqual(expected.outcome);
    // Only the last chunk may complete the handshake.
    for (const earlier of got.outcomes.slice(0, -1)) expect(earlier.kind).toBe('more');
  }
}

const CHOSE_NONE = bytes(5, 0);
const CHOSE_PASSWORD = bytes(5, 2);
const AUTH_OK = bytes(1, 0);
const AUTH_FAILED = bytes(1, 1);
const NO_METHOD = bytes(5, 0xff);

describe('SOCKS5 requests, every address type, cut at every byte boundary', () => {
  it('CONNECT to an IPv4 address', () => {
    const input = bytes(GREETING, connectIpv4([127, 0, 0, 1], 8080));
    expectEverySplit(input, undefined, { reply: CHOSE_NONE, outcome: { kind: 'connect', destination: { host: '127.0.0.1', port: 8080 }, rest: Buffer.alloc(0) } });
  });

  it('CONNECT to a domain name', () => {
    const input = bytes(GREETING, connectDomain('example.com', 443));
    expectEverySplit(input, undefined, { reply: CHOSE_NONE, outcome: { kind: 'connect', destination: { host: 'example.com', port: 443 }, rest: Buffer.alloc(0) } });
  });

  it('CONNECT to an IPv6 address (RFC 5952 text)', () => {
    const v6 = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
    const input = bytes(GREETING, connectIpv6(v6, 65_535));
    expectEverySplit(input, undefined, { reply: CHOSE_NONE, outcome: { kind: 'connect', destination: { host: '2001:db8::1', port: 65_535 }, rest: Buffer.alloc(0) } });
    const loopback = run([bytes(GREETING, connectIpv6([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], 22))]);
    expect(loopback.outcome).toEqual({ kind: 'connect', destination: { host: '::1', port: 22 }, rest: Buffer.alloc(0) });
  });

  it('with username/password, cut at every byte boundary', () => {
    const input = bytes(5, 2, 0, 2, login('alice', 's3cret'), connectDomain('host.test', 80));
    expectEverySplit(input, AUTH, {
      reply: bytes(CHOSE_PASSWORD, AUTH_OK),
      outcome: { kind: 'connect', destination: { host: 'host.test', port: 80 }, rest: Buffer.alloc(0) },
    });
  });

  it('keeps the bytes a client sent after its request, however they were cut', () => {
    const early = Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const input = bytes(GREETING, connectIpv4([10, 1, 2, 3], 80), early);
    for (const chunks of everySplit(input)) {
      const handshake = new Socks5Handshake();
      let rest: Buffer[] = [];
      let connected = false;
      for (const chunk of chunks) {
        // Once the request is complete, the caller forwards further chunks itself.
        if (connected) {
          rest.push(chunk);
          continue;
        }
        const { outcome } = handshake.push(chunk);
        if (outcome.kind === 'connect') {
          connected = true;
          rest = [Buffer.from(outcome.rest)];
        }
      }
      expect(connected).toBe(true);
      expect(Buffer.concat(rest)).toEqual(early);
    }
  });

  it('prefers username/password when the client offers both and auth is configured, and no-auth when it is not', () => {
    expect(run([bytes(5, 2, 0, 2)], AUTH).reply).toEqual(CHOSE_PASSWORD);
    expect(run([bytes(5, 2, 2, 0)]).reply).toEqual(CHOSE_NONE);
  });
});

describe('SOCKS5 refusals', () => {
  const refused = (replyCode: number | undefined): { kind: string; replyCode: number | undefined } => ({ kind: 'refused', replyCode });
  const shape = (o: Socks5Outcome): { kind: string; replyCode: number | undefined } => ({ kind: o.kind, replyCode: o.kind === 'refused' ? o.replyCode : undefined });

  it('BIND and UDP ASSOCIATE get reply 7, cut at every boundary', () => {
    for (const cmd of [2, 3, 9]) {
      const input = bytes(GREETING, 5, cmd, 0, 1, [127, 0, 0, 1], port(80));
      for (const chunks of everySplit(input)) {
        const got = run(chunks);
        // Refused as soon as the command byte is in: the rest of the request is never waited for.
        const last = got.outcomes.findIndex((o) => o.kind !== 'more');
        expect(shape(got.outcomes[last] as Socks5Outcome)).toEqual(refused(TunnelReplyCode.CommandNotSupported));
        expect(got.reply).toEqual(bytes(CHOSE_NONE, socks5Reply(7)));
      }
    }
  });

  it('an unknown address type gets reply 8', () => {
    for (const atyp of [0, 2, 5, 0xff]) {
      const got = run([bytes(GREETING, 5, 1, 0, atyp, [1, 2, 3, 4], port(80))]);
      expect(shape(got.outcome)).toEqual(refused(TunnelReplyCode.AddressTypeNotSupported));
      expect(got.reply).toEqual(bytes(CHOSE_NONE, [5, 8, 0, 1, 0, 0, 0, 0, 0, 0]));
    }
  });

  it('a greeting of another version gets "no acceptable method" (0xFF)', () => {
    const got = run([bytes(4, 1, 0, 80, 0, 0, 0, 1, 0)]);
    expect(got.outcome.kind).toBe('refused');
    expect(got.reply).toEqual(NO_METHOD);
  });

  it('a request of another version gets reply 1', () => {
    const got = run([bytes(GREETING, 4, 1, 0, 1, [127, 0, 0, 1], port(80))]);
    expect(shape(got.outcome)).toEqual(refused(TunnelReplyCode.GeneralFailure));
    expect(got.reply).toEqual(bytes(CHOSE_NONE, socks5Reply(1)));
  });

  it('no acceptable method: 0xFF, with and without auth configured', () => {
    // No auth configured, the client only offers username/password (or GSSAPI).
    expect(run([bytes(5, 2, 1, 2)]).reply).toEqual(NO_METHOD);
    expect(run([bytes(5, 2, 1, 2)]).outcome.kind).toBe('refused');
    // Auth configured, the client only offers no-auth.
    const noAuthOffer = run([bytes(5, 1, 0)], AUTH);
    expect(noAuthOffer.reply).toEqual(NO_METHOD);
    expect(shape(noAuthOffer.outcome)).toEqual(refused(undefined));
    // No method at all.
    expect(run([bytes(5, 0)]).reply).toEqual(NO_METHOD);
  });

  it('a wrong user name or password gets status 1, and nothing is taken as a request', () => {
    for (const [user, password] of [
      ['alice', 'wrong'],
      ['bob', 's3cret'],
      ['alice', 's3cret!'],
      ['', ''],
    ] as const) {
      const got = run([bytes(5, 1, 2, login(user, password), connectIpv4([127, 0, 0, 1], 80))], AUTH);
      expect(got.reply).toEqual(bytes(CHOSE_PASSWORD, AUTH_FAILED));
      expect(shape(got.outcome)).toEqual(refused(undefined));
    }
  });

  it('a sub-negotiation of another version gets status 1', () => {
    const got = run([bytes(5, 1, 2, 5, 5, 'alice', 6, 's3cret')], AUTH);
    expect(got.reply).toEqual(bytes(CHOSE_PASSWORD, AUTH_FAILED));
    expect(got.outcome.kind).toBe('refused');
  });

  it('malformed requests get reply 1: reserved byte set, empty or malformed domain, port 0', () => {
    for (const request of [
      bytes(5, 1, 1, 1, [127, 0, 0, 1], port(80)),
      bytes(5, 1, 0, 3, 0, port(80)),
      connectDomain('bad host', 80),
      connectDomain('evil\r\nhost', 80),
      connectDomain('-dash.example', 80),
      connectIpv4([127, 0, 0, 1], 0),
    ]) {
      const got = run([bytes(GREETING, request)]);
      expect(shape(got.outcome)).toEqual(refused(TunnelReplyCode.GeneralFailure));
      expect(got.reply).toEqual(bytes(CHOSE_NONE, socks5Reply(1)));
    }
  });

  it('bytes after the end of the handshake are refused without a reply, never thrown', () => {
    const handshake = new Socks5Handshake();
    expect(handshake.push(bytes(GREETING, connectIpv4([127, 0, 0, 1], 80))).outcome.kind).toBe('connect');
    const after = handshake.push(bytes(1, 2, 3));
    expect(after.outcome.kind).toBe('refused');
    expect(after.reply.length).toBe(0);
  });

  it('never throws on random bytes, and every outcome is more, connect or refused', () => {
    let seed = 0x1234567;
    const random = (): number => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) / 2 ** 32;
    };
    const kinds = new Set<string>();
    for (let i = 0; i < 2_000; i++) {
      // Valid prefixes with random tails, so every stage gets garbage.
      const prefix = [Buffer.alloc(0), GREETING, bytes(5, 1, 2), bytes(5, 1, 2, login('alice', 's3cret'))][i % 4] as Buffer;
      const tail = Buffer.from(Array.from({ length: Math.floor(random() * 40) }, () => Math.floor(random() * 256)));
      const handshake = new Socks5Handshake(i % 4 >= 2 ? AUTH : undefined);
      const outcome = handshake.push(bytes(prefix, tail)).outcome;
      kinds.add(outcome.kind);
      expect(['more', 'connect', 'refused']).toContain(outcome.kind);
    }
    expect(kinds.has('refused')).toBe(true);
  });
});
