import type { SocketAddress } from '../core/socket-address.js';
import type { NodeState } from './node.js';

/**
 * Address bookkeeping for the simulator: which endpoint owns which local
 * address, and what public address a NAT shows for it.
 * @module
 */

/**
 * A local address bound to an endpoint. `external` is what the network sees:
 * the address itself, or the NAT's public address after a rebind.
 */
export interface Binding {
  /** The endpoint's own address, canonical and frozen. */
  readonly address: SocketAddress;
  /** The endpoint it belongs to. */
  readonly node: NodeState;
  /** The address the network sees. */
  external: SocketAddress;
}

/** host -> port -> value; avoids building a string key per datagram. */
export type AddressMap<T> = Map<string, Map<number, T>>;

/** The value stored for host:port. */
export function lookup<T>(map: AddressMap<T>, host: string, port: number): T | undefined {
  return map.get(host)?.get(port);
}

/** Stores a value for host:port. */
export function store<T>(map: AddressMap<T>, host: string, port: number, value: T): void {
  let ports = map.get(host);
  if (ports === undefined) {
    ports = new Map();
    map.set(host, ports);
  }
  ports.set(port, value);
}

/** Removes host:port. */
export function remove<T>(map: AddressMap<T>, host: string, port: number): void {
  const ports = map.get(host);
  if (ports === undefined) return;
  ports.delete(port);
  if (ports.size === 0) map.delete(host);
}

/** A validated, frozen copy of an address, safe to hand to any endpoint. */
export function canonical(address: SocketAddress): SocketAddress {
  if (typeof address.host !== 'string' || address.host === '') throw new TypeError('address host must be a non-empty string');
  if (!Number.isInteger(address.port) || address.port < 0 || address.port > 65_535) {
    throw new RangeError(`port must be an integer in 0..65535, got ${address.port}`);
  }
  return Object.freeze({ host: address.host, port: address.port });
}
