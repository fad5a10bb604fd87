import { describe, expect, it } from 'vitest';
import { ReasonCode } from '../../src/core/wire/reason-codes.js';
import { fullmesh } from '../../src/path-managers/fullmesh.js';
import { PathManagerHost } from '../../src/core/path-manager-host.js';
import { FakeContext, addr } from './fake-context.js';

function host(ctx: FakeContext, options?: Parameters<typeof fullmesh>[0]): PathManagerHost {
  return new PathManagerHost(fullmesh(options), ctx, (f) => {
    throw new Error(`fullmesh threw in ${f.hook}: ${String(f.error)}`);
  });
}

describe('fullmesh', () => {
  it('opens one path per local x remote pair once established', () => {
    const ctx = new FakeContext('client', [addr('10.0.0.1', 5000), addr('10.0.1.1', 5001)], [addr('10.9.0.1'), addr('10.9.0.2')]);
    host(ctx).notify('onEstablished');
    expect(ctx.pairs()).toEqual(['10.0.0.1>10.9.0.1', '10.0.0.1>10.9.0.2', '10.0.1.1>10.9.0.1', '10.0.1.1>10.9.0.2']);
  });

  it('stops at the path limit, counting path 0', () => {
    const locals = [1, 2, 3].map((i) => addr(`10.0.${i}.1`, 5000 + i));
    const remotes = [1, 2, 3].map((i) => addr(`10.9.0.${i}`));
    const ctx = new FakeContext('client', locals, remotes);
    host(ctx, { maxPaths: 4 }).notify('onEstablished');
    expect(ctx.paths()).toHaveLength(4);
  });

  it('at the limit, spreads paths over addresses that carry none yet before doubling up', () => {
    // Path 0 is 10.0.0.1 > 10.9.0.1; one more path allowed: the second local to the second remote.
    const ctx = new FakeContext('client', [addr('10.0.0.1', 5000), addr('10.0.1.1', 5001)], [addr('10.9.0.1'), addr('10.9.0.2')]);
    host(ctx, { maxPaths: 2 }).notify('onEstablished');
    expect(ctx.pairs()).toEqual(['10.0.0.1>10.9.0.1', '10.0.1.1>10.9.0.2']);
  });

  it('skips pairs of different address families', () => {
    const ctx = new FakeContext('client', [addr('10.0.0.1', 5000), addr('2001:db8::1', 5001)], [addr('10.9.0.1'), addr('2001:db8::9')]);
    host(ctx).notify('onEstablished');
    expect(ctx.pairs()).toEqual(['10.0.0.1>10.9.0.1', '2001:db8::1>2001:db8::9']);
  });

  it('opens paths to a remote address learned later, and for a new local address', () => {
    const ctx = new FakeContext('client', [addr('10.0.0.1', 5000)], [addr('10.9.0.1')]);
    const pm = host(ctx);
    pm.notify('onEstablished');
    expect(ctx.pairs()).toEqual(['10.0.0.1>10.9.0.1']);
    ctx.remotes.push(addr('10.9.0.2'));
    pm.notify('onRemoteAddressAdded', addr('10.9.0.2'));
    expect(ctx.pairs()).toEqual(['10.0.0.1>10.9.0.1', '10.0.0.1>10.9.0.2']);
    ctx.locals.push(addr('10.0.1.1', 5001));
    pm.notify('onLocalAddressAdded', addr('10.0.1.1', 5001));
    expect(ctx.pairs()).toHaveLength(4);
  });

  it('closes the paths of an address that went away, with AddressRemoved', () => {
    const ctx = new FakeContext('client', [addr('10.0.0.1', 5000), addr('10.0.1.1', 5001)], [addr('10.9.0.1')]);
    const pm = host(ctx);
    pm.notify('onEstablished');
    ctx.locals = [addr('10.0.0.1', 5000)];
    pm.notify('onLocalAddressRemoved', addr('10.0.1.1', 5001));
    expect(ctx.pairs()).toEqual(['10.0.0.1>10.9.0.1']);
    expect(ctx.closed).toEqual([{ id: 1, reason: ReasonCode.AddressRemoved }]);
    ctx.remotes = [];
    pm.notify('onRemoteAddressRemoved', addr('10.9.0.1'));
    expect(ctx.pairs()).toEqual([]);
  });

  it('backs off before reopening a pair whose path closed on a failure, doubling the delay', () => {
    const ctx = new FakeContext('client', [addr('10.0.0.1', 5000), addr('10.0.1.1', 5001)], [addr('10.9.0.1')]);
    const pm = host(ctx, { retryDelayMs: 500 });
    pm.notify('onEstablished');
    const failing = ctx.path('10.0.1.1', '10.9.0.1')!;
    failing.state = 'closed'; // the connection gave up validating it
    pm.notify('onPathClosed', failing, ReasonCode.PathValidationFailed);
    // Held back: no new path to the pair until its timer fires.
    expect(ctx.pairs()).toEqual(['10.0.0.1>10.9.0.1']);
    const [tag, delay] = [...ctx.timers][0]!;
    expect(delay).toBe(500);
    pm.notify('onTimer', tag!);
    expect(ctx.pairs()).toEqual(['10.0.0.1>10.9.0.1', '10.0.1.1>10.9.0.1']);
    const again = ctx.path('10.0.1.1', '10.9.0.1')!;
    again.state = 'closed';
    pm.notify('onPathClosed', again, ReasonCode.PathValidationFailed);
    expect(ctx.timers.get(tag!)).toBe(1000);
    // A pair whose path came up starts its back-off afresh.
    pm.notify('onTimer', tag!);
    const third = ctx.path('10.0.1.1', '10.9.0.1')!;
    pm.notify('onPathUp', third);
    third.state = 'closed';
    pm.notify('onPathClosed', third, ReasonCode.PathValidationFailed);
    expect(ctx.timers.get(tag!)).toBe(500);
  });

  it('gives a pair up after maxAttempts failures in a row, until one of its addresses is added again', () => {
    const ctx = new FakeContext('client', [addr('10.0.0.1', 5000)], [addr('10.9.0.1'), addr('10.9.0.2')]);
    const pm = host(ctx, { maxAttempts: 3 });
    pm.notify('onEstablished');
    for (let attempt = 1; attempt <= 3; attempt++) {
      const p = ctx.path('10.0.0.1', '10.9.0.2')!;
      p.state = 'closed';
      pm.notify('onPathClosed', p, ReasonCode.PathValidationFailed);
      const tag = [...ctx.timers.keys()].find((t) => t.includes('10.9.0.2'));
      if (attempt < 3) {
        expect(tag).toBeDefined();
        ctx.timers.delete(tag!);
        pm.notify('onTimer', tag!);
      } else {
        expect(tag).toBeUndefined(); // given up: no retry timer
      }
    }
    expect(ctx.pairs()).toEqual(['10.0.0.1>10.9.0.1']);
    // The peer advertises the address again: the pair is tried at once.
    pm.notify('onRemoteAddressAdded', addr('10.9.0.2'));
    expect(ctx.pairs()).toEqual(['10.0.0.1>10.9.0.1', '10.0.0.1>10.9.0.2']);
  });

  it('keeps a failed path: it holds its pair (the connection probes it back) and is not duplicated', () => {
    const ctx = new FakeContext('client', [addr('10.0.0.1', 5000), addr('10.0.1.1', 5001)], [addr('10.9.0.1')]);
    const pm = host(ctx);
    pm.notify('onEstablished');
    const failing = ctx.path('10.0.1.1', '10.9.0.1')!;
    failing.state = 'failed';
    pm.notify('onPathFailed', failing, 0);
    pm.notify('onRemoteAddressAdded', addr('10.9.0.1')); // anything that makes it look for gaps
    expect(ctx.pairs()).toEqual(['10.0.0.1>10.9.0.1', '10.0.1.1>10.9.0.1']);
    expect(ctx.closed).toEqual([]);
    // Closed by choice: the slot is free at once, no back-off.
    failing.state = 'closed';
    pm.notify('onPathClosed', failing, ReasonCode.AdministrativelyProhibited);
    expect(ctx.pairs()).toHaveLength(2);
    expect(ctx.timers.size).toBe(0);
  });

  it('on a server: opens nothing, advertises its other addresses and withdraws removed ones', () => {
    const ctx = new FakeContext('server', [addr('10.9.0.1'), addr('10.9.0.2')], [addr('10.0.0.1', 5000)]);
    const pm = host(ctx);
    pm.notify('onEstablished');
    expect(ctx.pairs()).toEqual(['10.9.0.1>10.0.0.1']);
    expect(ctx.advertised).toEqual([addr('10.9.0.2')]);
    pm.notify('onLocalAddressRemoved', addr('10.9.0.2'));
    expect(ctx.withdrawn).toEqual([addr('10.9.0.2')]);
  });
});
