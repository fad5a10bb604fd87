// dialDestination(): TCP to checked addresses in turn, each failure mapped to its reply code.
import { describe, expect, test, afterEach } from 'vitest';
import { TunnelReplyCode } from '../../src/proxy/converter-protocol.js';
import { dialDestination, hostPort, replyCodeForError } from '../../src/proxy/dial.js';
import { cleanup, echoServer } from './helpers.js';

afterEach(cleanup);

const never = new AbortController().signal;

describe('replyCodeForError', () => {
  test.each([
    ['ECONNREFUSED', TunnelReplyCode.ConnectionRefused],
    ['ENETUNREACH', TunnelReplyCode.NetworkUnreachable],
    ['EHOSTUNREACH', TunnelReplyCode.HostUnreachable],
    ['ENOTFOUND', TunnelReplyCode.HostUnreachable],
    ['EAI_AGAIN', TunnelReplyCode.HostUnreachable],
    ['ETIMEDOUT', TunnelReplyCode.TtlExpired],
    ['EACCES', TunnelReplyCode.GeneralFailure],
  ])('%s -> %i', (code, reply) => {
    expect(replyCodeForError(Object.assign(new Error(code), { code }))).toBe(reply);
  });

  test('an error without a code is a general failure', () => {
    expect(replyCodeForError(new Error('?'))).toBe(TunnelReplyCode.GeneralFailure);
  });
});

describe('dialDestination', () => {
  test('the first address that accepts wins; a refused one before it is skipped', async () => {
    const refused = await echoServer();
    const port = refused.port;
    await new Promise<void>((resolve) => refused.close(() => resolve()));
    const open = await echoServer();
    const outcome = await dialDestination(['127.0.0.1'], port, performance.now() + 5000, never);
    expect(outcome).toMatchObject({ ok: false, code: TunnelReplyCode.ConnectionRefused, address: '127.0.0.1' });
    // Nothing listens on 127.0.0.2 at that port: refused, then 127.0.0.1 accepts.
    const ok = await dialDestination(['127.0.0.2', '127.0.0.1'], open.port, performance.now() + 5000, never);
    expect(ok).toMatchObject({ ok: true, address: '127.0.0.1' });
    if (ok?.ok === true) ok.socket.destroy();
  });

  test('a deadline already passed is a timeout (reply 6), without a connection attempt', async () => {
    const open = await echoServer();
    const outcome = await dialDestination(['127.0.0.1'], open.port, performance.now() - 1, never);
    expect(outcome).toMatchObject({ ok: false, code: TunnelReplyCode.TtlExpired });
    expect(open.accepted).toEqual([]);
  });

  test('an abort resolves to undefined', async () => {
    const controller = new AbortController();
    controller.abort();
    expect(await dialDestination(['127.0.0.1'], 1, performance.now() + 1000, controller.signal)).toBeUndefined();
  });

  test('hostPort brackets IPv6', () => {
    expect(hostPort('::1', 80)).toBe('[::1]:80');
    expect(hostPort('192.0.2.1', 80)).toBe('192.0.2.1:80');
  });
});
