/**
 * Destination ordering for happy eyeballs (RFC 8305 §4): the basics of RFC 6724's destination address
 * selection, then the address families interleaved.
 * @module
 */

/** One resolved address of the host, with its family. */
export interface Destination {
  /** An IP literal. */
  readonly host: string;
  /** 4 or 6. */
  readonly family: 4 | 6;
}

/** How {@link orderDestinations} orders. */
export interface OrderOptions {
  /**
   * RFC 8305 §4 "First Address Family Count": how many addresses of the preferred family come before the
   * first of the other family. Default 1; at least 1.
   */
  readonly firstAddressFamilyCount?: number | undefined;
  /** An address that worked before (the happy-eyeballs cache): it goes first, and its family leads. */
  readonly preferred?: string | undefined;
}

/**
 * RFC 6724 §2.1's default policy table, by precedence (higher first): ::1 50, IPv6 40, IPv4 (as
 * ::ffff:0:0/96) 35, 6to4 30, Teredo 5, ULA 3, site-local and IPv4-compatible 1. The scope and
 * source-address rules need the routing table and are left to the kernel's source selection.
 */
export function precedence(host: string): number {
  if (!host.includes(':')) return 35;
  const h = host.toLowerCase();
  if (h === '::1') return 50;
  if (h.startsWith('::ffff:')) return 35;
  if (h.startsWith('2002:')) return 30;
  if (h.startsWith('2001:0:') || h.startsWith('2001::')) return 5;
  if (/^f[cd][0-9a-f]{0,2}:/.test(h)) return 3;
  if (/^fe[c-f][0-9a-f]?:/.test(h)) return 1;
  return 40;
}

/**
 * The order in which to attempt `destinations`: duplicates removed, stably sorted by
 * {@link precedence}, the `preferred` address first, then interleaved (RFC 8305 §4): the first
 * family's first `firstAddressFamilyCount` addresses, then one of each family in turn.
 */
export function orderDestinations(destinations: readonly Destination[], options: OrderOptions = {}): Destination[] {
  const count = Math.max(1, Math.floor(options.firstAddressFamilyCount ?? 1));
  const unique: Destination[] = [];
  for (const d of destinations) if (!unique.some((u) => u.host === d.host)) unique.push(d);
  const sorted = unique
    .map((d, i) => ({ d, i, p: d.host === options.preferred ? Infinity : precedence(d.host) }))
    .sort((a, b) => b.p - a.p || a.i - b.i)
    .map((x) => x.d);
  const first = sorted[0];
  if (first === undefined) return [];
  const lead = sorted.filter((d) => d.family === first.family);
  const other = sorted.filter((d) => d.family !== first.family);
  const out: Destination[] = lead.splice(0, count);
  while (lead.length > 0 || other.length > 0) {
    const o = other.shift();
    if (o !== undefined) out.push(o);
    const l = lead.shift();
    if (l !== undefined) out.push(l);
  }
  return out;
}
