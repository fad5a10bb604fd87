import type { ConverterOptions } from '../proxy/converter-options.js';
import { policyEntryProblem } from '../proxy/destination-policy.js';
import { UsageError } from './args.js';
import type { ServerKeys } from './server-setup.js';

/**
 * The options of `mpt serve --mode converter`: who may open tunnels (`--client-key`, `--psk FILE`,
 * which are every server's options, or `--allow-any-client`), where to (`--allow`, `--deny`), and `--connect-timeout`; read into the
 * options of createConverter().
 * @module
 */

/** The parseArgs options only a converter takes. */
export const CONVERTER_CLI_OPTIONS = {
  'allow-any-client': { type: 'boolean' },
  allow: { type: 'string', multiple: true },
  deny: { type: 'string', multiple: true },
  'connect-timeout': { type: 'string' },
} as const;

/** Their lines in a usage text. */
export const CONVERTER_OPTIONS_HELP = `converter options (--mode converter; --client-key, --psk or --allow-any-client is required):
  --allow-any-client    accept any client key: an open converter (not with --client-key or --psk)
  --allow CIDR|NAME     destinations allowed (again for more): 203.0.113.0/24, 2001:db8::/32, an
                        address, example.com, *.example.com. Default: any but loopback, private and
                        link-local ranges and the converter's own addresses; a range no wider than
                        a refused one (127.0.0.1/32) lifts that refusal
  --deny CIDR|NAME      destinations refused (again for more), in the same forms; they win over --allow
  --connect-timeout MS  how long a tunnel's TCP connection may take to open (default 10000)`;

/** What the converter options read (`psk` is every server's option, see server-setup.ts). */
export interface ConverterCliValues {
  readonly psk?: string | undefined;
  readonly 'allow-any-client'?: boolean | undefined;
  readonly allow?: readonly string[] | undefined;
  readonly deny?: readonly string[] | undefined;
  readonly 'connect-timeout'?: string | undefined;
}

/** The converter options given, by their names on the command line. */
function given(values: ConverterCliValues): string[] {
  return Object.entries(values)
    .filter(([name, value]) => name in CONVERTER_CLI_OPTIONS && value !== undefined && value !== false)
    .map(([name]) => `--${name}`);
}

/** Refuses converter options in another mode: a usage error naming the first. */
export function refuseConverterOptions(values: ConverterCliValues, mode: string): void {
  const first = given(values)[0];
  if (first !== undefined) throw new UsageError(`${first} is an option of --mode converter, not of --mode ${mode}`);
}

/**
 * The converter's options for `keys` (its key pair, and `--client-key`'s keys) and the converter
 * options given. Throws a usage error for a missing client authorisation, a contradiction, or a bad
 * value; a runtime error (exit 1) for an unreadable or malformed `--psk` file.
 */
export function converterOptionsFrom(values: ConverterCliValues, keys: ServerKeys): ConverterOptions {
  const anyClient = values['allow-any-client'] === true;
  if (!anyClient && keys.clientKeys === undefined && values.psk === undefined) {
    throw new UsageError('--mode converter needs --client-key KEY (the keys of the clients allowed), --psk FILE or --allow-any-client');
  }
  if (anyClient && (keys.clientKeys !== undefined || values.psk !== undefined)) {
    throw new UsageError(`--allow-any-client accepts every client: give it without ${keys.clientKeys !== undefined ? '--client-key' : '--psk'}`);
  }
  for (const [name, list] of [['--allow', values.allow], ['--deny', values.deny]] as const) {
    for (const entry of list ?? []) {
      const problem = policyEntryProblem(entry, name);
      if (problem !== undefined) throw new UsageError(problem);
    }
  }
  const timeout = values['connect-timeout'];
  if (timeout !== undefined && !(/^\d{1,9}$/.test(timeout) && Number(timeout) > 0)) throw new UsageError(`--connect-timeout must be a number of ms above 0, not '${timeout}'`);
  return {
    keyPair: keys.keyPair,
    clientKeys: keys.clientKeys,
    psk: keys.psk,
    allowAnyClient: anyClient || undefined,
    allow: values.allow,
    deny: values.deny,
    connectTimeout: timeout === undefined ? undefined : Number(timeout),
  };
}
