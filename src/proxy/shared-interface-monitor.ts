import { InterfaceMonitor, type InterfaceMonitorOptions } from '../node/interface-monitor.js';
import type { MptConnectOptions } from '../node/options.js';

/**
 * The proxy's tunnels follow the host's interfaces through one {@link InterfaceMonitor} they share,
 * rather than one each: a tunnel that made its own would read the interface table as it connects and
 * then poll it every 2 s for as long as it lives, and a browser opens tunnels by the hundred.
 * @module
 */

/**
 * The options of the monitor the proxy's tunnels share, or undefined when they share none and each
 * tunnel takes `interfaceMonitor` as given: `false` (no following), an `InterfaceMonitor` of the
 * application's, or a setting under which a tunnel would not follow interfaces anyway (its
 * `localAddress` or `localAddresses` pinned, no `interfaceMonitor`). `true` or options, or none with
 * the default addresses: a shared monitor with those options.
 */
export function sharedMonitorOptions(options: Pick<MptConnectOptions, 'interfaceMonitor' | 'localAddress' | 'localAddresses'>): InterfaceMonitorOptions | undefined {
  const setting = options.interfaceMonitor;
  if (setting === false || setting instanceof InterfaceMonitor) return undefined;
  if (setting === undefined) return options.localAddress === undefined && options.localAddresses === undefined ? {} : undefined;
  return setting === true ? {} : setting;
}

/** A monitor for many tunnels: started now, any number of 'change' listeners (one per open tunnel). */
export function startSharedMonitor(options: InterfaceMonitorOptions): InterfaceMonitor {
  const monitor = new InterfaceMonitor(options);
  monitor.setMaxListeners(0);
  return monitor.start();
}
