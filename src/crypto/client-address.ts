import { isIPv4, isIPv6 } from 'node:net';

/** A UDP peer address as node:dgram reports it (`rinfo.address`, `rinfo.port`). */
export interface ClientAddress {
  /** IPv4 dotted quad or IPv6 text; an IPv6 zone (`%eth0`) is ignored. */
  readonly address: string;
  /** UDP port, 0..65535. */
  readonly port: number;
}

function ipv4Bytes(text: string, out: Uint8Array, at: number): void {
  const parts = text.split('.');
  for (let i = 0; i < 4; i++) out[at + i] = Number(parts[i]);
}

function ipv6Bytes(text: string): Uint8Array {
  const out = new Uint8Array(16);
  let body = text;
  let tail: Uint8Array | undefined;
  // A trailing dotted quad fills the last 32 bits (RFC 4291 §2.2, form 3).
  const lastColon = body.lastIndexOf(':');
  if (body.includes('.', lastColon)) {
    tail = new Uint8Array(4);
    ipv4Bytes(body.slice(lastColon + 1), tail, 0);
    body = `${body.slice(0, lastColon + 1)}0:0`;
  }
  const [head, rest] = body.includes('::') ? body.split('::') : [body, undefined];
  const headGroups = head ? head.split(':') : [];
  const restGroups = rest ? rest.split(':') : [];
  const groups = [...headGroups, ...new Array<string>(8 - headGroups.length - restGroups.length).fill('0'), ...restGroups];
  groups.forEach((g, i) => {
    const v = parseInt(g, 16);
    out[2 * i] = v >>> 8;
    out[2 * i + 1] = v & 0xff;
  });
  if (tail !== undefined) out.set(tail, 12);
  return out;
}

const V4_MAPPED_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

/**
 * Canonical bytes of an address: the IP (4 bytes for IPv4, 16 for IPv6)
 * then the port as uint16 big-endian, so 6 or 18 bytes. IPv4-mapped IPv6
 * (`::ffff:a.b.c.d`, what a dual-stack socket reports) encodes as IPv4, so
 * one client gets one encoding whichever socket saw it. Returns undefined
 * for anything that is not an IP address and port.
 */
export function encodeClientAddress(client: ClientAddress): Uint8Array | undefined {
  const { port } = client;
  if (!Number.isInteger(port) || port < 0 || port > 0xffff || typeof client.address !== 'string') return undefined;
  const zone = client.address.indexOf('%');
  const text = zone < 0 ? client.address : client.address.slice(0, zone);
  let ip: Uint8Array;
  if (isIPv4(text)) {
    ip = new Uint8Array(4);
    ipv4Bytes(text, ip, 0);
  } else if (isIPv6(text)) {
    const v6 = ipv6Bytes(text);
    ip = V4_MAPPED_PREFIX.every((b, i) => v6[i] === b) ? v6.slice(12) : v6;
  } else {
    return undefined;
  }
  const out = new Uint8Array(ip.length + 2);
  out.set(ip, 0);
  out[ip.length] = port >>> 8;
  out[ip.length + 1] = port & 0xff;
  return out;
}
