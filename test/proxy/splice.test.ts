// splice() between two TCP connections on loopback: A <-> [a | splice | b] <-> B. Bytes both ways,
// half-close each way, backpressure (a pipe, not a buffer), resets crossing, the end reported once.
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { splice, type SpliceEnd } from '../../src/proxy/splice.js';
import { cleanup, closeError, readAll, tcpServer } from './helpers.js';

afterEach(cleanup);

/** A connected pair of TCP sockets (half-open allowed): [the outer end, the end to splice]. */
async function pair(): Promise<[Socket, Socket]> {
  let accept: (s: Socket) => void = () => {};
  const accepted = new Promise<Socket>((resolve) => (accept = resolve));
  const server = await tcpServer((s) => accept(s));
  const outer = connect({ host: '127.0.0.1', port: server.port, allowHalfOpen: true });
  outer.on('error', () => {});
  await once(outer, 'connect');
  return [outer, await accepted];
}

/** A <-> a | b <-> B, a and b spliced; `ended` resolves with the splice's end. */
async function spliced(): Promise<{ A: Socket; B: Socket; a: Socket; b: Socket; ended: Promise<SpliceEnd> }> {
  const [A, a] = await pair();
  const [B, b] = await pair();
  const ended = new Promise<SpliceEnd>((resolve) => splice(a, b, resolve));
  return { A, B, a, b, ended };
}

describe('splice', () => {
  test('bytes both ways; A ends first, B keeps sending after seeing it', async () => {
    const { A, B, ended } = await spliced();
    const atB = readAll(B);
    A.end('from A');
    expect(String(await atB)).toBe('from A');
    const atA = readAll(A);
    B.write('B after A ended, ');
    B.end('and done');
    expect(String(await atA)).toBe('B after A ended, and done');
    expect(await ended).toEqual({ error: undefined, failed: undefined });
  });

  test('B ends first, A keeps sending after seeing it', async () => {
    const { A, B, ended } = await spliced();
    const atA = readAll(A);
    B.end('bye from B');
    expect(String(await atA)).toBe('bye from B');
    const atB = readAll(B);
    A.end('A still talks');
    expect(String(await atB)).toBe('A still talks');
    expect((await ended).error).toBeUndefined();
  });

  test('a reset on one side resets the other (ECONNRESET there), and the end names the side', async () => {
    const { A, B, ended } = await spliced();
    const atA = closeError(A);
    A.resume();
    B.resetAndDestroy();
    expect((await atA)?.code).toBe('ECONNRESET');
    const end = await ended;
    expect((end.error as { code?: string } | undefined)?.code).toBe('ECONNRESET');
    expect(end.failed).toBe('b');
  });

  test('backpressure: with B not reading, the splice stops reading a instead of buffering', async () => {
    const { A, B, a, b } = await spliced();
    B.pause();
    const chunk = Buffer.alloc(64 * 1024);
    // Write until the whole path (kernel buffers included) is full and A's own buffer backs up.
    while (!A.writableNeedDrain || !b.writableNeedDrain) {
      A.write(chunk);
      await new Promise((resolve) => setImmediate(resolve));
    }
    // The pipe paused a: what the splice holds is bounded by the streams' high-water marks.
    expect(a.isPaused()).toBe(true);
    expect(a.readableLength).toBeLessThanOrEqual(a.readableHighWaterMark + chunk.length);
    expect(b.writableLength).toBeLessThanOrEqual(b.writableHighWaterMark + chunk.length);
    A.destroy();
    B.destroy();
  });

  test('a side already destroyed aborts the other at once', async () => {
    const [A, a] = await pair();
    const [B, b] = await pair();
    a.destroy();
    const atB = closeError(B);
    B.resume();
    const end = await new Promise<SpliceEnd>((resolve) => splice(a, b, resolve));
    expect(end.error).toBeUndefined();
    expect((await atB)?.code).toBe('ECONNRESET');
    A.destroy();
  });
  test('a side that closes after a clean end closes the other, which has not ended, too (a FIN, not a reset)', async () => {
    const { A, B, a, b, ended } = await spliced();
    const bClosed = closeError(b);
    A.end();
    await once(B, 'end');
    // a ended cleanly, then closes (an mpt socket whose peer gave up lingering) while B never ends.
    a.destroy();
    expect(await bClosed).toBeUndefined();
    expect(await ended).toEqual({ error: undefined, failed: undefined });
  });
});
