import { isIP } from 'node:net';
import { ipToMappedBytes } from '../core/ip-address.js';

/**
 * Address ranges in CIDR notation ('10.0.0.0/8', 'fc00::/7') for the converter's destination policy.
 * Every address and range lives in one 128-bit space, IPv4 as its IPv4-mapped IPv6 form
 * (::ffff:a.b.c.d, RFC 4291 §2.5.5.2): so a rule about 127.0.0.0/8 covers ::ffff:127.0.0.1 too, the
 * form in which a dual-stack socket reaches the same IPv4 host.
 * @module
 */

/** One range: its first address (16 bytes) and prefix length (0..128, IPv4 ranges counted as 96 + their own). */
export interface Cidr {
  /** The range's address bytes, IPv4 as IPv4-mapped IPv6; bits past the prefix are zero. */
  readonly bytes: Uint8Array;
  /** Prefix length in the 128-bit space. */
  readonly prefix: number;
  /** As written (or as the defaults name it), for messages. */
  readonly text: string;
}

/** The 16 bytes of an IP literal (IPv4 and IPv4-mapped IPv6 alike as ::ffff:a.b.c.d); undefined if it is not one. */
export function addressBytes(address: string): Uint8Array | undefined {
  return isIP(address) === 0 ? undefined : ipToMappedBytes(address);
}

/**
 * The range `text` names: 'a.b.c.d/n' (n 0..32), 'x::y/n' (n 0..128), or a lone address (one address:
 * /32 or /128). Undefined when it is none of these, or the address has bits set past the prefix
 * ('10.0.0.1/8': most likely a typo, so refused rather than guessed).
 */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  const family = isIP(address);
  if (family === 0 || address.includes('%')) return undefined;
  const max = family === 4 ? 32 : 128;
  let own = max;
  if (slash >= 0) {
    const p = text.slice(slash + 1);
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
    own = Number(p);
    if (own > max) return undefined;
  }
  const bytes = addressBytes(address) as Uint8Array;
  const prefix = family === 4 ? 96 + own : own;
  const masked = mask(bytes, prefix);
  if (!masked.every((b, i) => b === bytes[i])) return undefined;
  return { bytes: masked, prefix, text };
}

/** Whether `range` holds the address `bytes` (16 bytes, see {@link addressBytes}). */
export function cidrContains(range: Cidr, bytes: Uint8Array): boolean {
  const full = range.prefix >> 3;
  for (let i = 0; i < full; i++) if (range.bytes[i] !== bytes[i]) return false;
  const bits = range.prefix & 7;
  if (bits === 0) return true;
  const m = (0xff << (8 - bits)) & 0xff;
  return ((range.bytes[full] as number) & m) === ((bytes[full] as number) & m);
}

/** `bytes` with every bit past `prefix` cleared. */
function mask(bytes: Uint8Array, prefix: number): Uint8Array {
  const out = bytes.slice();
  for (let i = 0; i < 16; i++) {
    const keep = Math.max(0, Math.min(8, prefix - 8 * i));
    out[i] = (out[i] as number) & ((0xff << (8 - keep)) & 0xff);
  }
  return out;
}
