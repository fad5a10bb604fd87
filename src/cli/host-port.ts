import { isIP } from 'node:net';
import { err, ok, type Result } from 'neverthrow';

/**
 * `HOST:PORT` arguments of the `mpt` command: a host name or IPv4 address and a port (`example.org:4433`,
 * `127.0.0.1:4433`), or an IPv6 address in brackets (`[::1]:4433`). Where the port may be left out
 * (`--listen`), a bare IPv6 address (`::1`, `fe80::1%eth0`) is the whole address: with a port it needs
 * the brackets.
 * @module
 */

/** A host (name or IP literal, without brackets) and a port. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** How {@link parseHostPort} reads its argument. */
export interface HostPortRules {
  /** The port when the text has none; absent: the port is required. */
  readonly defaultPort?: number | undefined;
  /** Whether port 0 (any free port, for a listening address) is allowed. Default false. */
  readonly allowPortZero?: boolean | undefined;
}

/** A host name: letters, digits, '-', '_' and '.', at most 253 characters. */
const HOST_NAME = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,251}[A-Za-z0-9_.])?$/;

/** Reads `text` as a port number: decimal, 0 or 1..65535 as `allowZero` says; an explanation if not. */
export function parsePort(text: string, allowZero = false): Result<number, string> {
  if (!/^\d{1,5}$/.test(text)) return err(`'${text}' is not a port number (0-65535)`);
  const port = Number(text);
  if (port > 65_535) return err(`port ${text} is above 65535`);
  if (port === 0 && !allowZero) return err('port 0 is not a port to connect to');
  return ok(port);
}

function checkHost(host: string, text: string): Result<string, string> {
  if (host === '') return err(`'${text}' has no host`);
  if (isIP(host) !== 0 || HOST_NAME.test(host)) return ok(host);
  return err(`'${host}' is not a host name or IP address`);
}

/**
 * Reads `HOST:PORT`, `[IPV6]:PORT`, and where `rules.defaultPort` is given also `HOST`, `[IPV6]` or a
 * bare IPv6 address. Returns the host (brackets removed) and port, or what is wrong with the text, as
 * a short phrase for a usage error.
 */
export function parseHostPort(text: string, rules: HostPortRules = {}): Result<HostPort, string> {
  const portOf = (p: string | undefined): Result<number, string> => {
    if (p !== undefined) return parsePort(p, rules.allowPortZero === true);
    if (rules.defaultPort !== undefined) return ok(rules.defaultPort);
    return err(`'${text}' has no port (HOST:PORT, or [IPV6]:PORT)`);
  };
  let host: string;
  let port: string | undefined;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) return err(`'${text}' lacks the ']' after the IPv6 address`);
    host = text.slice(1, close);
    const rest = text.slice(close + 1);
    if (rest !== '' && !rest.startsWith(':')) return err(`'${text}' has '${rest}' after the ']' (expected :PORT)`);
    port = rest === '' ? undefined : rest.slice(1);
    if (isIP(host) !== 6) return err(`'${host}' in brackets is not an IPv6 address`);
  } else if (isIP(text) === 6) {
    host = text;
  } else {
    const colon = text.lastIndexOf(':');
    if (colon >= 0 && text.indexOf(':') !== colon) return err(`'${text}': write an IPv6 address with a port as [ADDRESS]:PORT`);
    host = colon < 0 ? text : text.slice(0, colon);
    port = colon < 0 ? undefined : text.slice(colon + 1);
  }
  return checkHost(host, text).andThen((h) => portOf(port).map((p) => ({ host: h, port: p })));
}

/** `host:port`, with an IPv6 host in brackets: the form {@link parseHostPort} reads back. */
export function formatHostPort(address: HostPort): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
