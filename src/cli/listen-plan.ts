import { networkInterfaces } from 'node:os';
import { isLinkLocalV6, type InterfaceTable } from '../node/interfaces.js';
import { UsageError } from './args.js';
import { formatHostPort, parseHostPort, parsePort } from './host-port.js';

/**
 * Where `mpt serve` and `mpt recv` listen: the `--listen ADDR[:PORT]` addresses (all on one port) and
 * `--port N`, or with no `--listen` every address of every local interface, loopback included.
 * @module
 */

/** The port the servers of the `mpt` command listen on when none is given. */
export const DEFAULT_PORT = 4433;

/** The addresses to bind (undefined: the wildcard) and the one port. */
export interface ListenPlan {
  readonly hosts: readonly string[] | undefined;
  readonly port: number;
}

/**
 * Every address of every interface of `table` (loopback included), in table order without
 * duplicates, except IPv6 link-local ones (fe80::/10: they need a scope id that mpt does not handle)
 * and IPv4-mapped IPv6 ones. A server bound to all of them advertises the others to each client, so
 * a client learns every address it might open a path to.
 */
export function localInterfaceAddresses(table: InterfaceTable = networkInterfaces()): string[] {
  const out: string[] = [];
  for (const name of Object.keys(table)) {
    for (const info of table[name] ?? []) {
      const address = info.address;
      if (isLinkLocalV6(address) || address.toLowerCase().startsWith('::ffff:')) continue;
      if (!out.includes(address)) out.push(address);
    }
  }
  return out;
}

/**
 * The plan for `--listen` values (`ADDR`, `ADDR:PORT`, `[V6]:PORT`, a bare IPv6 address) and
 * `--port`: every address on one port, which must agree where several are given (else a
 * {@link UsageError}); {@link DEFAULT_PORT} when none is; port 0 picks a free one. Without `--listen`,
 * {@link localInterfaceAddresses} (the wildcard if there are none).
 */
export function listenPlan(listen: readonly string[] | undefined, portArg: string | undefined, table?: InterfaceTable): ListenPlan {
  const ports = new Set<number>();
  if (portArg !== undefined) {
    const port = parsePort(portArg, true);
    if (port.isErr()) throw new UsageError(`--port: ${port.error}`);
    ports.add(port.value);
  }
  const hosts: string[] = [];
  for (const text of listen ?? []) {
    const hasPort = /^\[.*\]:/.test(text) || (!text.startsWith('[') && text.split(':').length === 2);
    const parsed = parseHostPort(text, { defaultPort: 0, allowPortZero: true });
    if (parsed.isErr()) throw new UsageError(`--listen: ${parsed.error}`);
    if (hasPort) ports.add(parsed.value.port);
    if (!hosts.includes(parsed.value.host)) hosts.push(parsed.value.host);
  }
  if (ports.size > 1) throw new UsageError(`every address listens on one port: got ${[...ports].join(' and ')}`);
  const port = [...ports][0] ?? DEFAULT_PORT;
  if (hosts.length > 0) return { hosts, port };
  const all = localInterfaceAddresses(table);
  return { hosts: all.length > 0 ? all : undefined, port };
}

/** How a plan reads in a message: `127.0.0.1:4433, [::1]:4433`. */
export function describePlan(plan: ListenPlan): string {
  return (plan.hosts ?? ['::']).map((host) => formatHostPort({ host, port: plan.port })).join(', ');
}
