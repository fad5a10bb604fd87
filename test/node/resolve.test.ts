import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';

import { MptErrorCode } from '../../src/errors.js';
import type { LookupFunction } from '../../src/node/options.js';
import { resolveHost } from '../../src/node/resolve.js';

/** One family's scripted answer: after `afterMs` (fake time), these addresses or this error code. */
interface Scripted {
  readonly afterMs: number;
  readonly addresses?: readonly string[];
  readonly error?: string;
}

/** A fake resolver answering each family as scripted; records the calls. */
function fakeLookup(v6: Scripted, v4: Scripted, calls: { family?: number; all?: boolean }[] = []): LookupFunction {
  return (_host, options, callback) => {
    calls.push(options);
    const s = options.family === 6 ? v6 : v4;
    setTimeout(() => {
      if (s.error !== undefined) callback(Object.assign(new Error(s.error), { code: s.error }), '');
      else callback(null, (s.addresses ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
    }, s.afterMs);
  };
}

/** Where a pending promise stands, without waiting. */
function track<T>(promise: Promise<T>): { value?: T; error?: unknown } {
  const state: { value?: T; error?: unknown } = {};
  promise.then(
    (value) => (state.value = value),
    (error: unknown) => (state.error = error),
  );
  return state;
}

describe('resolveHost: parallel AAAA/A queries (RFC 8305 §3)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  test('both families are queried in parallel, with all: true', async () => {
    const calls: { family?: number; all?: boolean }[] = [];
    const state = track(resolveHost('h.test', { family: 0, lookup: fakeLookup({ afterMs: 6, addresses: ['2001:db8::1'] }, { afterMs: 5, addresses: ['192.0.2.1'] }, calls) }));
    expect(calls).toEqual([{ family: 6, all: true }, { family: 4, all: true }]);
    await vi.advanceTimersByTimeAsync(6);
    expect(state.value?.map((d) => d.host)).toEqual(['2001:db8::1', '192.0.2.1']);
  });

  test('an IPv6 answer first resolves at once, without waiting for IPv4', async () => {
    const state = track(resolveHost('h.test', { family: 0, lookup: fakeLookup({ afterMs: 10, addresses: ['2001:db8::1'] }, { afterMs: 1000, addresses: ['192.0.2.1'] }) }));
    await vi.advanceTimersByTimeAsync(10);
    expect(state.value).toEqual([{ host: '2001:db8::1', family: 6 }]);
  });

  test('an IPv4 answer first waits for IPv6 up to the resolution delay', async () => {
    const state = track(resolveHost('h.test', { family: 0, lookup: fakeLookup({ afterMs: 1000, addresses: ['2001:db8::1'] }, { afterMs: 10, addresses: ['192.0.2.1'] }) }));
    await vi.advanceTimersByTimeAsync(10);
    expect(state.value).toBeUndefined();
    await vi.advanceTimersByTimeAsync(49);
    expect(state.value).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(state.value).toEqual([{ host: '192.0.2.1', family: 4 }]);
  });

  test('IPv6 arriving after the delay goes to onLate, once; an IPv4 answer after IPv6 too', async () => {
    const late: string[][] = [];
    const onLate = (d: { host: string }[]) => late.push(d.map((x) => x.host));
    const v4First = track(resolveHost('h.test', { family: 0, onLate, lookup: fakeLookup({ afterMs: 100, addresses: ['2001:db8::1', '2001:db8::2'] }, { afterMs: 10, addresses: ['192.0.2.1'] }) }));
    await vi.advanceTimersByTimeAsync(60);
    expect(v4First.value?.map((d) => d.host)).toEqual(['192.0.2.1']);
    expect(late).toEqual([]);
    await vi.advanceTimersByTimeAsync(40);
    expect(late).toEqual([['2001:db8::1', '2001:db8::2']]);
    const v6First = track(resolveHost('h.test', { family: 0, onLate, lookup: fakeLookup({ afterMs: 10, addresses: ['2001:db8::1'] }, { afterMs: 30, addresses: ['192.0.2.1', '2001:db8::1'] }) }));
    await vi.advanceTimersByTimeAsync(30);
    expect(v6First.value?.map((d) => d.host)).toEqual(['2001:db8::1']);
    expect(late).toEqual([['2001:db8::1', '2001:db8::2'], ['192.0.2.1']]);
    const failsLate = track(resolveHost('h.test', { family: 0, onLate, lookup: fakeLookup({ afterMs: 10, addresses: ['2001:db8::1'] }, { afterMs: 30, error: 'ENOTFOUND' }) }));
    await vi.advanceTimersByTimeAsync(30);
    expect(failsLate.value).toHaveLength(1);
    expect(late).toHaveLength(2);
  });

  test('IPv6 arriving within the delay is included, and first', async () => {
    const state = track(resolveHost('h.test', { family: 0, lookup: fakeLookup({ afterMs: 40, addresses: ['2001:db8::1'] }, { afterMs: 10, addresses: ['192.0.2.1', '192.0.2.2'] }) }));
    await vi.advanceTimersByTimeAsync(40);
    expect(state.value?.map((d) => d.host)).toEqual(['2001:db8::1', '192.0.2.1', '192.0.2.2']);
  });

  test('the resolution delay is configurable', async () => {
    const state = track(resolveHost('h.test', { family: 0, resolutionDelayMs: 200, lookup: fakeLookup({ afterMs: 150, addresses: ['2001:db8::1'] }, { afterMs: 10, addresses: ['192.0.2.1'] }) }));
    await vi.advanceTimersByTimeAsync(150);
    expect(state.value?.map((d) => d.host)).toEqual(['2001:db8::1', '192.0.2.1']);
  });

  test('one family failing still resolves the other', async () => {
    const v6Fails = track(resolveHost('h.test', { family: 0, lookup: fakeLookup({ afterMs: 1, error: 'ENOTFOUND' }, { afterMs: 10, addresses: ['192.0.2.1'] }) }));
    const v4Fails = track(resolveHost('h.test', { family: 0, lookup: fakeLookup({ afterMs: 10, addresses: ['2001:db8::1'] }, { afterMs: 1, error: 'ENOTFOUND' }) }));
    await vi.advanceTimersByTimeAsync(10);
    expect(v6Fails.value).toEqual([{ host: '192.0.2.1', family: 4 }]);
    expect(v4Fails.value).toEqual([{ host: '2001:db8::1', family: 6 }]);
  });

  test('both failing is ERR_MPT_DNS_LOOKUP_FAILED with the lookup error', async () => {
    const state = track(resolveHost('h.test', { family: 0, lookup: fakeLookup({ afterMs: 1, error: 'ENOTFOUND' }, { afterMs: 2, error: 'EAI_AGAIN' }) }));
    await vi.advanceTimersByTimeAsync(2);
    expect(state.error).toMatchObject({ code: MptErrorCode.DnsLookupFailed, message: 'cannot resolve h.test: ENOTFOUND' });
  });

  test('no address from either family fails', async () => {
    const state = track(resolveHost('h.test', { family: 0, lookup: fakeLookup({ afterMs: 1, addresses: [] }, { afterMs: 2, addresses: [] }) }));
    await vi.advanceTimersByTimeAsync(2);
    expect(state.error).toMatchObject({ code: MptErrorCode.DnsLookupFailed, message: 'cannot resolve h.test: the resolver returned no address' });
  });

  test('a resolver ignoring family and all: each query keeps its family, duplicates removed', async () => {
    let calls = 0;
    const lookup: LookupFunction = (_host, _options, callback) => {
      calls++;
      callback(null, [{ address: '192.0.2.1', family: 4 }, { address: '::1', family: 6 }, { address: '192.0.2.1', family: 4 }]);
    };
    expect(await resolveHost('h.test', { family: 0, lookup })).toEqual([{ host: '::1', family: 6 }, { host: '192.0.2.1', family: 4 }]);
    const single: LookupFunction = (_host, _options, callback) => callback(null, '127.0.0.1', 4);
    expect(await resolveHost('h.test', { family: 0, lookup: single })).toEqual([{ host: '127.0.0.1', family: 4 }]);
    expect(calls).toBe(2);
  });

  test('a pinned family makes one query, and an IP literal none', async () => {
    const calls: { family?: number; all?: boolean }[] = [];
    const state = track(resolveHost('h.test', { family: 4, lookup: fakeLookup({ afterMs: 1, addresses: ['2001:db8::1'] }, { afterMs: 1, addresses: ['192.0.2.1'] }, calls) }));
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toEqual([{ family: 4, all: true }]);
    expect(state.value).toEqual([{ host: '192.0.2.1', family: 4 }]);
    expect(await resolveHost('::1', { family: 0, lookup: fakeLookup({ afterMs: 1 }, { afterMs: 1 }, calls) })).toEqual([{ host: '::1', family: 6 }]);
    expect(calls).toHaveLength(1);
  });
});
