import { isIP } from 'node:net';
import { isDestinationHost, type ProxyDestination } from './destination.js';
import { credentialsMatch, type ProxyAuth } from './proxy-auth.js';
import { TunnelReplyCode } from './converter-protocol.js';

/**
 * The server side of an HTTP CONNECT request (RFC 9110 §9.3.6), as an incremental parser: it is fed
 * a TCP connection's bytes as they come, in chunks cut anywhere, until the blank line that ends the
 * request's header, and says whether to open a tunnel or which error response to send. It never
 * throws on what a client sends.
 *
 * The request line must be `CONNECT host:port HTTP/1.x` (an IPv6 literal in brackets); any other
 * method gets 405 (with `Allow: CONNECT`: this proxy does not forward plain HTTP requests), a
 * malformed line or header 400, another HTTP version 505, a header (request line and fields) longer
 * than {@link MAX_HTTP_HEADER_BYTES} 431. Lines may end in CRLF or a bare LF. When credentials are
 * configured, a `Proxy-Authorization: Basic ...` field must carry them, else 407 with
 * `Proxy-Authenticate: Basic realm="mpt"`. Bytes after the blank line (a client that did not wait
 * for the 200) are handed back to be forwarded through the tunnel.
 * @module
 */

/** The most bytes the request line and header fields may take, the blank line included. */
export const MAX_HTTP_HEADER_BYTES = 8 * 1024;

/** The response that opens the tunnel. */
export const HTTP_CONNECT_ESTABLISHED: Uint8Array = Buffer.from('HTTP/1.1 200 Connection established\r\n\r\n', 'latin1');

/** The reason phrases of the statuses this proxy sends. */
const REASONS: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  403: 'Forbidden',
  405: 'Method Not Allowed',
  407: 'Proxy Authentication Required',
  431: 'Request Header Fields Too Large',
  502: 'Bad Gateway',
  504: 'Gateway Timeout',
  505: 'HTTP Version Not Supported',
};

/**
 * An error response: the status line, `extraHeaders` (each `Name: value`), a short text body saying
 * why, and `Connection: close` (the proxy closes the connection after any error).
 */
export function httpErrorResponse(status: number, reason: string, extraHeaders: readonly string[] = []): Uint8Array {
  const body = Buffer.from(`${reason}\n`, 'utf8');
  const head = [
    `HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}`,
    ...extraHeaders,
    'Content-Type: text/plain; charset=utf-8',
    `Content-Length: ${body.length}`,
    'Connection: close',
    '',
    '',
  ].join('\r\n');
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

/**
 * The HTTP status for a tunnel that failed with a SOCKS5 REP value: 2 (not allowed) is 403 Forbidden,
 * 6 (TTL expired: a timeout) is 504 Gateway Timeout, anything else 502 Bad Gateway.
 */
export function httpStatusForReply(replyCode: number): number {
  if (replyCode === TunnelReplyCode.NotAllowed) return 403;
  if (replyCode === TunnelReplyCode.TtlExpired) return 504;
  return 502;
}

/** What the request has come to after the bytes fed so far. */
export type HttpConnectOutcome =
  /** It needs more bytes. */
  | { readonly kind: 'more' }
  /** A CONNECT to `destination`; `rest` holds the bytes the client sent after the header (to forward once the tunnel is open). */
  | { readonly kind: 'connect'; readonly destination: ProxyDestination; readonly rest: Uint8Array }
  /** Refused: send `response`, then close. */
  | { readonly kind: 'refused'; readonly status: number; readonly reason: string; readonly response: Uint8Array };

/** The token characters of a method or field name (RFC 9110 §5.6.2). */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** A base64 credential (RFC 7617). */
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

const MORE: HttpConnectOutcome = { kind: 'more' };

/**
 * The server side of one HTTP CONNECT request: {@link HttpConnectRequest.push} each chunk the client
 * sends until the outcome is 'connect' or 'refused'. After 'connect', send
 * {@link HTTP_CONNECT_ESTABLISHED} once the tunnel is open, or an {@link httpErrorResponse}.
 */
export class HttpConnectRequest {
  readonly #auth: ProxyAuth | undefined;
  #pending: Buffer = Buffer.alloc(0);
  /** Where the search for the header's end resumes: the start of the first line not yet seen whole. */
  #lineStart = 0;
  /** Whether a non-empty line (the request line) has been seen. */
  #sawRequestLine = false;
  #over = false;

  /** A request that must carry `auth` (HTTP Basic) when given. */
  constructor(auth?: ProxyAuth) {
    this.#auth = auth;
  }

  /** Feeds the next bytes from the client. After a 'connect' or 'refused' outcome, more bytes are refused. */
  push(chunk: Uint8Array): HttpConnectOutcome {
    if (this.#over) return this.#refuse(400, 'bytes after the end of the request');
    this.#pending = this.#pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.#pending, chunk]);
    const end = this.#headerEnd();
    if (end === undefined) {
      return this.#pending.length > MAX_HTTP_HEADER_BYTES ? this.#refuse(431, `request header longer than ${MAX_HTTP_HEADER_BYTES} bytes`) : MORE;
    }
    if (end > MAX_HTTP_HEADER_BYTES) return this.#refuse(431, `request header longer than ${MAX_HTTP_HEADER_BYTES} bytes`);
    const outcome = this.#parse(this.#pending.subarray(0, end).toString('latin1'), this.#pending.subarray(end));
    this.#over = true;
    this.#pending = Buffer.alloc(0);
    return outcome;
  }

  #refuse(status: number, reason: string, extraHeaders?: readonly string[]): HttpConnectOutcome {
    this.#over = true;
    this.#pending = Buffer.alloc(0);
    return { kind: 'refused', status, reason, response: httpErrorResponse(status, reason, extraHeaders) };
  }

  /**
   * The offset just past the blank line that ends the header, or undefined if it has not come within
   * the first {@link MAX_HTTP_HEADER_BYTES} + 1 bytes. Empty lines before the request line are skipped
   * (RFC 9112 §2.2).
   */
  #headerEnd(): number | undefined {
    const b = this.#pending.subarray(0, MAX_HTTP_HEADER_BYTES + 1);
    for (;;) {
      const newline = b.indexOf(0x0a, this.#lineStart);
      if (newline < 0) return undefined;
      const length = newline - this.#lineStart;
      const empty = length === 0 || (length === 1 && b[this.#lineStart] === 0x0d);
      this.#lineStart = newline + 1;
      if (!empty) this.#sawRequestLine = true;
      else if (this.#sawRequestLine) return newline + 1;
    }
  }

  /** The request line and fields (the header, blank line included) and what followed it. */
  #parse(header: string, rest: Buffer): HttpConnectOutcome {
    const lines = header.split('\n').map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
    while (lines[0] === '') lines.shift();
    const requestLine = lines.shift() ?? '';
    const parts = requestLine.split(' ');
    if (parts.length !== 3 || !TOKEN.test(parts[0] as string)) return this.#refuse(400, 'malformed request line');
    const [method, target, version] = parts as [string, string, string];
    if (!/^HTTP\/\d\.\d$/.test(version)) return this.#refuse(400, 'malformed request line');
    if (!version.startsWith('HTTP/1.')) return this.#refuse(505, `${version} is not supported, HTTP/1.1 only`);
    let authorization: string | undefined;
    for (const line of lines) {
      if (line === '') continue;
      const colon = line.indexOf(':');
      // A field name is a token, with no space before the colon; a line starting with space (obsolete folding) is refused too.
      if (colon <= 0 || !TOKEN.test(line.slice(0, colon))) return this.#refuse(400, 'malformed header field');
      if (line.slice(0, colon).toLowerCase() === 'proxy-authorization') authorization ??= line.slice(colon + 1).trim();
    }
    if (method !== 'CONNECT') return this.#refuse(405, `method ${method} not allowed: this proxy only tunnels (CONNECT)`, ['Allow: CONNECT']);
    const destination = parseAuthority(target);
    if (destination === undefined) return this.#refuse(400, `malformed CONNECT target ${JSON.stringify(target)}: give host:port`);
    if (this.#auth !== undefined && !this.#authorized(authorization)) {
      const why = authorization === undefined ? 'proxy authentication required' : 'wrong proxy credentials';
      return this.#refuse(407, why, ['Proxy-Authenticate: Basic realm="mpt"']);
    }
    return { kind: 'connect', destination, rest: Buffer.from(rest) };
  }

  /** Whether a Proxy-Authorization value carries the configured credentials (the Basic scheme). */
  #authorized(value: string | undefined): boolean {
    if (value === undefined) return false;
    const space = value.indexOf(' ');
    if (space < 0 || value.slice(0, space).toLowerCase() !== 'basic') return false;
    const encoded = value.slice(space + 1).trim();
    if (!BASE64.test(encoded)) return false;
    const decoded = Buffer.from(encoded, 'base64');
    const colon = decoded.indexOf(0x3a);
    if (colon < 0) return false;
    return credentialsMatch(this.#auth as ProxyAuth, decoded.subarray(0, colon), decoded.subarray(colon + 1));
  }
}

/** `host:port` or `[ipv6]:port` (authority-form, RFC 9112 §3.2.3), or undefined if malformed. */
export function parseAuthority(target: string): ProxyDestination | undefined {
  let host: string;
  let portText: string;
  if (target.startsWith('[')) {
    const close = target.indexOf(']');
    if (close < 0 || target[close + 1] !== ':') return undefined;
    host = target.slice(1, close);
    portText = target.slice(close + 2);
    if (isIP(host) !== 6) return undefined;
  } else {
    const colon = target.lastIndexOf(':');
    if (colon <= 0) return undefined;
    host = target.slice(0, colon);
    portText = target.slice(colon + 1);
    if (host.includes(':') || !isDestinationHost(host)) return undefined;
  }
  if (!/^[0-9]{1,5}$/.test(portText)) return undefined;
  const port = Number(portText);
  if (port < 1 || port > 65_535) return undefined;
  return { host, port };
}
