import { ADDRCONFIG, ALL, V4MAPPED } from 'node:dns';
import { isIP } from 'node:net';
import { MptError, MptErrorCode } from '../errors.js';
import { invalidArgTypeError, invalidArgValueError, invalidIpAddressError, missingArgsError, validatePort, validateTimeout } from './net-errors.js';
import type { MptConnectOptions, MptListenOptions } from './options.js';

/**
 * node:net's argument forms for connect() and listen(), and their checks, as Node 20's lib/net.js
 * (normalizeArgs, Socket#connect, Server#listen): the same forms, the same errors, thrown synchronously.
 * @module
 */

/** What normalizeArgs makes of the arguments: an options object (possibly the caller's own) and the callback. */
export type NormalizedArgs<O, C> = [options: O, callback: C | undefined];

/** Whether net would take `value` for an IPC path: a string that is not a number. */
function isPipeName(value: unknown): value is string {
  return typeof value === 'string' && !(value.trim().length > 0 && Number.isFinite(Number(value)));
}

/**
 * net's normalizeArgs: `(options[, ...][, cb])`, `(path[, ...][, cb])` or `([port][, host][, ...][, cb])`;
 * the callback is the last argument if it is a function. A host array (mpt's listen on several
 * addresses) is taken as net takes a host string.
 */
export function normalizeArgs(args: readonly unknown[]): NormalizedArgs<Record<string, unknown>, (...a: never[]) => void> {
  if (args.length === 0) return [{}, undefined];
  const arg0 = args[0];
  let options: Record<string, unknown>;
  if (typeof arg0 === 'object' && arg0 !== null) options = arg0 as Record<string, unknown>;
  else if (isPipeName(arg0)) options = { path: arg0 };
  else {
    options = { port: arg0 };
    const host = args[1];
    if (args.length > 1 && (typeof host === 'string' || Array.isArray(host))) options.host = host;
  }
  const last = args[args.length - 1];
  return [options, typeof last === 'function' ? (last as (...a: never[]) => void) : undefined];
}

function ipcUnsupported(path: unknown): MptError {
  return new MptError(
    MptErrorCode.InvalidConfig,
    `node:net's option path is not supported by mpt: mpt runs over UDP, not IPC (Unix domain sockets, named pipes); got path ${JSON.stringify(path)}, give a port`,
  );
}

/**
 * The checks of net's Socket#connect and lookupAndConnect, in their order: a port or path is needed
 * (ERR_MISSING_ARGS), a path is refused (mpt has no IPC: ERR_MPT_INVALID_CONFIG), the port is a number
 * or a string (ERR_INVALID_ARG_TYPE) within 0..65535 (ERR_SOCKET_BAD_PORT), a host is a string,
 * `localAddress` an IP address (ERR_INVALID_IP_ADDRESS), `localPort` a number, `family` 0, 4 or 6
 * (ERR_INVALID_ARG_VALUE). Returns the options with the port as a number (a copy when it changed).
 */
export function checkConnectOptions(options: MptConnectOptions): MptConnectOptions {
  const o = options as unknown as Record<string, unknown>;
  if (o.port === undefined && (o.path === undefined || o.path === null)) throw missingArgsError('options', 'port', 'path');
  if (o.path !== undefined && o.path !== null && o.path !== '') throw ipcUnsupported(o.path);
  const localAddress = o.localAddress;
  if (localAddress !== undefined && localAddress !== null && localAddress !== '' && (typeof localAddress !== 'string' || isIP(localAddress) === 0)) {
    throw invalidIpAddressError(localAddress);
  }
  if (o.localPort !== undefined && o.localPort !== null && o.localPort !== 0 && typeof o.localPort !== 'number') {
    throw invalidArgTypeError('options.localPort', 'number', o.localPort);
  }
  if (typeof o.port !== 'number' && typeof o.port !== 'string') throw invalidArgTypeError('options.port', ['number', 'string'], o.port);
  const port = validatePort(o.port);
  if (o.family !== undefined && o.family !== null && o.family !== 0 && o.family !== 4 && o.family !== 6) {
    throw invalidArgValueError('options.family', o.family, 'must be one of: 0, 4, 6');
  }
  const hints = o.hints;
  if (typeof hints === 'number' && hints !== 0 && (hints & ~(ADDRCONFIG | V4MAPPED | ALL)) !== 0) {
    throw invalidArgValueError('hints', hints);
  }
  const host = o.host;
  if (host !== undefined && host !== null && host !== '' && host !== false && typeof host !== 'string') throw invalidArgTypeError('hostname', 'string', host);
  if (o.connectTimeout !== undefined) {
    const ms = validateTimeout(o.connectTimeout, 'options.connectTimeout');
    if (ms === 0) throw invalidArgValueError('options.connectTimeout', ms, 'must be a positive number of ms');
  }
  if (port === o.port && (typeof host === 'string' || host === undefined)) return options;
  return { ...options, port, host: typeof host === 'string' && host !== '' ? host : undefined };
}

/** listen()'s options once checked: the port a number, the host (or hosts) given or undefined. */
export interface CheckedListenOptions extends MptListenOptions {
  readonly port: number;
}

/**
 * net's Server#listen checks, after the already-listening one (which the server does): `listen()`,
 * `listen(cb)`, `listen(null)` and `{ port: undefined | null }` pick a port; a number or string port
 * must be within 0..65535 (ERR_SOCKET_BAD_PORT named 'options.port'); a path is refused (no IPC:
 * ERR_MPT_INVALID_CONFIG); an object with neither port nor path, or a port of another type, is
 * ERR_INVALID_ARG_VALUE; a host that is not a string (or, mpt's extension, an array of strings) is
 * ERR_INVALID_ARG_TYPE. `backlog`, `exclusive`, `readableAll`, `writableAll` are accepted and ignored.
 */
export function checkListenOptions(args: readonly unknown[], options: Record<string, unknown>): CheckedListenOptions {
  let port = options.port;
  if (args.length === 0 || typeof args[0] === 'function' || (port === undefined && 'port' in options) || port === null) port = 0;
  const host = options.host;
  const checkHost = (h: unknown): void => {
    if (typeof h !== 'string') throw invalidArgTypeError('hostname', 'string', h);
  };
  let checkedPort: number;
  if (typeof port === 'number' || typeof port === 'string') {
    checkedPort = validatePort(port, 'options.port');
  } else if (options.path !== undefined && options.path !== null && options.path !== '') {
    throw ipcUnsupported(options.path);
  } else if (!('port' in options) && !('path' in options)) {
    throw invalidArgValueError('options', options, 'must have the property "port" or "path"');
  } else {
    throw invalidArgValueError('options', options);
  }
  // net: a falsy host listens on the unspecified address.
  let hosts: string | readonly string[] | undefined;
  if (host !== undefined && host !== null && host !== '' && host !== false && host !== 0) {
    if (Array.isArray(host)) (host as unknown[]).forEach(checkHost);
    else checkHost(host);
    hosts = host as string | readonly string[];
  }
  const signal = options.signal as AbortSignal | undefined;
  // As Node's validateAbortSignal: an object with `aborted`.
  if (signal !== undefined && (typeof signal !== 'object' || signal === null || !('aborted' in signal))) {
    throw invalidArgTypeError('options.signal', 'AbortSignal', signal);
  }
  return { port: checkedPort, host: hosts, signal: signal ?? undefined, ipv6Only: options.ipv6Only === true };
}
