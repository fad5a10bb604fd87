import { appendFileSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { configDir, ensureConfigDir } from './config-dir.js';
import { formatHostPort, type HostPort } from './host-port.js';
import { formatPublicKey, parsePublicKey } from './key-files.js';

/**
 * The known-hosts file: the server keys the `mpt` command has seen, one line per server,
 * `HOST:PORT mpt-pub:KEY` (HOST as typed, lower case, an IPv6 address in brackets; see
 * {@link knownHostName}). Blank lines and lines starting with `#` are skipped; a line of another shape
 * is reported and ignored. The first line for a HOST:PORT is the one used.
 * @module
 */

/** One server of the known-hosts file. */
export interface KnownHost {
  /** `HOST:PORT`, as {@link knownHostName} writes it. */
  readonly name: string;
  /** Its public key. */
  readonly key: Uint8Array;
  /** Its line in the file, from 1. */
  readonly line: number;
}

/** A known-hosts file as read. */
export interface KnownHosts {
  /** Its servers, in file order. */
  readonly entries: readonly KnownHost[];
  /** The numbers (from 1) of the lines that are neither an entry, blank nor a comment. */
  readonly malformed: readonly number[];
}

/** The known-hosts file in the configuration folder: `<config dir>/known_hosts`. */
export function knownHostsPath(dir: string = configDir()): string {
  return join(dir, 'known_hosts');
}

/** How a server is named in the file: `host:port`, lower case, an IPv6 host in brackets. */
export function knownHostName(address: HostPort): string {
  return formatHostPort({ host: address.host.toLowerCase(), port: address.port });
}

/** Reads a known-hosts file's text. */
export function parseKnownHosts(text: string): KnownHosts {
  const entries: KnownHost[] = [];
  const malformed: number[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    const key = fields.length === 2 ? parsePublicKey(fields[1]!) : undefined;
    if (key === undefined || key.isErr() || !/^(?:\[[^\]]+\]|[^:[\]]+):\d+$/.test(fields[0]!)) return void malformed.push(i + 1);
    entries.push({ name: fields[0]!.toLowerCase(), key: key.value, line: i + 1 });
  });
  return { entries, malformed };
}

/** Reads the known-hosts file `file`; a file that does not exist is an empty one. Other fs errors are thrown. */
export function readKnownHosts(file: string): KnownHosts {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return { entries: [], malformed: [] };
    throw error;
  }
  return parseKnownHosts(text);
}

/** The first entry for `name` (see {@link knownHostName}), if any. */
export function findKnownHost(hosts: KnownHosts, name: string): KnownHost | undefined {
  const wanted = name.toLowerCase();
  return hosts.entries.find((e) => e.name === wanted);
}

/**
 * Appends `name key` to the known-hosts file `file`, creating it (mode 0600) and its folder (0700)
 * if missing. Returns the line it wrote.
 */
export function rememberHost(file: string, name: string, key: Uint8Array): number {
  ensureConfigDir(dirname(file));
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ENOENT') throw error;
  }
  const gap = text === '' || text.endsWith('\n') ? '' : '\n';
  appendFileSync(file, `${gap}${name.toLowerCase()} ${formatPublicKey(key)}\n`, { mode: 0o600 });
  const lines = text === '' ? 0 : text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  return lines + 1;
}
