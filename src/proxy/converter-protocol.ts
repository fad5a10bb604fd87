import { isIP } from 'node:net';
import { bytesToIp, ipToBytes, ipToMappedBytes } from '../core/ip-address.js';
import { MptError, MptErrorCode } from '../errors.js';

/**
 * The converter protocol (docs/proxy.md, "Converter protocol"): the request a tunnel client sends as the
 * first bytes of its mpt stream (which destination to open plain TCP to) and the reply the converter
 * sends back before the TCP bytes flow. Encoding, and decoders that take the bytes in chunks of any size
 * and hand back what follows the header untouched.
 * @module
 */

/** The 4 bytes that open every request: 'MPTC'. */
export const CONVERTER_MAGIC: Uint8Array = Uint8Array.of(0x4d, 0x50, 0x54, 0x43);

/** The version of the converter protocol, in every request and reply. */
export const CONVERTER_VERSION = 1;

/** Address types of a request, as SOCKS5's ATYP. */
export const ConverterAddressType = {
  /** 4 address bytes follow. */
  IPv4: 0x01,
  /** 1 length byte (1..255), then that many ASCII bytes of a host name. */
  Domain: 0x03,
  /** 16 address bytes follow. */
  IPv6: 0x04,
} as const;

/** One of the {@link ConverterAddressType} values. */
export type ConverterAddressType = (typeof ConverterAddressType)[keyof typeof ConverterAddressType];

/**
 * The reply codes of the converter protocol: SOCKS5's REP values (RFC 1928 §6), so a SOCKS5 front end
 * passes them on unchanged. 0 is success; every other code ends the tunnel.
 */
export const TunnelReplyCode = {
  /** The TCP connection to the destination is open; the TCP bytes follow. */
  Succeeded: 0,
  /** Any other failure, and a malformed request. */
  GeneralFailure: 1,
  /** The converter's policy refuses the destination (or every address it resolves to). */
  NotAllowed: 2,
  /** The destination's network is unreachable (ENETUNREACH). */
  NetworkUnreachable: 3,
  /** The destination host is unreachable (EHOSTUNREACH), or its name does not resolve (ENOTFOUND, EAI_AGAIN). */
  HostUnreachable: 4,
  /** The destination refused the TCP connection (ECONNREFUSED). */
  ConnectionRefused: 5,
  /** The TCP connection did not open within the converter's `connectTimeout` (SOCKS5's "TTL expired"). */
  TtlExpired: 6,
  /** Command not supported (SOCKS5's; the converter protocol has one command, connect). */
  CommandNotSupported: 7,
  /** The request's address type is none of 0x01, 0x03, 0x04. */
  AddressTypeNotSupported: 8,
} as const;

/** One of the {@link TunnelReplyCode} values (a reply may carry another byte, which counts as a failure). */
export type TunnelReplyCode = (typeof TunnelReplyCode)[keyof typeof TunnelReplyCode];

const REPLY_NAMES: Readonly<Record<number, string>> = {
  0: 'succeeded',
  1: 'general failure',
  2: 'connection not allowed by ruleset',
  3: 'network unreachable',
  4: 'host unreachable',
  5: 'connection refused',
  6: 'TTL expired',
  7: 'command not supported',
  8: 'address type not supported',
};

/** The name of a reply code, as RFC 1928 words it ('connection refused'); 'unknown reply code N' for others. */
export function tunnelReplyName(code: number): string {
  return REPLY_NAMES[code] ?? `unknown reply code ${code}`;
}

/** Where a tunnel leads: a host name or IP address and a TCP port. */
export interface TunnelDestination {
  /** A host name (ASCII, at most 255 bytes) or an IP address literal. */
  readonly host: string;
  /** TCP port, 1..65535. */
  readonly port: number;
}

/** A decoded request. */
export interface ConverterRequest extends TunnelDestination {
  /** How the request named the host. */
  readonly addressType: ConverterAddressType;
}

/** A decoded reply. */
export interface ConverterReply {
  /** The reply code (see {@link TunnelReplyCode}). */
  readonly code: number;
  /** The converter's reason, for people (may be empty). */
  readonly reason: string;
}

/** Most bytes a request header can take: magic, version, type, length byte, 255 name bytes, port. */
export const MAX_REQUEST_BYTES = 4 + 1 + 1 + 1 + 255 + 2;

/** Most bytes a reply header can take: version, code, length byte, 255 reason bytes. */
export const MAX_REPLY_BYTES = 3 + 255;

/** The characters a host name of a request may hold (letters, digits, '-', '.', '_'). */
const HOST_NAME = /^[A-Za-z0-9._-]+$/;

/**
 * The request for `destination`. An IPv4 or IPv6 literal (brackets allowed) travels as an address, any
 * other host as a name. Throws ERR_MPT_INVALID_CONFIG naming `destination.host` or `destination.port`
 * for a host that is empty, longer than 255 bytes or holds characters a host name cannot (a non-ASCII
 * name must be given in its ASCII, punycode form), or a port outside 1..65535.
 */
export function encodeRequest(destination: TunnelDestination): Uint8Array {
  const { port } = destination;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new MptError(MptErrorCode.InvalidConfig, `destination.port must be an integer from 1 to 65535, got ${String(port)}`);
  }
  const host = unbracket(destination.host);
  let address: Uint8Array;
  let type: ConverterAddressType;
  const family = typeof host === 'string' ? isIP(host) : 0;
  if (family === 4) {
    type = ConverterAddressType.IPv4;
    address = ipToBytes(host) as Uint8Array;
  } else if (family === 6) {
    type = ConverterAddressType.IPv6;
    address = ipToMappedBytes(host) as Uint8Array; // an IPv6 literal, IPv4-mapped ones kept at 16 bytes
  } else {
    if (typeof host !== 'string' || host.length === 0 || host.length > 255 || !HOST_NAME.test(host)) {
      throw new MptError(
        MptErrorCode.InvalidConfig,
        `destination.host must be an IP address or a host name of 1 to 255 ASCII letters, digits, '.', '-', '_' (punycode for others), got ${JSON.stringify(destination.host)}`,
      );
    }
    type = ConverterAddressType.Domain;
    address = new Uint8Array(1 + host.length);
    address[0] = host.length;
    for (let i = 0; i < host.length; i++) address[1 + i] = host.charCodeAt(i);
  }
  const out = new Uint8Array(6 + address.length + 2);
  out.set(CONVERTER_MAGIC, 0);
  out[4] = CONVERTER_VERSION;
  out[5] = type;
  out.set(address, 6);
  out[6 + address.length] = port >> 8;
  out[7 + address.length] = port & 0xff;
  return out;
}

/** The reply `code` with `reason`, cut to 255 bytes of UTF-8 (at a character boundary). */
export function encodeReply(code: number, reason = ''): Uint8Array {
  const text = utf8Prefix(reason, 255);
  const out = new Uint8Array(3 + text.length);
  out[0] = CONVERTER_VERSION;
  out[1] = code;
  out[2] = text.length;
  out.set(text, 3);
  return out;
}

/** What a decoder made of the bytes so far. */
export type DecodeResult<T> =
  /** More bytes are needed. */
  | { readonly state: 'pending' }
  /** The header is complete; `rest` holds the bytes that followed it in the chunks pushed (maybe none). */
  | { readonly state: 'done'; readonly value: T; readonly rest: Uint8Array }
  /** The header is malformed: `code` is the reply code that answers it, `reason` says why. */
  | { readonly state: 'error'; readonly code: number; readonly reason: string };

const PENDING = { state: 'pending' } as const;

/** Collects the first bytes of a stream, never more than a header's bound. */
abstract class HeaderDecoder<T> {
  #buffer: Uint8Array;
  #length = 0;
  #result: DecodeResult<T> = PENDING;

  constructor(maxBytes: number) {
    this.#buffer = new Uint8Array(maxBytes);
  }

  /**
   * Takes the next chunk of the stream. Once the result is 'done' or 'error' it stays so, and later
   * chunks are not looked at (the caller owns what follows the header: `rest`, then the stream).
   */
  push(chunk: Uint8Array): DecodeResult<T> {
    if (this.#result.state !== 'pending') return this.#result;
    let used = 0;
    // Only the bytes the header can still need are copied: the buffer never exceeds the header's bound.
    while (used < chunk.length) {
      const need = this.needed(this.#buffer.subarray(0, this.#length));
      if (typeof need !== 'number') {
        this.#result = need;
        break;
      }
      if (need <= this.#length) break;
      const take = Math.min(need - this.#length, chunk.length - used);
      this.#buffer.set(chunk.subarray(used, used + take), this.#length);
      this.#length += take;
      used += take;
    }
    if (this.#result.state === 'pending') {
      const need = this.needed(this.#buffer.subarray(0, this.#length));
      if (typeof need !== 'number') this.#result = need;
      else if (need <= this.#length) this.#result = { state: 'done', value: this.decode(this.#buffer.subarray(0, this.#length)), rest: chunk.subarray(used) };
    }
    return this.#result;
  }

  /** Whether the decoder has a result (done or error). */
  get finished(): boolean {
    return this.#result.state !== 'pending';
  }

  /**
   * How many header bytes are needed in all, knowing `head` (a prefix of the header); or an error when
   * `head` already shows the header is malformed. Never less than `head.length` while pending.
   */
  protected abstract needed(head: Uint8Array): number | { readonly state: 'error'; readonly code: number; readonly reason: string };

  /** The value of a complete, well-formed header. */
  protected abstract decode(header: Uint8Array): T;
}

function failure(code: number, reason: string): { readonly state: 'error'; readonly code: number; readonly reason: string } {
  return { state: 'error', code, reason };
}

/**
 * Decodes a request from the first bytes of a stream, in chunks of any size: bad magic or version and
 * a zero port or empty or non-host-name name are answered with reply 1, an unknown address type with
 * reply 8. It holds at most {@link MAX_REQUEST_BYTES}.
 */
export class RequestDecoder extends HeaderDecoder<ConverterRequest> {
  constructor() {
    super(MAX_REQUEST_BYTES);
  }

  protected needed(head: Uint8Array): number | ReturnType<typeof failure> {
    const magic = Math.min(head.length, 4);
    for (let i = 0; i < magic; i++) {
      if (head[i] !== CONVERTER_MAGIC[i]) return failure(TunnelReplyCode.GeneralFailure, 'not a converter request (bad magic)');
    }
    if (head.length < 6) return 6;
    if (head[4] !== CONVERTER_VERSION) return failure(TunnelReplyCode.GeneralFailure, `unsupported converter protocol version ${head[4] as number}`);
    let total: number;
    switch (head[5]) {
      case ConverterAddressType.IPv4:
        total = 6 + 4 + 2;
        break;
      case ConverterAddressType.IPv6:
        total = 6 + 16 + 2;
        break;
      case ConverterAddressType.Domain: {
        if (head.length < 7) return 7;
        const length = head[6] as number;
        if (length === 0) return failure(TunnelReplyCode.GeneralFailure, 'empty host name');
        // Each name byte is checked as it arrives.
        for (let i = 7; i < Math.min(head.length, 7 + length); i++) {
          const c = head[i] as number;
          if (!isHostNameByte(c)) return failure(TunnelReplyCode.GeneralFailure, 'the host name holds a byte a host name cannot');
        }
        total = 7 + length + 2;
        break;
      }
      default:
        return failure(TunnelReplyCode.AddressTypeNotSupported, `unknown address type ${head[5] as number}`);
    }
    if (head.length < total) return total;
    if (head[total - 2] === 0 && head[total - 1] === 0) return failure(TunnelReplyCode.GeneralFailure, 'port 0');
    return total;
  }

  protected decode(header: Uint8Array): ConverterRequest {
    const type = header[5] as ConverterAddressType;
    const port = ((header[header.length - 2] as number) << 8) | (header[header.length - 1] as number);
    if (type === ConverterAddressType.Domain) {
      const name = String.fromCharCode(...header.subarray(7, header.length - 2));
      return { addressType: type, host: name, port };
    }
    return { addressType: type, host: bytesToIp(header.subarray(6, header.length - 2)), port };
  }
}

/** Decodes a reply from the first bytes the converter sends, in chunks of any size; a version other than 1 is an error. */
export class ReplyDecoder extends HeaderDecoder<ConverterReply> {
  constructor() {
    super(MAX_REPLY_BYTES);
  }

  protected needed(head: Uint8Array): number | ReturnType<typeof failure> {
    if (head.length >= 1 && head[0] !== CONVERTER_VERSION) return failure(TunnelReplyCode.GeneralFailure, `unsupported converter reply version ${head[0] as number}`);
    return head.length < 3 ? 3 : 3 + (head[2] as number);
  }

  protected decode(header: Uint8Array): ConverterReply {
    return { code: header[1] as number, reason: new TextDecoder().decode(header.subarray(3)) };
  }
}

function isHostNameByte(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x2d || c === 0x2e || c === 0x5f;
}

/** `[::1]` -> `::1`; anything else as given. */
function unbracket(host: unknown): string {
  if (typeof host !== 'string') return host as string;
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** The UTF-8 bytes of `text`, at most `max` of them, never cutting a character. */
function utf8Prefix(text: string, max: number): Uint8Array {
  const bytes = new TextEncoder().encode(text);
  if (bytes.length <= max) return bytes;
  let end = max;
  // Back off continuation bytes (10xxxxxx) so the cut falls before a character's first byte.
  while (end > 0 && ((bytes[end] as number) & 0xc0) === 0x80) end--;
  return bytes.slice(0, end);
}
