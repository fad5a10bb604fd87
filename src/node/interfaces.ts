import { createSocket } from 'node:dgram';
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import type { SocketAddress } from '../core/socket-address.js';

/**
 * The local addresses a multipath client can bind one socket each to
 * (docs/design.md §2.3), read from the OS interface table.
 * @module
 */

/** Whether `address` is a loopback address (127.0.0.0/8, ::1, ::ffff:127.x). */
export function isLoopback(address: string): boolean {
  return address.startsWith('127.') || address === '::1' || address.startsWith('::ffff:127.');
}

/** An interface table in the shape of `os.networkInterfaces()`. */
export type InterfaceTable = NodeJS.Dict<NetworkInterfaceInfo[]>;

/** Where {@link usableLocalAddresses} reads the table; replaced by tests. */
let readTable: () => InterfaceTable = networkInterfaces;

/**
 * Replaces the interface table {@link usableLocalAddresses} reads (tests,
 * or an app that knows better); `undefined` restores `os.networkInterfaces`.
 */
export function setInterfaceTableSource(source: (() => InterfaceTable) | undefined): void {
  readTable = source ?? networkInterfaces;
}

/** The interface table as {@link setInterfaceTableSource} says to read it (the interface monitor's source too). */
export function readInterfaceTable(): InterfaceTable {
  return readTable();
}

/**
 * The IP addresses of `family` (4 or 6) on non-internal interfaces, one per
 * address, in interface-table order without duplicates: the candidates for
 * `localAddresses` (one socket, so one path, each).
 *
 * Skipped: internal (loopback) interfaces; IPv6 link-local addresses
 * (fe80::/10), which only work with a scope id (`%eth0`) on every send and
 * bind, which mpt does not handle yet; and, for `family` 6, IPv4-mapped
 * addresses. Both IPv6 address kinds Node reports are included otherwise
 * (global and unique-local, temporary ones too).
 */
export function usableLocalAddresses(family: 4 | 6): string[] {
  const table = readTable();
  const out: string[] = [];
  for (const name of Object.keys(table)) {
    for (const info of table[name] ?? []) {
      if (info.internal || !isFamily(info, family)) continue;
      const address = info.address;
      if (family === 6 && (isLinkLocalV6(address) || address.toLowerCase().startsWith('::ffff:'))) continue;
      if (!out.includes(address)) out.push(address);
    }
  }
  return out;
}

/**
 * The addresses a client binds by default (no `localAddresses`, no `localAddress`) for a server at
 * `remoteHost` of `family`: {@link usableLocalAddresses} of that family, of the same scope as the
 * server: for a loopback server only loopback addresses (which the OS table marks internal, so
 * normally none: a path over lo is the same link whatever its address), for any other server only
 * non-loopback ones.
 */
export function defaultLocalAddresses(family: 4 | 6, remoteHost: string): string[] {
  const loopbackServer = isLoopback(remoteHost);
  return usableLocalAddresses(family).filter((a) => isLoopback(a) === loopbackServer);
}

/**
 * The source address the kernel's routing picks to reach `remote`: the local address of a UDP socket
 * connected there (no datagram is sent), or undefined when there is no route.
 */
export function routedSourceAddress(remote: SocketAddress, family: 4 | 6): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = createSocket(family === 6 ? 'udp6' : 'udp4');
    const done = (address: string | undefined): void => {
      socket.close();
      resolve(address);
    };
    socket.once('error', () => done(undefined));
    // With a callback, node:dgram hands a connect failure (no route) to it rather than to 'error'.
    socket.connect(remote.port, remote.host, (error?: Error) => {
      if (error !== undefined && error !== null) return done(undefined);
      try {
        done(socket.address().address);
      } catch {
        done(undefined);
      }
    });
  });
}

/** Node 18.0-18.3 reported `family` as a number; later versions as 'IPv4' / 'IPv6'. */
export function isFamily(info: NetworkInterfaceInfo, family: 4 | 6): boolean {
  const f = info.family as string | number;
  return f === family || f === `IPv${family}`;
}

/** fe80::/10: the first 10 bits are 1111 1110 10, so the first group is fe80 to febf. */
export function isLinkLocalV6(address: string): boolean {
  const first = address.slice(0, address.indexOf(':')).toLowerCase();
  if (first.length !== 4) return false;
  const value = Number.parseInt(first, 16);
  return value >= 0xfe80 && value <= 0xfebf;
}
