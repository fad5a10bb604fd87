/**
 * The Node layer: sockets, servers and the event loop around the engine.
 * @module
 */
export { connect, createConnection } from './connect.js';
export { createServer, MptServer, type MptAddressInfo, type MptDropArgument, type MptServerEvents } from './server.js';
export type { MptSocketServer } from './address-info.js';
export { MptSocket, type MptSocketReadyState } from './socket.js';
export type { MptPathInfo, MptPathStatus } from './path-info.js';
export type { MptLocalAddressEvent, MptPathChange, MptPathEvent, MptPathManagerErrorEvent, MptRemoteAddressEvent, MptSocketEvents } from './socket-events.js';
export { setInterfaceTableSource, usableLocalAddresses, type InterfaceTable } from './interfaces.js';
export {
  classifyInterfaceName,
  DEFAULT_INTERFACE_POLL_MS,
  describeInterfaces,
  diffInterfaces,
  InterfaceMonitor,
  type ClassifyInterface,
  type InterfaceAddress,
  type InterfaceChange,
  type InterfaceMonitorEvents,
  type InterfaceMonitorOptions,
} from './interface-monitor.js';
export { DEFAULT_MAX_PATHS, type LookupFunction, type MptConnectOptions, type MptListenOptions, type MptServerOptions, type MptSocketOptions, type PathManagerOptions, type TransportOptions } from './options.js';
export {
  createLinkEmulator,
  LinkEmulator,
  type LinkDirection,
  type LinkDirectionStats,
  type LinkEmulatorClient,
  type LinkEmulatorDropCause,
  type LinkEmulatorOptions,
  type LinkEmulatorStats,
  type LinkImpairmentChanges,
  type LinkImpairments,
  type LinkRebindOptions,
} from './link-emulator.js';
export type { NetError, NetErrorCode } from './net-errors.js';
