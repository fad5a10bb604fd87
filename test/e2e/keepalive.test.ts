// setKeepAlive over real UDP: a quiet connection outlives its idle timeout only with PINGs (a client's liveness PINGs by default, or setKeepAlive).
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { MptErrorCode, type MptError } from '../../src/index.js';
import { accepted, cleanup, dialed, listen } from './helpers.js';

afterEach(cleanup);

describe('keepalive', () => {
  const idle = { idleTimeoutMs: 2_000 };

  it('setKeepAlive(true) keeps a silent connection past the idle timeout', async () => {
    const server = await listen(idle);
    const client = await dialed({ port: server.port, ...idle });
    const peer = await accepted(server);
    client.setKeepAlive(true, 200);
    await sleep(3_500);
    expect(client.destroyed).toBe(false);
    expect(peer.destroyed).toBe(false);
    client.end('still here');
    const [data] = (await once(peer, 'data')) as [Buffer];
    expect(String(data)).toBe('still here');
  });

  it('with the liveness PINGs turned off (keepAliveIntervalMs: 0) the same connection ends with ETIMEDOUT', async () => {
    const server = await listen(idle);
    const client = await dialed({ port: server.port, ...idle, keepAliveIntervalMs: 0 });
    const [error] = (await once(client, 'error')) as [MptError];
    expect(error.code).toBe(MptErrorCode.IdleTimeout);
  });
});
