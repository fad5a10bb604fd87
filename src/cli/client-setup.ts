import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isIP } from 'node:net';
import type { MptConnectOptions } from '../node/options.js';
import { UsageError } from './args.js';
import { configDir } from './config-dir.js';
import type { HostPort } from './host-port.js';
import { loadKeyPair, loadPublicKey } from './key-files.js';
import type { ServerTrust } from './known-host-connect.js';
import { knownHostName, knownHostsPath } from './known-hosts.js';
import { readPskFile } from './psk-file.js';

/**
 * What `mpt connect`, `mpt send` and `mpt proxy` share: the server key options (`--server-key`, the
 * known-hosts file or `--no-known-hosts`), our key (`--key FILE`, else `<config dir>/id` if it
 * exists, else a fresh one), or instead of keys a pre-shared key (`--psk FILE`), and `--local ADDR`.
 * @module
 */

/** The parseArgs options every client command takes. */
export const CLIENT_OPTIONS = {
  'server-key': { type: 'string' },
  key: { type: 'string' },
  local: { type: 'string', multiple: true },
  'no-known-hosts': { type: 'boolean' },
  psk: { type: 'string' },
} as const;

/** Their lines in a usage text. */
export const CLIENT_OPTIONS_HELP = `  --server-key KEY      the server's public key (mpt-pub:... or a .pub file): pinned (Noise IK);
                        default: the key known_hosts remembers for HOST:PORT, else learnt and remembered
  --no-known-hosts      neither read nor write known_hosts: accept the key the server presents
  --key FILE            our private key file (mpt keygen); default: <config dir>/id if it exists,
                        else a fresh key for this connection
  --local ADDR          send from this local address (again for more: one path each)
  --psk FILE            authenticate with this pre-shared key instead of keys (the server's --psk:
                        64 hex digits or 32 bytes); not with --server-key or --key`;

/** The connect options and the server key policy that the options ask for. */
export interface ClientSetup {
  readonly options: MptConnectOptions;
  readonly trust: ServerTrust;
}

/**
 * With `--psk FILE`: a PSK handshake (Noise NNpsk0), in which neither side has a static key, so
 * `--server-key` and `--key` cannot be given (a usage error) and known_hosts is not used.
 */
function pskSetup(file: string, values: { readonly 'server-key'?: string | undefined; readonly key?: string | undefined; readonly local?: readonly string[] | undefined }, target: HostPort, log: (line: string) => void): ClientSetup {
  for (const [name, given] of [['--server-key', values['server-key']], ['--key', values.key]] as const) {
    if (given !== undefined) throw new UsageError(`--psk and ${name} cannot go together: a pre-shared key handshake (Noise NNpsk0) uses no static keys`);
  }
  return {
    options: { host: target.host, port: target.port, psk: readPskFile(file), localAddresses: values.local, allowHalfOpen: true },
    trust: { name: knownHostName(target), psk: true, log },
  };
}

/**
 * Reads the client options for a connection to `target`; `log` hears what the user should know. A
 * malformed `--psk` file is ERR_MPT_CLI_BAD_PSK (exit 1).
 */
export function clientSetup(
  values: {
    readonly 'server-key'?: string | undefined;
    readonly key?: string | undefined;
    readonly local?: readonly string[] | undefined;
    readonly 'no-known-hosts'?: boolean | undefined;
    readonly psk?: string | undefined;
  },
  target: HostPort,
  log: (line: string) => void,
): ClientSetup {
  for (const address of values.local ?? []) if (isIP(address) === 0) throw new UsageError(`--local: '${address}' is not an IP address`);
  if (values.psk !== undefined) return pskSetup(values.psk, values, target, log);
  const serverKey = values['server-key'] === undefined ? undefined : loadPublicKey(values['server-key']);
  const dir = configDir();
  const ownKey = values.key ?? (existsSync(join(dir, 'id')) ? join(dir, 'id') : undefined);
  const keyPair = ownKey === undefined ? undefined : loadKeyPair(ownKey, log);
  const local = values.local;
  return {
    options: { host: target.host, port: target.port, keyPair, localAddresses: local, allowHalfOpen: true },
    trust: { name: knownHostName(target), serverKey, knownHostsFile: values['no-known-hosts'] === true ? undefined : knownHostsPath(dir), log },
  };
}
