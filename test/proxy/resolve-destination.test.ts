// From a requested host to the addresses the converter may dial: one lookup, every address judged, a
// name whose addresses are all refused refused with reply 2 (without naming them), resolver failures
// mapped to their reply codes.
import type { LookupAddress } from 'node:dns';
import { describe, expect, test } from 'vitest';
import type { LookupFunction } from '../../src/node/options.js';
import { TunnelReplyCode } from '../../src/proxy/converter-protocol.js';
import { DestinationPolicy } from '../../src/proxy/destination-policy.js';
import { resolveDestination } from '../../src/proxy/resolve-destination.js';

/** A resolver answering from a table, counting its calls and recording the options it got. */
function fakeLookup(table: Record<string, string[] | NodeJS.ErrnoException>): LookupFunction & { calls: { host: string; all: boolean | undefined }[] } {
  const calls: { host: string; all: boolean | undefined }[] = [];
  const lookup = ((host, options, callback) => {
    calls.push({ host, all: options.all });
    const answer = table[host] ?? Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    setImmediate(() => {
      if (!Array.isArray(answer)) return callback(answer, []);
      const list: LookupAddress[] = answer.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
      callback(null, list);
    });
  }) as LookupFunction;
  return Object.assign(lookup, { calls });
}

const never = new AbortController().signal;

describe('resolveDestination', () => {
  test('a name resolving only to private and loopback addresses is refused with reply 2, its addresses unnamed', async () => {
    const lookup = fakeLookup({ 'intranet.example': ['10.1.2.3', '127.0.0.1', '::1'] });
    const result = await resolveDestination('intranet.example', new DestinationPolicy(), lookup, never);
    expect(result).toMatchObject({ ok: false, code: TunnelReplyCode.NotAllowed });
    const reason = result !== undefined && !result.ok ? result.reason : '';
    expect(reason).toContain('private');
    expect(reason).toContain('loopback');
    expect(reason).not.toContain('10.1.2.3');
    expect(lookup.calls).toEqual([{ host: 'intranet.example', all: true }]);
  });

  test('of mixed answers only the permitted addresses are kept, in the resolver order', async () => {
    const lookup = fakeLookup({ 'mixed.example': ['192.168.0.5', '2001:db8::7', '::ffff:10.0.0.1', '192.0.2.44'] });
    const result = await resolveDestination('mixed.example', new DestinationPolicy(), lookup, never);
    expect(result).toEqual({ ok: true, addresses: ['2001:db8::7', '192.0.2.44'] });
  });

  test('an IP literal is judged as it is, without a lookup', async () => {
    const lookup = fakeLookup({});
    expect(await resolveDestination('10.0.0.1', new DestinationPolicy(), lookup, never)).toMatchObject({ ok: false, code: TunnelReplyCode.NotAllowed });
    expect(await resolveDestination('[2001:db8::1]', new DestinationPolicy(), lookup, never)).toEqual({ ok: true, addresses: ['2001:db8::1'] });
    expect(await resolveDestination('::ffff:127.0.0.1', new DestinationPolicy({ allow: ['127.0.0.1/32'] }), lookup, never)).toEqual({ ok: true, addresses: ['::ffff:127.0.0.1'] });
    expect(lookup.calls).toEqual([]);
  });

  test('a denied name is not looked up at all', async () => {
    const lookup = fakeLookup({ 'tracker.example': ['192.0.2.1'] });
    const result = await resolveDestination('tracker.example', new DestinationPolicy({ deny: ['tracker.example'] }), lookup, never);
    expect(result).toMatchObject({ ok: false, code: TunnelReplyCode.NotAllowed });
    expect(lookup.calls).toEqual([]);
  });

  test('the name is resolved once: the addresses judged are the addresses handed to the dialler', async () => {
    // A rebinding resolver: public the first time, loopback after.
    let n = 0;
    const rebinding = ((_host, _options, callback) => {
      const address = n++ === 0 ? '192.0.2.80' : '127.0.0.1';
      setImmediate(() => callback(null, [{ address, family: 4 }]));
    }) as LookupFunction;
    const result = await resolveDestination('rebind.example', new DestinationPolicy(), rebinding, never);
    expect(result).toEqual({ ok: true, addresses: ['192.0.2.80'] });
    expect(n).toBe(1);
  });

  test('resolver failures: no such name -> reply 4, anything else -> reply 1', async () => {
    const lookup = fakeLookup({
      'again.example': Object.assign(new Error('EAI_AGAIN'), { code: 'EAI_AGAIN' }),
      'broken.example': Object.assign(new Error('boom'), { code: 'EWHATEVER' }),
      'empty.example': [],
    });
    expect(await resolveDestination('nx.example', new DestinationPolicy(), lookup, never)).toMatchObject({ ok: false, code: TunnelReplyCode.HostUnreachable });
    expect(await resolveDestination('again.example', new DestinationPolicy(), lookup, never)).toMatchObject({ ok: false, code: TunnelReplyCode.HostUnreachable });
    expect(await resolveDestination('empty.example', new DestinationPolicy(), lookup, never)).toMatchObject({ ok: false, code: TunnelReplyCode.HostUnreachable });
    expect(await resolveDestination('broken.example', new DestinationPolicy(), lookup, never)).toMatchObject({ ok: false, code: TunnelReplyCode.GeneralFailure });
  });

  test('a resolver that answers with one address (all: false style) works too', async () => {
    const single = ((_host, _options, callback) => setImmediate(() => callback(null, '192.0.2.9', 4))) as LookupFunction;
    expect(await resolveDestination('one.example', new DestinationPolicy(), single, never)).toEqual({ ok: true, addresses: ['192.0.2.9'] });
  });

  test('an abort while resolving resolves to undefined', async () => {
    const hanging = (() => {}) as LookupFunction;
    const controller = new AbortController();
    const pending = resolveDestination('slow.example', new DestinationPolicy(), hanging, controller.signal);
    controller.abort();
    expect(await pending).toBeUndefined();
  });
});
