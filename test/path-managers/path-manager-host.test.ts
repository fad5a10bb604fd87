import { describe, expect, it } from 'vitest';
import type { PathManager } from '../../src/core/path-manager.js';
import { PathManagerHost, type PathManagerFailure } from '../../src/core/path-manager-host.js';
import { FakeContext, addr } from './fake-context.js';

describe('PathManagerHost', () => {
  it('calls the hooks a plugin has, with the context first, and skips the others', () => {
    const seen: string[] = [];
    const plugin: PathManager = {
      name: 'recorder',
      onRemoteAddressAdded(ctx, address) {
        seen.push(`${ctx.role} ${address.host}`);
      },
    };
    const host = new PathManagerHost(plugin, new FakeContext('client', [addr('10.0.0.1')], [addr('10.9.0.1')]), () => {});
    host.notify('onEstablished');
    host.notify('onRemoteAddressAdded', addr('10.9.0.2'));
    expect(seen).toEqual(['client 10.9.0.2']);
  });

  it('makes one plugin per connection from a factory', () => {
    let made = 0;
    const factory = (): PathManager => ({ name: `pm${++made}` });
    const ctx = new FakeContext('client', [], []);
    expect(new PathManagerHost(factory, ctx, () => {}).pathManager.name).toBe('pm1');
    expect(new PathManagerHost(factory, ctx, () => {}).pathManager.name).toBe('pm2');
  });

  it('catches and reports a plugin that throws, and keeps calling it', () => {
    const failures: PathManagerFailure[] = [];
    let calls = 0;
    const plugin: PathManager = {
      name: 'broken',
      onTimer() {
        calls++;
        throw new Error('boom');
      },
    };
    const host = new PathManagerHost(plugin, new FakeContext('client', [], []), (f) => failures.push(f));
    expect(() => host.notify('onTimer', 'a')).not.toThrow();
    host.notify('onTimer', 'b');
    expect(calls).toBe(2);
    expect(host.failures).toBe(2);
    expect(failures[0]).toMatchObject({ pathManager: 'broken', hook: 'onTimer' });
    expect(String(failures[0]?.error)).toContain('boom');
  });
});

describe('PathManagerHost: plugins that fail in other ways', () => {
  it('reports the rejection of a hook written async, and the process lives on', async () => {
    const failures: PathManagerFailure[] = [];
    const plugin = {
      name: 'async',
      async onEstablished(): Promise<void> {
        await Promise.resolve();
        throw new Error('later');
      },
    } as PathManager;
    const host = new PathManagerHost(plugin, new FakeContext('client', [], []), (f) => failures.push(f));
    expect(() => host.notify('onEstablished')).not.toThrow();
    await new Promise((resolve) => setImmediate(resolve));
    expect(failures).toEqual([{ pathManager: 'async', hook: 'onEstablished', error: new Error('later') }]);
    expect(host.failures).toBe(1);
  });

  it('reports a factory that throws and runs no plugin', () => {
    const failures: PathManagerFailure[] = [];
    const host = new PathManagerHost(
      function badFactory(): PathManager {
        throw new Error('no');
      },
      new FakeContext('client', [], []),
      (f) => failures.push(f),
    );
    expect(failures).toEqual([{ pathManager: 'badFactory', hook: 'factory', error: new Error('no') }]);
    expect(host.pathManager.name).toBe('none');
    expect(() => host.notify('onEstablished')).not.toThrow();
  });
});

describe('policy presets on a loopback connection', () => {
  it('never close the only way to a loopback peer (their "loopback: never" rule is for other peers)', async () => {
    const { policy } = await import('../../src/path-managers/policy.js');
    for (const preset of ['handover', 'interactive', 'aggregate'] as const) {
      const ctx = new FakeContext('client', [addr('127.0.0.1', 5000)], [addr('127.0.0.1', 4433)]);
      ctx.interfaces.set('127.0.0.1', { name: 'lo', type: 'loopback', metered: false });
      const host = new PathManagerHost(policy(preset), ctx, (f) => {
        throw new Error(String(f.error));
      });
      host.notify('onEstablished');
      expect(ctx.closed, preset).toEqual([]);
    }
  });
});

describe('backup: the primary interface comes back on a new port', () => {
  it('reopens the primary from the new socket', async () => {
    const { backup } = await import('../../src/path-managers/backup.js');
    const wifi = addr('10.0.0.1', 5000);
    const cell = addr('10.0.1.1', 5001);
    const ctx = new FakeContext('client', [wifi, cell], [addr('10.9.0.1')]);
    ctx.interfaces.set('10.0.0.1', { name: 'wlan0', type: 'wifi', metered: false });
    const host = new PathManagerHost(backup({ primary: 'wlan0', mode: 'hot' }), ctx, (f) => {
      throw new Error(String(f.error));
    });
    host.notify('onEstablished');
    // Wi-Fi goes; its paths close.
    ctx.locals = [cell];
    host.notify('onLocalAddressRemoved', wifi);
    for (const p of ctx.paths_) if (p.local.host === wifi.host) p.state = 'closed';
    // It comes back, bound on another port.
    const back = addr('10.0.0.1', 6000);
    ctx.locals = [back, cell];
    host.notify('onLocalAddressAdded', back);
    // Opened from the new socket as the primary: once it is up and the hold has passed, traffic returns to
    // it and the cellular path goes back to backup.
    const reopened = ctx.paths_.find((p) => p.local.port === 6000)!;
    reopened.state = 'active';
    host.notify('onPathUp', reopened);
    for (const tag of [...ctx.timers.keys()]) host.notify('onTimer', tag);
    expect(reopened.state).toBe('active');
    expect(ctx.paths_.find((p) => p.local.host === cell.host && p.state !== 'closed')?.state).toBe('backup');
  });
});
