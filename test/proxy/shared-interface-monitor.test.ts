import { describe, expect, it } from 'vitest';
import { InterfaceMonitor } from '../../src/node/interface-monitor.js';
import { sharedMonitorOptions, startSharedMonitor } from '../../src/proxy/shared-interface-monitor.js';

describe('sharedMonitorOptions: when the proxy\'s tunnels share one interface monitor', () => {
  it('shares one by default, and with true or monitor options', () => {
    expect(sharedMonitorOptions({})).toEqual({});
    expect(sharedMonitorOptions({ interfaceMonitor: true })).toEqual({});
    expect(sharedMonitorOptions({ interfaceMonitor: { intervalMs: 500 } })).toEqual({ intervalMs: 500 });
    expect(sharedMonitorOptions({ interfaceMonitor: true, localAddresses: ['127.0.0.1'] })).toEqual({});
  });

  it('shares none when following is off, the application gives its own monitor, or the local addresses are pinned', () => {
    expect(sharedMonitorOptions({ interfaceMonitor: false })).toBeUndefined();
    expect(sharedMonitorOptions({ interfaceMonitor: new InterfaceMonitor() })).toBeUndefined();
    expect(sharedMonitorOptions({ localAddresses: ['127.0.0.1', '127.0.0.2'] })).toBeUndefined();
    expect(sharedMonitorOptions({ localAddress: '127.0.0.1' })).toBeUndefined();
  });

  it('startSharedMonitor: running, polled once, any number of listeners', () => {
    const monitor = startSharedMonitor({ intervalMs: 60_000 });
    try {
      expect(monitor.running).toBe(true);
      expect(monitor.polls).toBe(1);
      expect(monitor.getMaxListeners()).toBe(0);
    } finally {
      monitor.stop();
    }
  });
});
