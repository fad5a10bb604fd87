import { isIP } from 'node:net';
import { addressBytes, cidrContains, parseCidr, type Cidr } from './cidr.js';
import { hostPatternMatches, parseHostPattern, type HostPattern } from './host-pattern.js';

/**
 * Which destinations the converter opens TCP to (docs/proxy.md, "Security model"). The converter must
 * never be an open proxy into its own host or networks, so some ranges are refused by default; the
 * operator's `deny` list refuses more, and `allow` both narrows (once it has an entry, only what it
 * covers is reached) and lifts a default refusal for a range it names at least as narrowly.
 * @module
 */

/** The default refusals, in the order their names are reported. */
const DEFAULT_REFUSED: readonly (readonly [string, string])[] = [
  ['0.0.0.0/8', 'unspecified ("this network")'],
  ['127.0.0.0/8', 'loopback'],
  ['10.0.0.0/8', 'private'],
  ['172.16.0.0/12', 'private'],
  ['192.168.0.0/16', 'private'],
  ['100.64.0.0/10', 'shared address space (carrier-grade NAT)'],
  ['169.254.0.0/16', 'link-local'],
  ['224.0.0.0/4', 'multicast'],
  ['255.255.255.255/32', 'broadcast'],
  ['240.0.0.0/4', 'reserved'],
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['::/96', 'IPv4-compatible (deprecated)'],
  ['fc00::/7', 'unique local (private)'],
  ['fe80::/10', 'link-local'],
  ['ff00::/8', 'multicast'],
];

/** One default refusal: its range and what it is. */
export interface DefaultRefusal {
  /** The range. */
  readonly range: Cidr;
  /** What it is ('loopback', 'private'...). */
  readonly label: string;
}

/** The ranges the converter refuses unless `allow` lifts them (IPv4 ones cover their IPv4-mapped IPv6 forms too). */
export const DEFAULT_REFUSALS: readonly DefaultRefusal[] = DEFAULT_REFUSED.map(([text, label]) => ({ range: parseCidr(text) as Cidr, label }));

/** The text of each default refused range, for documentation and tests. */
export const DEFAULT_REFUSED_RANGES: readonly string[] = DEFAULT_REFUSED.map(([text]) => text);

/** An entry of `allow` or `deny`: an address range or a host-name pattern. */
type Entry = { readonly kind: 'cidr'; readonly cidr: Cidr } | { readonly kind: 'name'; readonly pattern: HostPattern };

/** The verdict on a destination: permitted, or refused and why (for the converter's reply and log). */
export type PolicyVerdict =
  | { readonly allowed: true }
  /** `reason` names the address and the rule; `rule` the rule alone ('loopback', 'denied'...), for a message that must not reveal the address. */
  | { readonly allowed: false; readonly reason: string; readonly rule: string };

const ALLOWED: PolicyVerdict = { allowed: true };

/**
 * Why `text` is not a valid `allow` / `deny` entry (a sentence starting with `name`), or undefined if
 * it is one: an IPv4 or IPv6 range in CIDR notation ('10.0.0.0/8', '::1/128'; no bits set past the
 * prefix), a lone IP address, a host name ('example.com') or a host name under which every name matches
 * ('*.example.com').
 */
export function policyEntryProblem(text: unknown, name: string): string | undefined {
  if (typeof text !== 'string') return `${name} must be a string (a CIDR range, an IP address or a host-name pattern), got ${typeof text}`;
  if (parseEntry(text) !== undefined) return undefined;
  return `${name} ${JSON.stringify(text)} is neither a CIDR range ('10.0.0.0/8', '::1/128', no bits past the prefix), an IP address, nor a host name or '*.' and one`;
}

function parseEntry(text: string): Entry | undefined {
  if (text.includes('/') || isIP(text) !== 0) {
    const cidr = parseCidr(text);
    return cidr === undefined ? undefined : { kind: 'cidr', cidr };
  }
  const pattern = parseHostPattern(text);
  return pattern === undefined ? undefined : { kind: 'name', pattern };
}

/** What a {@link DestinationPolicy} is made of. */
export interface DestinationPolicyOptions {
  /** Entries that permit (see the module's description); checked with {@link policyEntryProblem}. */
  readonly allow?: readonly string[] | undefined;
  /** Entries that refuse, whatever `allow` says. */
  readonly deny?: readonly string[] | undefined;
  /** The converter's own addresses (its listening addresses; the host's when it listens on a wildcard), read at each check. */
  readonly ownAddresses?: (() => readonly string[]) | undefined;
}

/**
 * The converter's destination policy. A destination is a host name (as requested) and each address it
 * resolves to, or an address alone; each address is judged on its own ({@link checkAddress}):
 *
 * 1. refused if a `deny` name pattern matches the requested name, or a `deny` range holds the address;
 * 2. refused if a default range holds it ({@link DEFAULT_REFUSALS}: loopback, private, link-local,
 *    unspecified, multicast, broadcast and reserved, IPv4-mapped forms included) or it is one of the
 *    converter's own addresses, unless an `allow` range holds it that is no wider than that default
 *    range (an own address: the address itself, /32 or /128). So '127.0.0.1/32' lifts the loopback
 *    refusal for 127.0.0.1 alone, while '0.0.0.0/0' or a host name lifts nothing;
 * 3. when `allow` has entries: refused unless an `allow` name pattern matches the requested name or
 *    an `allow` range holds the address;
 * 4. permitted.
 */
export class DestinationPolicy {
  readonly #allowRanges: Cidr[] = [];
  readonly #allowNames: HostPattern[] = [];
  readonly #denyRanges: Cidr[] = [];
  readonly #denyNames: HostPattern[] = [];
  readonly #hasAllow: boolean;
  readonly #ownAddresses: () => readonly string[];

  /** Throws a TypeError for an entry {@link policyEntryProblem} refuses (the converter checks its options before). */
  constructor(options: DestinationPolicyOptions = {}) {
    for (const [list, ranges, names] of [
      [options.allow ?? [], this.#allowRanges, this.#allowNames],
      [options.deny ?? [], this.#denyRanges, this.#denyNames],
    ] as const) {
      for (const text of list) {
        const entry = parseEntry(text);
        if (entry === undefined) throw new TypeError(policyEntryProblem(text, 'entry'));
        if (entry.kind === 'cidr') ranges.push(entry.cidr);
        else names.push(entry.pattern);
      }
    }
    this.#hasAllow = (options.allow ?? []).length > 0;
    this.#ownAddresses = options.ownAddresses ?? (() => []);
  }

  /**
   * The verdict on a requested host name alone, before it is resolved: refused when a `deny` pattern
   * matches it (nothing is looked up then). A name that passes still has each of its addresses judged.
   */
  checkName(host: string): PolicyVerdict {
    const denied = this.#denyNames.find((p) => hostPatternMatches(p, host));
    return denied === undefined ? ALLOWED : { allowed: false, reason: `the name ${host} is denied (${denied.text})`, rule: 'denied' };
  }

  /**
   * The verdict on connecting to `address` (an IP literal), for a request that named `host` (a host
   * name; undefined when the request named the address itself). See the class description.
   */
  checkAddress(address: string, host?: string): PolicyVerdict {
    const bytes = addressBytes(address);
    if (bytes === undefined) return { allowed: false, reason: `${address} is not an IP address`, rule: 'not an IP address' };
    if (host !== undefined) {
      const name = this.checkName(host);
      if (!name.allowed) return name;
    }
    const denied = this.#denyRanges.find((r) => cidrContains(r, bytes));
    if (denied !== undefined) return { allowed: false, reason: `${address} is denied (${denied.text})`, rule: 'denied' };
    for (const refusal of DEFAULT_REFUSALS) {
      if (cidrContains(refusal.range, bytes) && !this.#lifted(bytes, refusal.range.prefix)) {
        return { allowed: false, reason: `${address} is ${refusal.label} (${refusal.range.text}), refused unless allowed explicitly`, rule: refusal.label };
      }
    }
    if (this.#isOwn(bytes) && !this.#lifted(bytes, 128)) {
      return { allowed: false, reason: `${address} is the converter's own address, refused unless allowed explicitly`, rule: "the converter's own address" };
    }
    if (this.#hasAllow) {
      const byName = host !== undefined && this.#allowNames.some((p) => hostPatternMatches(p, host));
      if (!byName && !this.#allowRanges.some((r) => cidrContains(r, bytes))) {
        return { allowed: false, reason: `${host === undefined ? address : `${host} (${address})`} is not on the allow list`, rule: 'not on the allow list' };
      }
    }
    return ALLOWED;
  }

  /** Whether an `allow` range at least `prefix` long holds the address: it lifts a default refusal that wide. */
  #lifted(bytes: Uint8Array, prefix: number): boolean {
    return this.#allowRanges.some((r) => r.prefix >= prefix && cidrContains(r, bytes));
  }

  #isOwn(bytes: Uint8Array): boolean {
    for (const own of this.#ownAddresses()) {
      const b = addressBytes(own);
      if (b !== undefined && b.every((x, i) => x === bytes[i])) return true;
    }
    return false;
  }
}
