import { isIP } from 'node:net';
import { DEFAULT_TRANSPORT_CONFIG, resolveTransportSettings, type TransportConfig } from '../core/config.js';
import { arrayOf, bool, bytes, describe, either, func, nearest, num, object, oneOf, str, type Check, type OptionSpec } from '../option-check.js';
import { isPathManagerName, PATH_MANAGER_NAMES } from '../path-managers/by-name.js';
import { InterfaceMonitor } from './interface-monitor.js';
import type { MptConnectOptions, MptListenOptions, MptServerOptions, MptSocketOptions } from './options.js';

/**
 * The options each API of the Node layer accepts, in one table: the keys, each with the check of its
 * value, and the node:net keys mpt refuses, each with the reason. `connect()`, `createServer()`,
 * `server.listen()` and `new MptSocket()` check their options against it (see validate-options.ts),
 * and docs/options.md lists the same keys (a test holds the two together). Any other key is an error.
 *
 * The type checks below make sure every key of the option types is in its table; a table also holds
 * the node:net keys mpt accepts beyond its types.
 * @module
 */

// ----- value checks -----------------------------------------------------------------------------

const ip: Check = (v, name) => (typeof v === 'string' && isIP(v) !== 0 ? undefined : `${name} must be an IP address, got ${describe(v)}`);
const key32 = bytes(32);
const ms = num({ min: 0 });
const port = num({ min: 1, max: 65_535, integer: true });

const keyPair: Check = (v, name) => {
  if (typeof v !== 'object' || v === null) return `${name} must be a key pair ({ publicKey, privateKey }, 32 bytes each, see generateKeyPair()), got ${describe(v)}`;
  const pair = v as { publicKey?: unknown; privateKey?: unknown };
  return key32(pair.publicKey, `${name}.publicKey`) ?? key32(pair.privateKey, `${name}.privateKey`);
};

const abortSignal: Check = (v, name) => {
  const s = v as { aborted?: unknown; addEventListener?: unknown } | null;
  return typeof s === 'object' && s !== null && typeof s.aborted === 'boolean' && typeof s.addEventListener === 'function'
    ? undefined
    : `${name} must be an AbortSignal, got ${describe(v)}`;
};

const provider: Check = (v, name) => {
  const p = v as { aeads?: unknown; createAead?: unknown } | null;
  return typeof p === 'object' && p !== null && Array.isArray(p.aeads) && typeof p.createAead === 'function'
    ? undefined
    : `${name} must be a CryptoProvider (nodeProvider(), sodiumProvider(), ...), got ${describe(v)}`;
};

const happyEyeballsCache: Check = (v, name) => {
  const c = v as { entries?: unknown } | null;
  return typeof c === 'object' && c !== null && typeof c.entries === 'object' && c.entries !== null
    ? undefined
    : `${name} must be a happy-eyeballs cache (createHappyEyeballsCache()), got ${describe(v)}`;
};

const PATH_MANAGER_HOOKS = [
  'onEstablished',
  'onClosed',
  'onLocalAddressAdded',
  'onLocalAddressRemoved',
  'onRemoteAddressAdded',
  'onRemoteAddressRemoved',
  'onPathUp',
  'onPathFailed',
  'onPathClosed',
  'onPathStatusChanged',
  'onPathStats',
  'onTimer',
] as const;

/** A built-in name, a factory function, or a PathManager object (a `name`, hooks that are functions). */
const pathManager: Check = (v, name) => {
  if (typeof v === 'function' || isPathManagerName(v)) return undefined;
  const names = PATH_MANAGER_NAMES.map((n) => JSON.stringify(n)).join(', ');
  if (typeof v === 'string') {
    const near = nearest(v, PATH_MANAGER_NAMES);
    return `${name} ${describe(v)} is not a built-in path manager${near === undefined ? '' : ` (did you mean ${JSON.stringify(near)}?)`}; the names are ${names}, or give a PathManager or a function that makes one`;
  }
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
    const plugin = v as Record<string, unknown>;
    if (typeof plugin.name !== 'string') return `${name} must be a PathManager object with a string name, got ${describe(plugin.name)} as its name`;
    for (const hook of PATH_MANAGER_HOOKS) {
      if (plugin[hook] !== undefined && typeof plugin[hook] !== 'function') return `${name}.${hook} must be a function, got ${describe(plugin[hook])}`;
    }
    return undefined;
  }
  return `${name} must be one of ${names}, a PathManager, or a function that makes one, got ${describe(v)}`;
};

const interfaceMonitorOptions = object({
  intervalMs: num({ min: 1 }),
  classifyInterface: func,
  metered: either('a function or an array of interface names', func, arrayOf(str, 'interface names')),
  platform: str,
});

const interfaceMonitor: Check = (v, name) => {
  if (typeof v === 'boolean' || v instanceof InterfaceMonitor) return undefined;
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) return interfaceMonitorOptions(v, name);
  return `${name} must be a boolean, an InterfaceMonitor or its options, got ${describe(v)}`;
};

const extraRemote: Check = (v, name) => {
  if (typeof v !== 'object' || v === null) return `${name} must be an address ({ host, port }), got ${describe(v)}`;
  const a = v as { host?: unknown; port?: unknown };
  return ip(a.host, `${name}.host`) ?? port(a.port, `${name}.port`);
};

/**
 * The engine's own check of one transport setting, its message naming the key. On its own: how it
 * stands against the others (maxWindowBytes >= initialWindowBytes) is checked once all are known.
 */
function transport(key: keyof TransportConfig): Check {
  return (v, name) => {
    const resolved = resolveTransportSettings({ [key]: v });
    if (resolved.isOk()) return undefined;
    const message = resolved.error.message;
    return message.startsWith(key) ? `${name}${message.slice(key.length)}` : `${name}: ${message}`;
  };
}

/** Every TransportConfig key, checked by the engine's validation. */
const TRANSPORT_OPTIONS = Object.fromEntries((Object.keys(DEFAULT_TRANSPORT_CONFIG) as (keyof TransportConfig)[]).map((k) => [k, transport(k)])) as {
  readonly [K in keyof TransportConfig]: Check;
};

// ----- the tables -------------------------------------------------------------------------------

/** What `new MptSocket(options)` accepts. */
export const SOCKET_OPTIONS = {
  allowHalfOpen: bool,
  noDelay: bool,
  keepAlive: bool,
  keepAliveInitialDelay: ms,
  highWaterMark: num({ min: 0, integer: true }),
  signal: abortSignal,
} as const satisfies OptionSpec;

/** node:net keys of `new net.Socket(options)` that `new MptSocket(options)` refuses, with the reason. */
export const SOCKET_UNSUPPORTED: Readonly<Record<string, string>> = {
  fd: 'mpt binds its own UDP sockets and cannot adopt a file descriptor',
  readable: "it goes with fd (an mpt socket is always both readable and writable)",
  writable: "it goes with fd (an mpt socket is always both readable and writable)",
  onread: "mpt has no caller-supplied read buffer; read through the stream ('data', read())",
  blockList: 'mpt has no block list; refuse servers with serverKey or verifyServerKey',
};

/**
 * What `connect(options)` and `socket.connect(options)` accept: every key of MptConnectOptions, and the
 * node:net keys of net.connect() mpt supports.
 */
export const CONNECT_OPTIONS = {
  ...TRANSPORT_OPTIONS,
  ...SOCKET_OPTIONS,
  pathManager,
  // Where to.
  port: () => undefined, // checked where net checks it (ERR_SOCKET_BAD_PORT)
  host: () => undefined, // likewise
  family: oneOf([0, 4, 6]),
  lookup: func,
  hints: num({ min: 0, integer: true }),
  // Keys.
  serverKey: key32,
  psk: key32,
  keyPair,
  verifyServerKey: func,
  earlyData: bytes(),
  provider,
  // Happy eyeballs.
  autoSelectFamily: bool,
  autoSelectFamilyAttemptTimeout: num({ min: 0 }),
  resolutionDelay: ms,
  firstAddressFamilyCount: num({ min: 1, integer: true }),
  happyEyeballsCache,
  // Local addresses and paths.
  localAddress: ip,
  localAddresses: arrayOf(ip, 'IP addresses'),
  localPort: num({ min: 0, max: 65_535, integer: true }),
  extraRemotes: arrayOf(extraRemote, 'addresses ({ host, port })'),
  interfaceMonitor,
  // Timers, abort, stream.
  signal: abortSignal,
  timeout: ms,
  connectTimeout: ms,
  noDelay: bool,
  keepAlive: bool,
  keepAliveInitialDelay: ms,
  highWaterMark: num({ min: 0, integer: true }),
} as const satisfies OptionSpec;

/** node:net keys of net.connect() that connect() refuses, with the reason. */
export const CONNECT_UNSUPPORTED: Readonly<Record<string, string>> = {
  fd: SOCKET_UNSUPPORTED.fd as string,
  path: 'mpt runs over UDP, not IPC (Unix domain sockets, named pipes)',
  readable: SOCKET_UNSUPPORTED.readable as string,
  writable: SOCKET_UNSUPPORTED.writable as string,
  onread: SOCKET_UNSUPPORTED.onread as string,
  blockList: SOCKET_UNSUPPORTED.blockList as string,
};

/** What `createServer(options)` (and `new MptServer(options)`) accepts: every key of MptServerOptions, and node:net's server options mpt supports. */
export const SERVER_OPTIONS = {
  ...TRANSPORT_OPTIONS,
  allowHalfOpen: bool,
  pathManager,
  keyPair,
  psk: key32,
  retry: oneOf([true, false, 'auto']),
  maxConnections: num({ min: 0, integer: true }),
  acceptEarlyData: bool,
  verifyClientKey: func,
  provider,
  pauseOnConnect: bool,
  noDelay: bool,
  keepAlive: bool,
  keepAliveInitialDelay: ms,
  highWaterMark: num({ min: 0, integer: true }),
} as const satisfies OptionSpec;

/** node:net keys of net.createServer() that createServer() refuses, with the reason. */
export const SERVER_UNSUPPORTED: Readonly<Record<string, string>> = {
  blockList: 'mpt has no block list; refuse clients with verifyClientKey',
};

/** What `server.listen(options)` accepts: every key of MptListenOptions, and node:net's listen options mpt supports. */
export const LISTEN_OPTIONS = {
  port: () => undefined, // checked where net checks it (ERR_SOCKET_BAD_PORT)
  host: () => undefined, // likewise
  signal: abortSignal,
  backlog: num({ integer: true }),
  exclusive: bool,
  ipv6Only: bool,
} as const satisfies OptionSpec;

/** node:net keys of net.Server#listen() that listen() refuses, with the reason. */
export const LISTEN_UNSUPPORTED: Readonly<Record<string, string>> = {
  path: 'mpt runs over UDP, not IPC (Unix domain sockets, named pipes)',
  readableAll: 'it is for IPC servers, and mpt runs over UDP',
  writableAll: 'it is for IPC servers, and mpt runs over UDP',
  reusePort: 'UDP port sharing between processes needs dgram reusePort (Node 22.12), newer than mpt supports',
  fd: 'mpt binds its own UDP sockets and cannot listen on a file descriptor',
  handle: 'mpt binds its own UDP sockets and cannot listen on a handle',
};

// Every key of the option types must be in its table: a compile error below names a key missing from it.
// Add the key to its table above, and to docs/options.md (test/node/options-docs.test.ts checks).
type Missing<T, Table> = Exclude<keyof T, keyof Table>;
const socketCovered: Missing<MptSocketOptions, typeof SOCKET_OPTIONS> extends never ? true : Missing<MptSocketOptions, typeof SOCKET_OPTIONS> = true;
const connectCovered: Missing<MptConnectOptions, typeof CONNECT_OPTIONS> extends never ? true : Missing<MptConnectOptions, typeof CONNECT_OPTIONS> = true;
const serverCovered: Missing<MptServerOptions, typeof SERVER_OPTIONS> extends never ? true : Missing<MptServerOptions, typeof SERVER_OPTIONS> = true;
const listenCovered: Missing<MptListenOptions, typeof LISTEN_OPTIONS> extends never ? true : Missing<MptListenOptions, typeof LISTEN_OPTIONS> = true;
void [socketCovered, connectCovered, serverCovered, listenCovered];
