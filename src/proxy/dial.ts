import { connect, type Socket } from 'node:net';
import { TunnelReplyCode } from './converter-protocol.js';

/**
 * The converter's TCP side: opening the connection to a checked destination address, and the reply
 * code each way of failing maps to (docs/proxy.md, "Converter protocol").
 * @module
 */

/** The outcome of {@link dialDestination}. */
export type DialOutcome =
  /** Connected: the socket (half-open allowed) and the address it went to. */
  | { readonly ok: true; readonly socket: Socket; readonly address: string }
  /** Failed: the reply code and reason of the last address tried; `address` it, if any was. */
  | { readonly ok: false; readonly code: number; readonly reason: string; readonly address: string | undefined };

/**
 * The reply code for a failed TCP connect: ECONNREFUSED 5, ENETUNREACH 3, EHOSTUNREACH 4,
 * ENOTFOUND / EAI_AGAIN 4, a timeout (ETIMEDOUT) 6, anything else 1.
 */
export function replyCodeForError(error: unknown): number {
  switch ((error as NodeJS.ErrnoException | undefined)?.code) {
    case 'ECONNREFUSED':
      return TunnelReplyCode.ConnectionRefused;
    case 'ENETUNREACH':
    case 'ENETDOWN':
      return TunnelReplyCode.NetworkUnreachable;
    case 'EHOSTUNREACH':
    case 'EHOSTDOWN':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return TunnelReplyCode.HostUnreachable;
    case 'ETIMEDOUT':
      return TunnelReplyCode.TtlExpired;
    default:
      return TunnelReplyCode.GeneralFailure;
  }
}

/**
 * Opens TCP to `port` on each of `addresses` in turn (IP literals: nothing is resolved again) until one
 * connects, all within `deadlineMs` (a timestamp of `performance.now()`): past it, the attempt under
 * way is dropped and the outcome is a timeout (reply 6). Resolves to undefined when `signal` aborts
 * (the client went away): the attempt under way is dropped.
 */
export async function dialDestination(addresses: readonly string[], port: number, deadlineMs: number, signal: AbortSignal): Promise<DialOutcome | undefined> {
  let last: DialOutcome = { ok: false, code: TunnelReplyCode.GeneralFailure, reason: 'no address to connect to', address: undefined };
  for (const address of addresses) {
    if (signal.aborted) return undefined;
    const remaining = deadlineMs - performance.now();
    if (remaining <= 0) return timedOut(address, port);
    const outcome = await dialOne(address, port, remaining, signal);
    if (outcome === undefined || outcome.ok) return outcome;
    last = outcome;
    if (outcome.code === TunnelReplyCode.TtlExpired) return outcome;
  }
  return last;
}

function timedOut(address: string, port: number): DialOutcome {
  return { ok: false, code: TunnelReplyCode.TtlExpired, reason: `connecting to ${hostPort(address, port)} timed out`, address };
}

function dialOne(address: string, port: number, timeoutMs: number, signal: AbortSignal): Promise<DialOutcome | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port, allowHalfOpen: true });
    const finish = (outcome: DialOutcome | undefined): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      socket.removeListener('connect', onConnect);
      socket.removeListener('error', onError);
      if (outcome === undefined || !outcome.ok) {
        // A late error of the dropped attempt must not go unhandled.
        socket.on('error', () => {});
        socket.destroy();
      }
      resolve(outcome);
    };
    const onConnect = (): void => finish({ ok: true, socket, address });
    const onError = (error: NodeJS.ErrnoException): void =>
      finish({ ok: false, code: replyCodeForError(error), reason: `connecting to ${hostPort(address, port)}: ${error.code ?? error.message}`, address });
    const onAbort = (): void => finish(undefined);
    const timer = setTimeout(() => finish(timedOut(address, port)), timeoutMs);
    socket.once('connect', onConnect);
    socket.once('error', onError);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** `address:port`, with brackets around an IPv6 address. */
export function hostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
