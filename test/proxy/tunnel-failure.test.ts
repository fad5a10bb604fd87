// How a failed tunnel is answered: the converter's own refusals pass through as SOCKS5 REP values
// (and their HTTP statuses), timeouts of the mpt connection are "host unreachable" / 504, any other
// mpt failure "general failure" / 502, but a converter that refuses the proxy's client key: "not allowed" / 403.
import { describe, expect, it } from 'vitest';
import { MptError, MptErrorCode } from '../../src/errors.js';
import { ClientKeyRefusedError, ConverterKeyMismatchError } from '../../src/proxy/converter-key-errors.js';
import { TunnelError } from '../../src/proxy/tunnel-error.js';
import { tunnelFailure } from '../../src/proxy/tunnel-failure.js';

/** The error openTunnel rejects with when the converter refuses. */
function refusal(replyCode: unknown): Error {
  return new TunnelError(replyCode as number, 'test');
}

describe('tunnelFailure', () => {
  it("passes the converter's reply codes through, with their HTTP statuses", () => {
    const got = [1, 2, 3, 4, 5, 6, 8].map((code) => tunnelFailure(refusal(code)));
    expect(got.map((f) => f.replyCode)).toEqual([1, 2, 3, 4, 5, 6, 8]);
    expect(got.map((f) => f.httpStatus)).toEqual([502, 403, 502, 502, 502, 504, 502]);
    expect(got.every((f) => f.refusedByConverter)).toBe(true);
  });

  it('a refusal with a code no converter sends (0, 7, 9, none) is a general failure', () => {
    for (const code of [0, 7, 9, 255, undefined, '2']) {
      expect(tunnelFailure(refusal(code))).toEqual({ replyCode: 1, httpStatus: 502, refusedByConverter: true });
    }
  });

  it('timeouts of the mpt connection: host unreachable (4) and 504', () => {
    const timeouts = [
      new MptError(MptErrorCode.ConnectTimeout, 'no answer'),
      new MptError(MptErrorCode.IdleTimeout, 'idle'),
      new MptError(MptErrorCode.ConnectFailed, 'all failed', {
        attempts: [
          { address: '127.0.0.1', port: 1, family: 4, localAddress: '127.0.0.1', reason: 'no answer', elapsedMs: 10 },
          { address: '::1', port: 1, family: 6, localAddress: '::1', reason: 'not started', elapsedMs: -1 },
        ],
      }),
    ];
    for (const error of timeouts) expect(tunnelFailure(error)).toEqual({ replyCode: 4, httpStatus: 504, refusedByConverter: false });
  });

  it('any other mpt failure: general failure (1) and 502', () => {
    const others: unknown[] = [
      new MptError(MptErrorCode.HandshakeFailed, 'rejected key'),
      new MptError(MptErrorCode.ServerKeyMismatch, 'wrong key'),
      new ConverterKeyMismatchError('127.0.0.1:4433', new Uint8Array(32), new Uint8Array(32).fill(1), undefined),
      new MptError(MptErrorCode.ConnectionRefused, 'ICMP'),
      new MptError(MptErrorCode.DnsLookupFailed, 'no such name'),
      new MptError(MptErrorCode.Aborted, 'aborted'),
      new MptError(MptErrorCode.ConnectFailed, 'refused', {
        attempts: [{ address: '127.0.0.1', port: 1, family: 4, localAddress: '127.0.0.1', reason: 'ECONNREFUSED', elapsedMs: 1 }],
      }),
      new Error('plain'),
      'a string',
      undefined,
    ];
    for (const error of others) expect(tunnelFailure(error)).toEqual({ replyCode: 1, httpStatus: 502, refusedByConverter: false });
  });

  it("the converter does not accept the proxy's client key: not allowed by ruleset (2) and 403", () => {
    const error = new ClientKeyRefusedError('127.0.0.1:4433', new Uint8Array(32), new Uint8Array(32).fill(1), undefined);
    expect(tunnelFailure(error)).toEqual({ replyCode: 2, httpStatus: 403, refusedByConverter: false });
  });
});
