import { resolveTransportConfig } from '../core/config.js';
import { arrayOf, bool, bytes, checkOptions, func, invalidConfig, num, type Check } from '../option-check.js';
import { SERVER_OPTIONS, SERVER_UNSUPPORTED } from '../node/option-keys.js';
import { pickTransport, type LookupFunction, type MptServerOptions } from '../node/options.js';
import { policyEntryProblem } from './destination-policy.js';

/**
 * The options of {@link createConverter} (docs/options.md, "createConverter()"; docs/proxy.md): the
 * server's own, and those of the converter, checked at once.
 * @module
 */

/** Default `connectTimeout` of a converter: ms from a request to its TCP connection being open. */
export const DEFAULT_CONVERTER_CONNECT_TIMEOUT_MS = 10_000;

/** Default `requestTimeout` of a converter: ms a client has to send its request (and, after a 0-RTT request, to prove itself). */
export const DEFAULT_CONVERTER_REQUEST_TIMEOUT_MS = 5_000;

/**
 * Options of {@link createConverter}: every option of `createServer()` (keys, transport settings...)
 * and the converter's own. `acceptEarlyData` defaults to true here (a request rides in the client's
 * first flight when it pins the converter's key); `allowHalfOpen` is always true (each direction of a
 * tunnel ends on its own) and may not be set false; `pauseOnConnect` may not be set true (the converter
 * reads each request itself).
 *
 * Who may use the converter must be said: `clientKeys` (the static public keys of the clients allowed),
 * `psk` (clients knowing the pre-shared key), or `allowAnyClient: true`; with none of them,
 * createConverter() throws ERR_MPT_INVALID_CONFIG naming `clientKeys`.
 */
export interface ConverterOptions extends MptServerOptions {
  /**
   * The static public keys (32 bytes each) of the clients allowed to open tunnels; any other client's
   * handshake fails (the server's `verifyClientKey` refuses it, as well as any key `verifyClientKey`
   * refuses if both are given). PSK clients (`psk`) have no static key and are let in by the PSK.
   */
  readonly clientKeys?: readonly Uint8Array[] | undefined;
  /** Explicit opt-in to an open converter: any client key is accepted (still subject to `verifyClientKey`). Default false. */
  readonly allowAnyClient?: boolean | undefined;
  /**
   * Destinations permitted (docs/proxy.md, "Security model"): CIDR ranges ('203.0.113.0/24',
   * '2001:db8::/32'), IP addresses, host names ('example.com') and name patterns ('*.example.com'). With
   * entries, only destinations they cover are reached; a range also lifts a default refusal (loopback,
   * private...) for the addresses it covers when it is no wider than the refused range ('127.0.0.1/32').
   * Default: none (every destination but the default refusals and `deny`).
   */
  readonly allow?: readonly string[] | undefined;
  /** Destinations refused, in the same forms as `allow`; they win over `allow`. Default: none. */
  readonly deny?: readonly string[] | undefined;
  /**
   * ms from a request to its TCP connection being open, name resolution included; past it the request
   * is answered with reply 6 (TTL expired). A positive number; default 10 000.
   */
  readonly connectTimeout?: number | undefined;
  /**
   * ms a client has, once connected, to send its whole request (past it: reply 1 and the stream ends);
   * and after a request that came in its first flight (0-RTT), to prove it holds the session keys
   * before the destination's TCP connection is reset unused. A positive number; default 5 000.
   */
  readonly requestTimeout?: number | undefined;
  /**
   * Resolver of requested host names, with the signature of `dns.lookup` (as node:net's `lookup`
   * option); called once per request with `all: true`. Default `dns.lookup`.
   */
  readonly lookup?: LookupFunction | undefined;
}

const policyEntries: Check = (v, name) => {
  if (!Array.isArray(v)) return `${name} must be an array of CIDR ranges, IP addresses or host-name patterns, got ${typeof v}`;
  for (let i = 0; i < v.length; i++) {
    const problem = policyEntryProblem(v[i], `${name}[${i}]`);
    if (problem !== undefined) return problem;
  }
  return undefined;
};

/** The keys a converter adds to createServer()'s, with their checks. */
export const CONVERTER_OWN_OPTIONS = {
  clientKeys: arrayOf(bytes(32), '32-byte public keys'),
  allowAnyClient: bool,
  allow: policyEntries,
  deny: policyEntries,
  connectTimeout: num({ min: 1 }),
  requestTimeout: num({ min: 1 }),
  lookup: func,
} as const;

/** Every key createConverter() accepts. */
export const CONVERTER_OPTIONS = { ...SERVER_OPTIONS, ...CONVERTER_OWN_OPTIONS } as const;

// Every key of ConverterOptions is in the table: a compile error here names a key missing from it.
type Missing = Exclude<keyof ConverterOptions, keyof typeof CONVERTER_OPTIONS>;
const covered: Missing extends never ? true : Missing = true;
void covered;

/**
 * Checks a converter's options (every key, the transport settings together, and who may connect);
 * throws ERR_MPT_INVALID_CONFIG naming the option.
 */
export function validateConverterOptions(options: unknown): asserts options is ConverterOptions {
  if (options === undefined) throw invalidConfig('createConverter(): options are required: give clientKeys (or psk, or allowAnyClient: true)');
  checkOptions('createConverter()', options, CONVERTER_OPTIONS, SERVER_UNSUPPORTED);
  const o = options as ConverterOptions;
  const transport = resolveTransportConfig(pickTransport(o));
  if (transport.isErr()) throw invalidConfig(`createConverter(): ${transport.error.message}`);
  if (o.allowHalfOpen === false) throw invalidConfig('createConverter(): allowHalfOpen cannot be false: each direction of a tunnel ends on its own (half-close)');
  if (o.pauseOnConnect === true) throw invalidConfig('createConverter(): pauseOnConnect cannot be true: the converter reads each request itself');
  if (o.clientKeys === undefined && o.psk === undefined && o.allowAnyClient !== true) {
    throw invalidConfig(
      'createConverter(): clientKeys is required (the static public keys of the clients allowed to open tunnels), unless psk is given or allowAnyClient is true: a converter open to any client is opt-in',
    );
  }
}
