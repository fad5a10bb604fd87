/**
 * IP address literals to and from the bytes ADD_ADDRESS carries
 * (docs/protocol.md §7.11). Formatting follows RFC 5952 (lower case, the
 * longest run of zero groups as `::`), which is how Node reports addresses,
 * so an advertised address compares equal to the one datagrams come from.
 * @module
 */

/** The bytes of an IP literal: 4 for IPv4 (and IPv4-mapped IPv6), 16 for IPv6; undefined if it is not one. */
export function ipToBytes(host: string): Uint8Array | undefined {
  if (!host.includes(':')) return ipv4ToBytes(host);
  const zone = host.indexOf('%');
  const text = (zone >= 0 ? host.slice(0, zone) : host).toLowerCase();
  const v6 = ipv6ToBytes(text);
  if (v6 === undefined) return undefined;
  // IPv4-mapped (::ffff:a.b.c.d) travels as IPv4 (§7.11).
  if (v6.subarray(0, 10).every((b) => b === 0) && v6[10] === 0xff && v6[11] === 0xff) return v6.slice(12);
  return v6;
}

/** The 16 bytes of an IP literal, IPv4 as its IPv4-mapped IPv6 form (::ffff:a.b.c.d); undefined if it is not one. */
export function ipToMappedBytes(host: string): Uint8Array | undefined {
  const bytes = ipToBytes(host);
  if (bytes === undefined || bytes.length === 16) return bytes;
  const out = new Uint8Array(16);
  out[10] = 0xff;
  out[11] = 0xff;
  out.set(bytes, 12);
  return out;
}

/** The RFC 5952 text of 4 or 16 address bytes. */
export function bytesToIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] as number) << 8) | (bytes[i + 1] as number));
  // The longest run of two or more zero groups (the first, on a tie) becomes `::`.
  let bestAt = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestAt = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number): string => groups.slice(from, to).map((g) => g.toString(16)).join(':');
  if (bestAt < 0) return hex(0, 8);
  return `${hex(0, bestAt)}::${hex(bestAt + bestLength, 8)}`;
}

function ipv4ToBytes(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const part = parts[i] as string;
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return undefined;
    const value = Number(part);
    if (value > 255) return undefined;
    out[i] = value;
  }
  return out;
}

function ipv6ToBytes(text: string): Uint8Array | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parse = (part: string): number[] | undefined => {
    if (part === '') return [];
    const groups: number[] = [];
    const fields = part.split(':');
    for (let i = 0; i < fields.length; i++) {
      const field = fields[i] as string;
      if (i === fields.length - 1 && field.includes('.')) {
        const v4 = ipv4ToBytes(field);
        if (v4 === undefined) return undefined;
        groups.push(((v4[0] as number) << 8) | (v4[1] as number), ((v4[2] as number) << 8) | (v4[3] as number));
      } else {
        if (!/^[0-9a-f]{1,4}$/.test(field)) return undefined;
        groups.push(parseInt(field, 16));
      }
    }
    return groups;
  };
  const head = parse(halves[0] as string);
  const tail = halves.length === 2 ? parse(halves[1] as string) : [];
  if (head === undefined || tail === undefined) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const groups = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    out[2 * i] = (groups[i] as number) >> 8;
    out[2 * i + 1] = (groups[i] as number) & 0xff;
  }
  return out;
}
