import { describe, expect, it } from 'vitest';
import type { PathManager } from '../../src/path-managers/path-manager.js';
import { PathManagerHost, type PathManagerFailure } from '../../src/path-managers/path-manager-host.js';
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
