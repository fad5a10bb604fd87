import type { LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import type { LookupFunction } from '../node/options.js';
import { TunnelReplyCode } from './converter-protocol.js';
import type { DestinationPolicy } from './destination-policy.js';

/**
 * From a request's host to the addresses the converter may open TCP to: the name resolved once (so the
 * addresses checked are the addresses dialled: a DNS answer that changes between a check and a connect,
 * DNS rebinding, cannot slip a refused address through), every address judged by the policy.
 * @module
 */

/** The outcome: the permitted addresses in the resolver's order, or the reply that refuses the request. */
export type ResolvedDestination =
  | { readonly ok: true; readonly addresses: readonly string[] }
  | { readonly ok: false; readonly code: number; readonly reason: string };

/** Resolver error codes that mean the name has no address: answered as host unreachable. */
const NO_SUCH_HOST = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_NODATA', 'ENODATA', 'EAI_FAIL']);

/**
 * The addresses of `host` that `policy` permits. An IP literal is judged as it is; a name is first judged
 * by itself (a denied name is not looked up), then resolved with `lookup` (all addresses) and each
 * address judged. Refused with reply 2 when no address is permitted, 4 when the name does not resolve,
 * 1 for another resolver failure. Resolves to undefined if `signal` aborts first.
 */
export async function resolveDestination(host: string, policy: DestinationPolicy, lookup: LookupFunction, signal: AbortSignal): Promise<ResolvedDestination | undefined> {
  const literal = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (isIP(literal) !== 0) {
    const verdict = policy.checkAddress(literal);
    return verdict.allowed ? { ok: true, addresses: [literal] } : { ok: false, code: TunnelReplyCode.NotAllowed, reason: verdict.reason };
  }
  const name = policy.checkName(host);
  if (!name.allowed) return { ok: false, code: TunnelReplyCode.NotAllowed, reason: name.reason };
  let found: string[];
  try {
    found = await lookupAll(host, lookup, signal);
  } catch (error) {
    if (signal.aborted) return undefined;
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== undefined && NO_SUCH_HOST.has(code)) return { ok: false, code: TunnelReplyCode.HostUnreachable, reason: `${host} does not resolve (${code})` };
    return { ok: false, code: TunnelReplyCode.GeneralFailure, reason: `resolving ${host} failed${code === undefined ? '' : ` (${code})`}` };
  }
  if (signal.aborted) return undefined;
  if (found.length === 0) return { ok: false, code: TunnelReplyCode.HostUnreachable, reason: `${host} has no address` };
  const permitted: string[] = [];
  const rules: string[] = [];
  for (const address of found) {
    const verdict = policy.checkAddress(address, host);
    if (verdict.allowed) permitted.push(address);
    else if (!rules.includes(verdict.rule)) rules.push(verdict.rule);
  }
  if (permitted.length > 0) return { ok: true, addresses: permitted };
  // The reason names the rules, not the addresses: a client learns nothing of the converter's internal DNS.
  return { ok: false, code: TunnelReplyCode.NotAllowed, reason: `every address of ${host} is refused by the converter's policy (${rules.join(', ')})` };
}

/** Every address `lookup` gives for `host` (all: true), without duplicates, or its error. */
function lookupAll(host: string, lookup: LookupFunction, signal: AbortSignal): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      lookup(host, { all: true }, (error, address) => {
        signal.removeEventListener('abort', onAbort);
        if (error !== null && error !== undefined) return reject(error);
        const list: string[] = typeof address === 'string' ? [address] : (address as LookupAddress[]).map((a) => a.address);
        resolve([...new Set(list.filter((a) => typeof a === 'string' && isIP(a) !== 0))]);
      });
    } catch (error) {
      signal.removeEventListener('abort', onAbort);
      reject(error);
    }
  });
}
