import { generateKeyPair, type KeyPair } from '../crypto/x25519.js';
import type { MptServerOptions } from '../node/options.js';
import type { MptServer } from '../node/server.js';
import type { MptSocket } from '../node/socket.js';
import { formatHostPort } from './host-port.js';
import { formatPublicKey, loadKeyPair, loadPublicKey } from './key-files.js';
import type { ListenPlan } from './listen-plan.js';
import { readPskFile } from './psk-file.js';

/**
 * What `mpt serve` and `mpt recv` share: their key options (`--key FILE`, or a fresh key for the run;
 * `--client-key KEY`... to accept only those clients; `--psk FILE` to accept clients that know it), starting to listen, and the lines that say
 * where they listen.
 * @module
 */

/** The parseArgs options every server command takes. */
export const SERVER_OPTIONS = {
  listen: { type: 'string', multiple: true },
  port: { type: 'string' },
  key: { type: 'string' },
  'client-key': { type: 'string', multiple: true },
  psk: { type: 'string' },
} as const;

/** Their lines in a usage text. */
export const SERVER_OPTIONS_HELP = `  --listen ADDR[:PORT]  listen on ADDR (again for more addresses, all on one port); default:
                        every address of every local interface, loopback included
  --port N              the port (default 4433; 0 picks a free one)
  --key FILE            the server's private key file (mpt keygen); default: a fresh key for this run
  --client-key KEY      accept only clients with this public key (mpt-pub:... or a .pub file);
                        again for more keys. Default: any client
  --psk FILE            also accept clients that know this pre-shared key (their --psk): a file of
                        64 hex digits (openssl rand -hex 32) or of 32 bytes`;

/** The server's keys as the options say. */
export interface ServerKeys {
  readonly keyPair: KeyPair;
  /** Whether the key was made for this run (no `--key`). */
  readonly fresh: boolean;
  /** The accepted client keys; undefined: any. */
  readonly clientKeys: readonly Uint8Array[] | undefined;
  /** The pre-shared key PSK clients must know (`--psk`); undefined: no PSK clients. */
  readonly psk?: Uint8Array | undefined;
}

/**
 * Reads `--key`, `--client-key` and `--psk`; `warn` hears of a key file others may read. A malformed
 * `--psk` file is ERR_MPT_CLI_BAD_PSK (exit 1).
 */
export function serverKeys(
  values: { readonly key?: string | undefined; readonly 'client-key'?: readonly string[] | undefined; readonly psk?: string | undefined },
  warn: (line: string) => void,
): ServerKeys {
  const clientKeys = values['client-key']?.map(loadPublicKey);
  const psk = values.psk === undefined ? undefined : readPskFile(values.psk);
  if (values.key !== undefined) return { keyPair: loadKeyPair(values.key, warn), fresh: false, clientKeys, psk };
  return { keyPair: generateKeyPair(), fresh: true, clientKeys, psk };
}

/** The server options for `keys`: its key pair, `verifyClientKey` when client keys are given, and the psk. */
export function serverOptionsFor(keys: ServerKeys): MptServerOptions {
  const allowed = keys.clientKeys;
  return {
    keyPair: keys.keyPair,
    psk: keys.psk,
    verifyClientKey: allowed === undefined ? undefined : (key) => allowed.some((k) => Buffer.from(k).equals(key)),
  };
}

/** Listens as `plan` says; resolves once listening, rejects with the listen error (EADDRINUSE...). */
export function startListening(server: MptServer, plan: ListenPlan): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once('error', onError);
    try {
      server.listen({ port: plan.port, host: plan.hosts }, () => {
        server.off('error', onError);
        resolve();
      });
    } catch (error) {
      server.off('error', onError);
      reject(error);
    }
  });
}

/** The lines that say who the server is: `server key mpt-pub:...` and a `listening on ADDR:PORT` per address. */
export function listeningLines(server: MptServer): string[] {
  return [`server key ${formatPublicKey(server.publicKey)}`, ...server.addresses().map((a) => `listening on ${formatHostPort({ host: a.address, port: a.port })}`)];
}

/** What to say when the key is fresh: clients that remember it will refuse the next run's. */
export const FRESH_KEY_NOTE = 'a fresh server key for this run: clients that remember it will refuse the next run (mpt keygen, then --key FILE, keeps one)';

/** How long a server command waits, once stopped, for its last packets to go out, ms. */
const STOP_GRACE_MS = 500;

/**
 * Stops a server command's server: destroys every connection still open (each gets a close), closes
 * the server, and resolves once it closed or after half a second, whichever comes first (handshakes
 * under way would otherwise hold the close for 2 s).
 */
export async function stopServer(server: MptServer, sockets: Iterable<MptSocket>): Promise<void> {
  for (const socket of sockets) socket.destroy();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    new Promise<void>((resolve) => server.close(() => resolve())),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, STOP_GRACE_MS);
    }),
  ]);
  clearTimeout(timer);
}
