/**
 * Whether one soak connection went as its plan says: every byte received matched the pattern; after a
 * close that cuts nothing, both directions arrived whole; after one that cuts, what arrived is a prefix
 * of what was sent; each end's 'error' events are those its close kind gives (see EXPECTED_ERRORS).
 * @module
 */
import { ABORT_MESSAGE, type ConnectionRecord } from './connection-run.js';
import { WHOLE, type CloseKind } from './plan.js';

/**
 * The 'error' codes each end may see, by close kind, as node:net's: a graceful close gives none; the
 * idle timeout ETIMEDOUT (on both ends: their timers run out at about the same time, the one that runs
 * out first closes without a word); destroy(error) its error on the destroying end only; an aborted
 * signal ABORT_ERR on the aborting end; resetAndDestroy() ECONNRESET on the peer; destroy(), with or
 * without an error, or an aborted signal, is a clean close for the peer when nothing was left unread and
 * ECONNRESET when something was (TCP's RST for unread data, docs/node-compat.md), which a cut mid-transfer
 * may or may not leave; a vanished client ETIMEDOUT on the server. `required` ones must have come.
 */
export const EXPECTED_ERRORS: Readonly<Record<CloseKind, { readonly client: readonly string[]; readonly server: readonly string[]; readonly clientRequired?: string; readonly serverRequired?: string }>> = {
  end: { client: [], server: [] },
  endServerFirst: { client: [], server: [] },
  halfClose: { client: [], server: [] },
  idleTimeout: { client: ['ETIMEDOUT'], server: ['ETIMEDOUT'] },
  socketTimeout: { client: [], server: [] },
  destroy: { client: [], server: ['ECONNRESET'] },
  destroyError: { client: [ABORT_MESSAGE], server: ['ECONNRESET'], clientRequired: ABORT_MESSAGE },
  reset: { client: [], server: ['ECONNRESET'] },
  abort: { client: ['ABORT_ERR'], server: ['ECONNRESET'], clientRequired: 'ABORT_ERR' },
  serverDestroy: { client: ['ECONNRESET'], server: [] },
  serverReset: { client: ['ECONNRESET'], server: [] },
  connectAbort: { client: [], server: [] },
  vanish: { client: [], server: ['ETIMEDOUT'] },
};

/**
 * The errors a server socket that closed before it read a header may see: ECONNRESET when its client
 * was destroyed just after the handshake (its CLOSE came before the header), ETIMEDOUT when the client
 * was destroyed before its handshake completed (it has no keys to send a CLOSE with: the server's end
 * learns by its idle timeout, as a TCP server of a client that vanished after its SYN) or vanished
 * before its header got through.
 */
export const HEADLESS_ERRORS: readonly string[] = ['ECONNRESET', 'ETIMEDOUT'];

/** What is wrong with a finished connection (empty if nothing). */
export function judgeConnection(record: ConnectionRecord): string[] {
  const { plan } = record;
  const problems: string[] = [];
  const name = `connection ${plan.id} (${plan.paths}, ${plan.close}, up ${plan.up} B, down ${plan.down} B)`;
  if (record.upMismatched > 0) problems.push(`${name}: ${record.upMismatched} B received by the server differ from what the client sent`);
  if (record.downMismatched > 0) problems.push(`${name}: ${record.downMismatched} B received by the client differ from what the server sent`);
  if (record.upReceived > record.upSent) problems.push(`${name}: the server received ${record.upReceived} B of ${record.upSent} B sent`);
  if (record.downReceived > record.downSent) problems.push(`${name}: the client received ${record.downReceived} B of ${record.downSent} B sent`);
  if (WHOLE.has(plan.close) && (record.upReceived !== plan.up || record.downReceived !== plan.down)) {
    problems.push(`${name}: up ${record.upReceived} of ${plan.up} B arrived, down ${record.downReceived} of ${plan.down} B`);
  }
  if (WHOLE.has(plan.close) && !record.serverSeen) problems.push(`${name}: the server never saw it`);
  if (!record.clientClosed) problems.push(`${name}: the client socket never closed`);
  if (record.serverSeen && !record.serverClosed) problems.push(`${name}: the server socket never closed`);
  const expected = EXPECTED_ERRORS[plan.close];
  const odd = (errors: readonly string[], allowed: readonly string[]): string[] => errors.filter((e) => !allowed.includes(e));
  const clientOdd = odd(record.clientErrors, expected.client);
  const serverOdd = odd(record.serverErrors, expected.server);
  const detail = ` (${record.errorMessages.join('; ')}; paths beyond the first: ${record.pathsUp} up, ${record.pathsDown} down, ${record.pathsClosed} closed)`;
  if (clientOdd.length > 0) problems.push(`${name}: unexpected client errors ${clientOdd.join(', ')}${detail}`);
  if (serverOdd.length > 0) problems.push(`${name}: unexpected server errors ${serverOdd.join(', ')}${detail}`);
  if (expected.clientRequired !== undefined && !record.clientErrors.includes(expected.clientRequired)) problems.push(`${name}: the client had no ${expected.clientRequired} error`);
  if (expected.serverRequired !== undefined && record.serverSeen && !record.serverErrors.includes(expected.serverRequired)) problems.push(`${name}: the server had no ${expected.serverRequired} error`);
  return problems;
}
