import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';

import type { Destination } from '../core/happy-eyeballs/order.js';
import { MptError, MptErrorCode } from '../errors.js';
import { invalidIpAddressError } from './net-errors.js';
import type { LookupFunction } from './options.js';

/**
 * Resolution for happy eyeballs (RFC 8305 §3): with no family pinned, the IPv6 and the IPv4 query go
 * out together; an IPv6 answer starts the race at once, an IPv4 answer first waits up to the
 * Resolution Delay for the IPv6 one.
 * @module
 */

/** RFC 8305 §3's recommended Resolution Delay, ms. */
export const DEFAULT_RESOLUTION_DELAY_MS = 50;

/** How {@link resolveHost} resolves. */
export interface ResolveOptions {
  /** 4 or 6 to resolve only that family (one query); 0 for both (two queries in parallel). */
  readonly family: 0 | 4 | 6;
  /** The resolver (`dns.lookup`'s signature); default `dns.lookup`. */
  readonly lookup?: LookupFunction | undefined;
  /** `dns.lookup` hints (net's `hints` option), passed to every query; none by default. */
  readonly hints?: number | undefined;
  /** How long an IPv4 answer waits for the IPv6 one, ms. Default {@link DEFAULT_RESOLUTION_DELAY_MS}. */
  readonly resolutionDelayMs?: number | undefined;
  /**
   * Called with the addresses of a family that answered after the promise resolved (the caller can add
   * them to the race, RFC 8305 §3); not called for a failed or empty answer.
   */
  readonly onLate?: ((destinations: Destination[]) => void) | undefined;
}

/** One family's query: its addresses, or why it failed. */
type Answer = { readonly ok: true; readonly list: Destination[] } | { readonly ok: false; readonly error: Error };

/**
 * Resolves `host` (an IP literal resolves to itself) to its addresses, IPv6 ones first when both
 * families answered in time. A family that answers after resolution finished is not waited for; its
 * addresses go to `onLate`. Fails (ERR_MPT_DNS_LOOKUP_FAILED) only when no query returned an address.
 */
export function resolveHost(host: string, options: ResolveOptions): Promise<Destination[]> {
  const literal = isIP(host);
  if (literal !== 0) return Promise.resolve([{ host, family: literal as 4 | 6 }]);
  const fn = options.lookup ?? (dnsLookup as unknown as LookupFunction);
  if (options.family !== 0) {
    return query(fn, host, options.family, options.hints).then((a) => (a.ok && a.list.length > 0 ? a.list : Promise.reject(failure(host, [a]))));
  }
  const delayMs = Math.max(0, options.resolutionDelayMs ?? DEFAULT_RESOLUTION_DELAY_MS);
  return new Promise((resolvePromise, reject) => {
    let v6: Answer | undefined;
    let v4: Answer | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let done = false;
    let unused: 'v6' | 'v4' | undefined;
    const lateOf = (a6: Answer, a4: Answer): Destination[] => {
      const a = unused === 'v6' ? a6 : unused === 'v4' ? a4 : undefined;
      return a?.ok === true ? a.list.filter((d) => !resolvedHosts.has(d.host)) : [];
    };
    const resolvedHosts = new Set<string>();
    const finish = (): void => {
      if (done) return;
      done = true;
      unused = v6 === undefined ? 'v6' : v4 === undefined ? 'v4' : undefined;
      if (timer !== undefined) clearTimeout(timer);
      const list = [...(v6?.ok === true ? v6.list : []), ...(v4?.ok === true ? v4.list : [])];
      const unique = list.filter((d, i) => list.findIndex((e) => e.host === d.host) === i);
      for (const d of unique) resolvedHosts.add(d.host);
      if (unique.length > 0) resolvePromise(unique);
      else reject(failure(host, [v6, v4]));
    };
    let reported = false;
    const settle = (): void => {
      if (done) {
        // The other family, after resolution finished: reported once (the last query to answer).
        const late = v6 !== undefined && v4 !== undefined && !reported ? lateOf(v6, v4) : [];
        if (v6 !== undefined && v4 !== undefined) reported = true;
        if (late.length > 0) options.onLate?.(late);
        return;
      }
      const v6Has = v6?.ok === true && v6.list.length > 0;
      const v4Has = v4?.ok === true && v4.list.length > 0;
      // IPv6 answered, or both did: go. IPv4 answered alone: wait for IPv6 up to the delay.
      if (v6Has || (v6 !== undefined && v4 !== undefined)) return finish();
      if (v4Has && timer === undefined) timer = setTimeout(finish, delayMs);
    };
    // Answers within one tick (a synchronous resolver) count as arriving together.
    void query(fn, host, 6, options.hints).then((a) => {
      v6 = a;
      queueMicrotask(settle);
    });
    void query(fn, host, 4, options.hints).then((a) => {
      v4 = a;
      queueMicrotask(settle);
    });
  });
}

/** One `lookup` call for `family`; keeps only that family's addresses (a resolver may ignore `family`). */
function query(fn: LookupFunction, host: string, family: 4 | 6, hints: number | undefined): Promise<Answer> {
  return new Promise((resolvePromise) => {
    try {
      fn(host, hints === undefined || hints === 0 ? { family, all: true } : { family, all: true, hints }, (error, address, addressFamily) => {
        if (error !== null) return resolvePromise({ ok: false, error });
        const entries: LookupAddress[] = typeof address === 'string' || address === undefined ? [{ address, family: addressFamily ?? 0 }] : address;
        // As net: an answer that is not an IP address is ERR_INVALID_IP_ADDRESS.
        const bad = entries.find((e) => typeof e.address !== 'string' || isIP(e.address) === 0);
        if (bad !== undefined) return resolvePromise({ ok: false, error: invalidIpAddressError(bad.address) });
        const list: Destination[] = [];
        for (const e of entries) if (isIP(e.address) === family && !list.some((d) => d.host === e.address)) list.push({ host: e.address, family });
        resolvePromise({ ok: true, list });
      });
    } catch (error) {
      resolvePromise({ ok: false, error: error instanceof Error ? error : new Error(String(error)) });
    }
  });
}

/** The error when no query returned an address: the first lookup error, else "no address". */
function failure(host: string, answers: readonly (Answer | undefined)[]): Error {
  for (const a of answers) {
    if (a !== undefined && !a.ok) {
      const code = (a.error as NodeJS.ErrnoException).code;
      if (code === 'ERR_INVALID_IP_ADDRESS') return a.error;
      return new MptError(MptErrorCode.DnsLookupFailed, `cannot resolve ${host}: ${code ?? a.error.message}`, { cause: a.error });
    }
  }
  return new MptError(MptErrorCode.DnsLookupFailed, `cannot resolve ${host}: the resolver returned no address`);
}
