/**
 * mpt: one reliable, ordered, encrypted byte stream over several UDP paths.
 *
 * This is the package root: the connection API (`connect`, `createServer`,
 * used like node:net's), errors, keys, the crypto providers, the path
 * managers (fullmesh, backup, policy and the plugin interface), the
 * congestion-control and scheduler interfaces (for factories of one's own),
 * the TCP converter and tunnel client (`createConverter`, `openTunnel`), the
 * local SOCKS5 / HTTP CONNECT proxy (`createProxy`) and the protocol constants. The README's status table says what works.
 * @module
 */
export { MptError, MptErrorCode, type MptConnectAttempt } from './errors.js';
export { createHappyEyeballsCache, type HappyEyeballsCache, type HappyEyeballsCacheEntry } from './core/happy-eyeballs/cache.js';
export { generateKeyPair, type KeyPair } from './crypto/x25519.js';
export {
  AeadId,
  aeadName,
  type Aead,
  type CryptoProvider,
} from './crypto/provider.js';
export { nodeProvider, nodeHasChaCha20Poly1305 } from './crypto/node-provider.js';
export { sodiumProvider } from './crypto/sodium-provider.js';
export { compositeProvider, defaultProvider } from './crypto/default-provider.js';
export { MPT_NOISE_PROTOCOLS, type MptHandshakeMode } from './crypto/mpt-suite.js';
export { ReasonCode, reasonCodeName } from './core/wire/reason-codes.js';
export type { TransportConfig } from './core/config.js';
export type { ConnectionStats } from './core/connection.js';
export type {
  CcPathInfo,
  CongestionControlFactory,
  CongestionControlName,
  CongestionController,
  CongestionGroup,
  RttSample,
} from './cc/congestion-controller.js';
export { CONGESTION_CONTROL_NAMES, createCongestionGroup } from './cc/congestion-group.js';
export type { Scheduler, SchedulerFactory, SchedulerName, SchedulerPath } from './core/scheduler/scheduler.js';
export { SCHEDULER_NAMES, createScheduler } from './core/scheduler/create-scheduler.js';
export { probeMayCarryData } from './core/scheduler/reinjection.js';
export type { SocketAddress } from './core/socket-address.js';
export {
  backup,
  fullmesh,
  isPathManagerName,
  PATH_MANAGER_NAMES,
  pathManagerByName,
  policy,
  POLICY_PRESETS,
  PathManagerHost,
  type BackupFailure,
  type BackupOptions,
  type DuplicationConfig,
  type FullmeshOptions,
  type InterfaceInfo,
  type InterfaceType,
  type LocalInterface,
  type PathCloseReason,
  type PathManager,
  type PathManagerContext,
  type PathManagerFactory,
  type PathManagerFailure,
  type PathManagerHook,
  type PathManagerHookArgs,
  type PathManagerName,
  type PathStatsSample,
  type PathView,
  type PolicyConfig,
  type PolicyPresetName,
  type PolicyRole,
  type PolicyRule,
} from './path-managers/index.js';

export {
  connect,
  createConnection,
  createServer,
  MptServer,
  MptSocket,
  type LookupFunction,
  type MptAddressInfo,
  type MptSocketServer,
  type MptConnectOptions,
  type MptDropArgument,
  type NetError,
  type NetErrorCode,
  type MptListenOptions,
  type MptPathChange,
  type MptPathEvent,
  type MptPathInfo,
  type MptLocalAddressEvent,
  type MptPathManagerErrorEvent,
  type MptPathStatus,
  type MptRemoteAddressEvent,
  type PathManagerOptions,
  DEFAULT_MAX_PATHS,
  type MptServerEvents,
  type MptSocketEvents,
  type MptServerOptions,
  type MptSocketOptions,
  type MptSocketReadyState,
  type TransportOptions,
  setInterfaceTableSource,
  usableLocalAddresses,
  type InterfaceTable,
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
} from './node/index.js';

// The TCP converter (docs/proxy.md): an mpt server that opens plain TCP to the destination each client
// names, and the client side that opens such a tunnel.
export { createConverter, MptConverter, type ConverterOptions, type ConverterTunnelEvent, type MptConverterEvents } from './proxy/converter.js';
export { openTunnel, type TunnelOptions } from './proxy/tunnel.js';
export { TunnelError } from './proxy/tunnel-error.js';
export { ClientKeyRefusedError, ConverterKeyMismatchError } from './proxy/converter-key-errors.js';
export { TunnelReplyCode, tunnelReplyName, type TunnelDestination } from './proxy/converter-protocol.js';

// The local proxy (docs/proxy.md): a SOCKS5 and HTTP CONNECT listener for unmodified TCP programs, each
// connection it accepts carried by its own tunnel to a converter.
export { createProxy, DEFAULT_PROXY_HOST, DEFAULT_PROXY_PORT, MptProxy, type MptProxyEvents, type MptProxyListenOptions } from './proxy/proxy.js';
export type { ProxyConverterAddress, ProxyOptions } from './proxy/proxy-options.js';
export type { ProxyAuth } from './proxy/proxy-auth.js';
export type { ProxyDestination } from './proxy/destination.js';
export type { MptProxyOutcome, MptProxyProtocol, MptProxyTunnelEvent } from './proxy/proxy-tunnel-event.js';

import { WIRE_VERSION } from './core/wire/version.js';

/** The mpt wire protocol version this build speaks (docs/protocol.md §2). */
export const PROTOCOL_VERSION: number = WIRE_VERSION;
