/**
 * The Node layer: sockets, servers and the event loop around the engine.
 * @module
 */
export { connect } from './connect.js';
export { createServer, MptServer, type MptAddressInfo, type MptServerEvents } from './server.js';
export { MptSocket, type MptPathInfo, type MptSocketReadyState } from './socket.js';
export { setInterfaceTableSource, usableLocalAddresses, type InterfaceTable } from './interfaces.js';
export type { LookupFunction, MptConnectOptions, MptListenOptions, MptServerOptions, MptSocketOptions, TransportOptions } from './options.js';
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
