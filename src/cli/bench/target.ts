/**
 * The bench's `HOST:PORT` argument: a host name or IP address and a UDP port, an IPv6 address in
 * brackets (`[::1]:4433`).
 * @module
 */
import { isIP } from 'node:net';
import { err, ok, type Result } from 'neverthrow';

/** A server to bench against. */
export interface BenchTarget {
  /** Host name or IP literal (without brackets). */
  readonly host: string;
  /** UDP port, 1..65535. */
  readonly port: number;
}

/** Parses `HOST:PORT` or `[IPv6]:PORT`; the error names what is wrong. */
export function parseTarget(text: string): Result<BenchTarget, string> {
  const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(text);
  let host: string;
  let portText: string;
  if (bracketed !== null) {
    host = bracketed[1] ?? '';
    portText = bracketed[2] ?? '';
    if (isIP(host) !== 6) return err(`'${host}' in brackets is not an IPv6 address`);
  } else {
    const colon = text.lastIndexOf(':');
    if (colon < 0) return err(`'${text}' is not HOST:PORT`);
    host = text.slice(0, colon);
    portText = text.slice(colon + 1);
    if (host.includes(':')) return err(`'${text}': write an IPv6 address in brackets, as [::1]:4433`);
    if (host === '') return err(`'${text}' has no host`);
  }
  if (!/^\d+$/.test(portText)) return err(`'${text}': the port must be a number`);
  const port = Number(portText);
  if (port < 1 || port > 65_535) return err(`'${text}': the port must be 1 to 65535`);
  return ok({ host, port });
}

/** `host:port`, with an IPv6 host in brackets. */
export function formatTarget(target: BenchTarget): string {
  return target.host.includes(':') ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`;
}
