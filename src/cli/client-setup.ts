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

/**
 * What `mpt connect` and `mpt send` share: the server key options (`--server-key`, the known-hosts
 * file or `--no-known-hosts`), our key (`--key FILE`, else `<config dir>/id` if it exists, else a
 * fresh one), and `--local ADDR`.
 * @module
 */

/** The parseArgs options every client command takes. */
export const CLIENT_OPTIONS = {
  'server-key': { type: 'string' },
  key: { type: 'string' },
  local: { type: 'string', multiple: true },
  'no-known-hosts': { type: 'boolean' },
} as const;

/** Their lines in a usage text. */
export const CLIENT_OPTIONS_HELP = `  --server-key KEY      the server's public key (mpt-pub:... or a .pub file): pinned (Noise IK);
                        default: the key known_hosts remembers for HOST:PORT, else learnt and remembered
  --no-known-hosts      neither read nor write known_hosts: accept the key the server presents
  --key FILE            our private key file (mpt keygen); default: <config dir>/id if it exists,
                        else a fresh key for this connection
  --local ADDR          send from this local address (again for more: one path each)`;

/** The connect options and the server key policy that the options ask for. */
export interface ClientSetup {
  readonly options: MptConnectOptions;
  readonly trust: ServerTrust;
}

/** Reads the client options for a connection to `target`; `log` hears what the user should know. */
export function clientSetup(
  values: { readonly 'server-key'?: string | undefined; readonly key?: string | undefined; readonly local?: readonly string[] | undefined; readonly 'no-known-hosts'?: boolean | undefined },
  target: HostPort,
  log: (line: string) => void,
): ClientSetup {
  for (const address of values.local ?? []) if (isIP(address) === 0) throw new UsageError(`--local: '${address}' is not an IP address`);
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
