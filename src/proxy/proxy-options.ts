import { checkOptions, describe, invalidConfig, num, object, type Check, type OptionSpec } from '../option-check.js';
import type { MptConnectOptions } from '../node/options.js';
import { CONNECT_OPTIONS } from '../node/option-keys.js';
import { validateConnectOptions } from '../node/validate-options.js';
import type { ProxyAuth } from './proxy-auth.js';

/**
 * The options of {@link createProxy}, and their checks: the converter to reach and the credentials
 * to ask for, plus the options of every tunnel's mpt connection (those of connect(), checked as
 * connect() checks them).
 * @module
 */

/** Where the converter (an mpt server in converter mode) listens. */
export interface ProxyConverterAddress {
  /** Its host name or IP address. */
  readonly host: string;
  /** Its UDP port. */
  readonly port: number;
}

/**
 * Options of {@link createProxy}: `converter` (required) and `auth`, and the options of connect()
 * for every tunnel's mpt connection, but for `host` and `port` (the converter's are given as
 * `converter`), `signal` and `earlyData` (each tunnel has its own) and `allowHalfOpen` (a tunnel always
 * allows half-open, so each direction's end passes on its own). Give `serverKey` (the converter's
 * public key) so each tunnel's request goes in the first flight (0-RTT), and `keyPair` when the
 * converter only takes known client keys.
 */
export interface ProxyOptions extends Omit<MptConnectOptions, 'host' | 'port' | 'signal' | 'earlyData' | 'allowHalfOpen'> {
  /** Where the converter listens: every accepted connection becomes one mpt connection there. Required. */
  readonly converter: ProxyConverterAddress;
  /**
   * Credentials the proxy's clients must give: SOCKS5 username/password (RFC 1929; a client that
   * does not offer it gets "no acceptable methods") and HTTP `Proxy-Authorization: Basic` (else 407).
   * Default: none asked.
   */
  readonly auth?: ProxyAuth | undefined;
}

/** Bytes of a string in UTF-8. */
const utf8Length = (s: string): number => Buffer.byteLength(s, 'utf8');

const nonEmptyString: Check = (v, name) => (typeof v === 'string' && v.length > 0 ? undefined : `${name} must be a non-empty string, got ${describe(v)}`);

/** A credential: 1 to 255 bytes of UTF-8 (RFC 1929's limits), and, for the user name, no ':' (HTTP Basic). */
function credential(allowColon: boolean): Check {
  return (v, name) => {
    if (typeof v !== 'string' || utf8Length(v) < 1 || utf8Length(v) > 255) return `${name} must be a string of 1 to 255 bytes (UTF-8), got ${describe(v)}`;
    if (!allowColon && v.includes(':')) return `${name} must not contain ':' (HTTP Basic separates the user name from the password with it)`;
    return undefined;
  };
}

/** An object with exactly the keys of `spec`, each of them required. */
function required(spec: OptionSpec, shape: string): Check {
  const keys = object(spec);
  return (v, name) => {
    const problem = keys(v, name);
    if (problem !== undefined) return problem;
    for (const key of Object.keys(spec)) {
      if ((v as Record<string, unknown>)[key] === undefined) return `${name}.${key} is required (${name} must be ${shape})`;
    }
    return undefined;
  };
}

/** The options createProxy() adds to those of connect(). */
export const PROXY_OPTIONS = {
  converter: required({ host: nonEmptyString, port: num({ min: 1, max: 65_535, integer: true }) }, '{ host, port }'),
  auth: required({ username: credential(false), password: credential(true) }, '{ username, password }'),
} as const satisfies OptionSpec;

/** Options of connect() that createProxy() refuses, with the reason. */
export const PROXY_REFUSED: Readonly<Record<string, string>> = {
  host: "give the converter's address as converter: { host, port }",
  port: "give the converter's address as converter: { host, port }",
  signal: 'each tunnel has its own; close the proxy with close()',
  earlyData: "each tunnel's first flight carries its request to the converter",
  allowHalfOpen: 'a tunnel always allows half-open, so each direction ends on its own',
};

/** @internal Checks createProxy()'s options at once: ERR_MPT_INVALID_CONFIG naming the option. */
export function validateProxyOptions(options: unknown): asserts options is ProxyOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw invalidConfig(`createProxy(): the options must be an object with a converter: { host, port }, got ${describe(options)}`);
  }
  const record = options as Record<string, unknown>;
  for (const [key, reason] of Object.entries(PROXY_REFUSED)) {
    if (record[key] !== undefined) throw invalidConfig(`createProxy(): option ${key} is not supported: ${reason}`);
  }
  const { converter, auth, ...connectOptions } = record;
  if (converter === undefined) throw invalidConfig('createProxy(): converter is required: where the converter listens, { host, port }');
  // Every key at once, so a near miss of any of them (`convertor`) is named with its nearest.
  const connectSpec: Record<string, Check> = { ...CONNECT_OPTIONS };
  for (const key of Object.keys(PROXY_REFUSED)) delete connectSpec[key];
  checkOptions('createProxy()', options, { ...connectSpec, ...PROXY_OPTIONS });
  // Then the rest as connect() takes them, transport settings together (it wants a port: the converter's stands in).
  validateConnectOptions({ ...connectOptions, port: (converter as ProxyConverterAddress).port }, 'createProxy()');
}
