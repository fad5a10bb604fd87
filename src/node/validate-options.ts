import { resolveTransportConfig } from '../core/config.js';
import { checkOptions, invalidConfig, type OptionSpec } from '../option-check.js';
import {
  CONNECT_OPTIONS,
  CONNECT_UNSUPPORTED,
  LISTEN_OPTIONS,
  LISTEN_UNSUPPORTED,
  SERVER_OPTIONS,
  SERVER_UNSUPPORTED,
  SOCKET_OPTIONS,
  SOCKET_UNSUPPORTED,
} from './option-keys.js';
import { pickTransport } from './options.js';

/**
 * The Node API's options fail early and loudly: each entry point checks its options object against
 * the table of option-keys.ts before anything starts, and throws an MptError ERR_MPT_INVALID_CONFIG
 * naming the option: an unknown key (with the nearest known key for a near miss), a node:net key mpt
 * does not support (with why), a value of the wrong type or out of range (the transport settings by
 * the engine's own validation). Undefined values are fine for any known key. The host and port are
 * left to the argument checks node:net makes.
 * @module
 */

/** @internal Checks the options of `new MptSocket(options)`. */
export function validateSocketOptions(options: unknown): void {
  // As net.Socket's constructor, which is often given the very object later passed to connect(): the
  // keys of connect() are known here too, and left for connect() to use and check.
  checkOptions('new MptSocket()', options, { ...CONNECT_OPTIONS, ...SOCKET_OPTIONS }, SOCKET_UNSUPPORTED);
}

/** @internal Checks the options object of `connect()` / `socket.connect()` (after the argument forms are turned into one). */
export function validateConnectOptions(options: unknown, where = 'connect()'): void {
  checkWithTransport(where, options, CONNECT_OPTIONS, CONNECT_UNSUPPORTED);
  const o = options as { localAddress?: unknown; localAddresses?: unknown };
  if (o.localAddress !== undefined && o.localAddresses !== undefined) throw invalidConfig(`${where}: give localAddress or localAddresses, not both`);
}

/** @internal Checks the options of `createServer()` / `new MptServer()`. */
export function validateServerOptions(options: unknown): void {
  checkWithTransport('createServer()', options, SERVER_OPTIONS, SERVER_UNSUPPORTED);
}

/** @internal Checks the options object of `server.listen()` (after the argument forms are turned into one). */
export function validateListenOptions(options: unknown): void {
  checkOptions('listen()', options, LISTEN_OPTIONS, LISTEN_UNSUPPORTED);
}

/** Each key on its own, then the transport settings together, as the engine will take them (maxWindowBytes >= initialWindowBytes). */
function checkWithTransport(where: string, options: unknown, spec: OptionSpec, unsupported: Readonly<Record<string, string>>): void {
  checkOptions(where, options, spec, unsupported);
  if (options === undefined) return;
  const transport = resolveTransportConfig(pickTransport(options as object));
  if (transport.isErr()) throw invalidConfig(`${where}: ${transport.error.message}`);
}
