import type { Connection } from '../core/connection.js';
import type { SocketAddress } from '../core/socket-address.js';
import type { InterfaceInfo, LocalInterface } from '../core/path-manager.js';
import type { EndpointDriver } from './driver.js';
import { describeInterfaces, InterfaceMonitor, type InterfaceAddress, type InterfaceChange, type InterfaceMonitorOptions } from './interface-monitor.js';
import { isLoopback, readInterfaceTable } from './interfaces.js';
import type { MptConnectOptions } from './options.js';
import type { MptLocalAddressEvent } from './socket-events.js';

/**
 * Interface following: how a client socket reacts to its host's interface changes (the
 * `interfaceMonitor` option). An address that goes away has its UDP socket closed, a new one that
 * qualifies gets one, the path manager is told (`connection.setLocalAddresses`), and the socket emits
 * 'localAddress'.
 * @module
 */

/** What interface following sees of the socket it works for. */
export interface FollowingSocket {
  /** Whether the socket was destroyed (following stops acting). */
  readonly destroyed: boolean;
  /** Emits the socket's 'localAddress' event. */
  emit(event: 'localAddress', change: MptLocalAddressEvent): boolean;
}

/**
 * One client socket's following of an {@link InterfaceMonitor}: the monitor (its own, or the
 * application's), the subscription to its changes, and the changes applied one at a time.
 */
export class InterfaceFollowing {
  readonly #socket: FollowingSocket;
  /** The interface monitor this socket follows, if any. */
  #monitor: InterfaceMonitor | undefined = undefined;
  #ownsMonitor = false;
  #onChange: ((change: InterfaceChange) => void) | undefined = undefined;
  /** Interface changes are applied one at a time (binding is asynchronous). */
  #work: Promise<void> = Promise.resolve();
  /** Whether the first socket's address is in the interface table (else the path manager was told it went away). */
  #primaryPresent = true;

  /** Following for `socket`; nothing happens until {@link InterfaceFollowing.setUp}. */
  constructor(socket: FollowingSocket) {
    this.#socket = socket;
  }

  /**
   * Resolves the `interfaceMonitor` option: takes the application's monitor (polled once now if it
   * never was), or starts the socket's own when it follows; returns whether the socket follows changes
   * (by default when it has a path manager and binds the default addresses).
   */
  setUp(options: MptConnectOptions, hasPathManager: boolean): boolean {
    const setting = options.interfaceMonitor;
    const explicit = options.localAddresses !== undefined || options.localAddress !== undefined;
    const follow = hasPathManager && (setting === undefined ? !explicit : setting !== false);
    if (setting instanceof InterfaceMonitor) {
      this.#monitor = setting;
      if (setting.polls === 0) setting.poll();
      return follow;
    }
    if (!follow) return false;
    this.#monitor = new InterfaceMonitor(monitorOptions(setting)).start();
    this.#ownsMonitor = true;
    return true;
  }

  /** The host's interface addresses, described: the monitor's last read, or the table read now without one. */
  described(options: MptConnectOptions): InterfaceAddress[] {
    return this.#monitor?.addresses() ?? describeInterfaces(readInterfaceTable(), monitorOptions(options.interfaceMonitor));
  }

  /**
   * Subscribes to the monitor's changes, once the connection exists: an added address qualifies if
   * `localAddresses` lists it, or without that list if it is of the server's family and scope
   * (loopback or not) and not internal.
   */
  follow(options: MptConnectOptions, family: 4 | 6, remote: SocketAddress, driver: EndpointDriver, connection: Connection): void {
    const monitor = this.#monitor;
    if (monitor === undefined || this.#socket.destroyed) return;
    const listed = options.localAddresses === undefined ? undefined : new Set(options.localAddresses);
    const eligible = (a: InterfaceAddress): boolean =>
      listed !== undefined ? listed.has(a.address) : a.family === family && !a.internal && isLoopback(a.address) === isLoopback(remote.host);
    const port = options.localPort ?? 0;
    this.#onChange = (change) => {
      this.#work = this.#work.then(() => this.#apply(change, eligible, port, driver, connection)).catch(() => {});
    };
    monitor.on('change', this.#onChange);
  }

  /** Unsubscribes, and stops the monitor if the socket started it. */
  stop(): void {
    const monitor = this.#monitor;
    if (monitor === undefined) return;
    if (this.#onChange !== undefined) monitor.off('change', this.#onChange);
    this.#onChange = undefined;
    if (this.#ownsMonitor) monitor.stop();
  }

  /** Binds or closes sockets for one interface change and tells the path manager. */
  async #apply(change: InterfaceChange, eligible: (a: InterfaceAddress) => boolean, port: number, driver: EndpointDriver, connection: Connection): Promise<void> {
    if (this.#socket.destroyed) return;
    const events: MptLocalAddressEvent[] = [];
    const closing: SocketAddress[] = [];
    for (const a of change.removed) {
      const bound = driver.addresses().find((b) => b.host === a.address);
      if (bound === undefined) continue;
      if (bound === driver.local) this.#primaryPresent = false;
      else closing.push(bound);
      events.push({ change: 'removed', address: { host: bound.host, port: bound.port }, interface: infoOf(a) });
    }
    for (const a of change.added) {
      if (a.address === driver.local.host) {
        if (!this.#primaryPresent) events.push({ change: 'added', address: { host: driver.local.host, port: driver.local.port }, interface: infoOf(a) });
        this.#primaryPresent = true;
        continue;
      }
      if (!eligible(a) || driver.addresses().some((b) => b.host === a.address)) continue;
      let local: SocketAddress;
      try {
        local = await driver.addSocket({ type: a.family === 6 ? 'udp6' : 'udp4', host: a.address, port });
      } catch {
        continue; // cannot bind (the address went again, the port is taken): the next change may do better
      }
      if (this.#socket.destroyed) return;
      events.push({ change: 'added', address: { host: local.host, port: local.port }, interface: infoOf(a) });
    }
    if (events.length === 0 && change.changed.length === 0) return;
    const closingSet = new Set(closing);
    const addresses = driver.addresses().filter((b) => !closingSet.has(b) && (b !== driver.local || this.#primaryPresent));
    const monitor = this.#monitor;
    connection.setLocalAddresses(driver.now(), addresses, describeBound(addresses, monitor?.addresses() ?? []));
    driver.schedule();
    // The path manager's PATH_ABANDONs for the closed address go out in the flush scheduled above;
    // the sockets close after it.
    if (closing.length > 0) setImmediate(() => closing.forEach((b) => driver.closeSocket(b)));
    for (const e of events) this.#socket.emit('localAddress', e);
  }
}

/** The options object of an `interfaceMonitor` setting (none for a boolean or an instance). */
function monitorOptions(setting: MptConnectOptions['interfaceMonitor']): InterfaceMonitorOptions {
  return typeof setting === 'object' && !(setting instanceof InterfaceMonitor) ? setting : {};
}

/** An interface description without the address fields. */
function infoOf(a: InterfaceAddress): InterfaceInfo {
  return { name: a.name, type: a.type, metered: a.metered };
}

/** The bound addresses with their interfaces' descriptions, for the path manager (undescribed ones left out). */
export function describeBound(bound: readonly SocketAddress[], described: readonly InterfaceAddress[]): LocalInterface[] {
  const out: LocalInterface[] = [];
  for (const address of bound) {
    const a = described.find((d) => d.address === address.host);
    if (a !== undefined) out.push({ address, ...infoOf(a) });
  }
  return out;
}
