import { MptError, MptErrorCode } from '../errors.js';
import { connect } from '../node/connect.js';
import type { MptConnectOptions } from '../node/options.js';
import { presentedKey } from '../node/presented-key.js';
import { ClientKeyRefusedError, ConverterKeyMismatchError } from '../proxy/converter-key-errors.js';
import type { MptSocket } from '../node/socket.js';
import { formatPublicKey } from './key-files.js';
import { findKnownHost, readKnownHosts, rememberHost, type KnownHost } from './known-hosts.js';

/**
 * How the `mpt` command's clients (connect, send) decide which server key to accept, ssh-style:
 * - a key given (`--server-key`): pinned, Noise IK; the known-hosts file is neither read nor written;
 * - a server the known-hosts file lists: its key pinned, Noise IK. A server that does not answer to
 *   that key makes the engine fail in about a second (ERR_MPT_SERVER_KEY_MISMATCH: its version probe
 *   shows a server is there but dropped our handshake); then one Noise XX handshake asks the server
 *   for its key and rejects it as soon as it is presented (in the server's first answer: no
 *   connection is made), so the error can say for certain that the key changed, and name the file and
 *   line to remove; if the key did not change, the server refused us (our client key, most likely);
 * - a server not in the file: first that XX question (what is your key?), then the connection with
 *   the key pinned (IK), and once connected the key is appended to the file ("remembered the server
 *   key of HOST:PORT in FILE"). The connection itself is IK so that a server that refuses our client
 *   key says so in a second (with XX the client cannot tell: it would wait for the idle timeout);
 * - no known-hosts file (`--no-known-hosts`): Noise XX, any key accepted, nothing remembered;
 * - a pre-shared key (`--psk`): Noise NNpsk0, no static keys: nothing to pin, check or remember.
 * @module
 */

/** Which server keys {@link connectTrusted} accepts. */
export interface ServerTrust {
  /** The name of the server in the known-hosts file: `HOST:PORT` (see `knownHostName`). */
  readonly name: string;
  /** A key to pin (Noise IK); then `knownHostsFile` is not used. */
  readonly serverKey?: Uint8Array | undefined;
  /** The known-hosts file; undefined to use none (accept any key, remember nothing). */
  readonly knownHostsFile?: string | undefined;
  /** A pre-shared key handshake (`--psk`): no static keys, so nothing to pin, check or remember. */
  readonly psk?: boolean | undefined;
  /** Hears what the user should know (a key remembered, a line of the file ignored): one line each. */
  readonly log: (line: string) => void;
}

/**
 * How a connection is opened once the key policy is settled: resolves with the connected socket, or
 * rejects with the error (the socket destroyed). Default: a plain connect(); `mpt connect --via` opens
 * a tunnel (openTunnel) instead.
 */
export type Opener = (options: MptConnectOptions) => Promise<MptSocket>;

/**
 * Connects with `options` (their `serverKey` and `verifyServerKey` are replaced) and the server key
 * policy of `trust`; resolves with the socket once connected, or rejects with the connect's error
 * (the socket destroyed). A server whose key differs from the remembered one is refused with
 * ERR_MPT_SERVER_KEY_MISMATCH, whose message names the known-hosts file and line. `open` makes the
 * connection (default: connect()).
 */
export async function connectTrusted(options: MptConnectOptions, trust: ServerTrust, open: Opener = connectOnce): Promise<MptSocket> {
  const base: MptConnectOptions = { ...options, serverKey: undefined, verifyServerKey: undefined };
  if (trust.psk === true) return open(base);
  if (trust.serverKey !== undefined) return open({ ...base, serverKey: trust.serverKey });
  const file = trust.knownHostsFile;
  if (file === undefined) {
    const socket = await open(base);
    trust.log(`the server at ${trust.name} presented ${keyText(socket)} (not checked or remembered: no known-hosts file)`);
    return socket;
  }
  const known = knownHostOf(trust, file);
  return known === undefined ? connectNew(base, trust, file, open) : connectKnown(base, trust, file, known, open);
}

/**
 * The server key to pin for every later connection (`mpt proxy`, which opens many), settled once
 * before any: `--server-key`'s; none with a pre-shared key or without a known-hosts file (each connection accepts the key
 * presented); else the key the server presents (asked with one XX handshake that makes no
 * connection), checked against the remembered one (a different one is refused with the same
 * ERR_MPT_SERVER_KEY_MISMATCH as {@link connectTrusted}'s) or, for a server not listed, remembered.
 * Rejects with the connect's error when the server does not answer.
 */
export async function settleServerKey(options: MptConnectOptions, trust: ServerTrust): Promise<Uint8Array | undefined> {
  if (trust.psk === true) return undefined;
  if (trust.serverKey !== undefined) return trust.serverKey;
  const file = trust.knownHostsFile;
  if (file === undefined) return undefined;
  const known = knownHostOf(trust, file);
  const asked = await presentedKey({ ...options, serverKey: undefined, verifyServerKey: undefined });
  if (asked.key === undefined) throw asked.error ?? new MptError(MptErrorCode.HandshakeFailed, `the server at ${trust.name} presented no key`);
  if (known === undefined) {
    rememberHost(file, trust.name, asked.key);
    trust.log(`remembered the server key of ${trust.name} in ${file}`);
    return asked.key;
  }
  if (!Buffer.from(asked.key).equals(known.key)) throw keyChanged(trust, file, known, asked.key, undefined);
  return known.key;
}

/** The entry of the known-hosts file for `trust.name` (malformed lines reported). */
function knownHostOf(trust: ServerTrust, file: string): KnownHost | undefined {
  const hosts = readKnownHosts(file);
  for (const line of hosts.malformed) trust.log(`${file} line ${line} is not 'HOST:PORT mpt-pub:KEY': ignored`);
  return findKnownHost(hosts, trust.name);
}

/** A server the file does not list: learn its key, connect pinning it, remember it. */
async function connectNew(options: MptConnectOptions, trust: ServerTrust, file: string, open: Opener): Promise<MptSocket> {
  const asked = await presentedKey(options);
  if (asked.key === undefined) throw asked.error ?? new MptError(MptErrorCode.HandshakeFailed, `the server at ${trust.name} presented no key`);
  const key = asked.key;
  let socket: MptSocket;
  try {
    socket = await open({ ...options, serverKey: key });
  } catch (error) {
    throw refusedUs(error, `the server at ${trust.name} presented ${formatPublicKey(key)}`);
  }
  rememberHost(file, trust.name, key);
  trust.log(`remembered the server key of ${trust.name} in ${file}`);
  return socket;
}

/** A server the file lists: connect pinning its key; find out why if that fails. */
async function connectKnown(options: MptConnectOptions, trust: ServerTrust, file: string, known: KnownHost, open: Opener): Promise<MptSocket> {
  try {
    return await open({ ...options, serverKey: known.key });
  } catch (error) {
    // openTunnel (--via) already asked the converter for its key.
    if (error instanceof ClientKeyRefusedError) throw error;
    if (error instanceof ConverterKeyMismatchError) throw keyChanged(trust, file, known, error.presentedKey, error);
    const code = (error as { code?: unknown }).code;
    if (code !== MptErrorCode.ServerKeyMismatch && code !== MptErrorCode.HandshakeFailed) throw error;
    const presented = (await presentedKey(options)).key;
    if (presented === undefined) throw error;
    const where = `${file} line ${known.line}`;
    if (Buffer.from(presented).equals(known.key)) throw refusedUs(error, `the server at ${trust.name} has the key ${where} remembers`);
    throw keyChanged(trust, file, known, presented, error);
  }
}

/** The refusal of a server that presents `presented`, not the key line `known` of `file` remembers. */
function keyChanged(trust: ServerTrust, file: string, known: KnownHost, presented: Uint8Array, cause: unknown): MptError {
  return new MptError(
    MptErrorCode.ServerKeyMismatch,
    `the server at ${trust.name} presents ${formatPublicKey(presented)}, not the key ${file} line ${known.line} remembers: ` +
      `if its key changed on purpose, remove line ${known.line} of ${file} and connect again; otherwise someone may be impersonating it`,
    { cause },
  );
}

/**
 * The error of an IK connect to a server whose key is right (`what` says so) that failed in the
 * handshake: the server refused us, most likely our client key. Other errors pass unchanged.
 */
function refusedUs(error: unknown, what: string): unknown {
  if (error instanceof ClientKeyRefusedError) return error;
  const code = (error as { code?: unknown }).code;
  if (code !== MptErrorCode.ServerKeyMismatch && code !== MptErrorCode.HandshakeFailed) return error;
  return new MptError(MptErrorCode.HandshakeFailed, `${what} but refused our handshake: it may not accept our client key (--key)`, { cause: error });
}

function keyText(socket: MptSocket): string {
  const key = socket.remotePublicKey;
  return key === undefined ? 'no key' : formatPublicKey(key);
}

/** Connects; resolves on 'connect', rejects on the first 'error' (after which the socket is destroyed). */
function connectOnce(options: MptConnectOptions): Promise<MptSocket> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const socket = connect(options);
    socket.once('connect', () => {
      settled = true;
      resolve(socket);
    });
    // Kept after 'connect' so an error before the caller listens is not an uncaught exception;
    // the caller adds its own listener.
    socket.on('error', (error) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      reject(error);
    });
  });
}
