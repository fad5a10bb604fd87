import type { ConverterTunnelEvent } from '../proxy/converter-session.js';
import { tunnelReplyName } from '../proxy/converter-protocol.js';
import { formatDestination } from '../proxy/destination.js';
import { describeError, oneLine } from './args.js';
import { formatPublicKey } from './key-files.js';
import { formatBytes } from './units.js';

/**
 * The line `mpt serve --mode converter` prints per tunnel, from the converter's 'tunnel' event:
 * `mpt-pub:AbCdEfGh... example.com:443: succeeded (0), 1.2 KiB to it, 3.4 MiB back`.
 * @module
 */

/** A client key in short form: `mpt-pub:` and its first 8 characters (enough to tell keys apart in a log). */
export function shortPublicKey(key: Uint8Array): string {
  return `${formatPublicKey(key).slice(0, 'mpt-pub:'.length + 8)}...`;
}

/** The line for one tunnel. */
export function converterTunnelLine(event: ConverterTunnelEvent): string {
  const who = event.clientKey === undefined ? 'psk client' : shortPublicKey(event.clientKey);
  const where = event.host === undefined || event.port === undefined ? 'no request' : formatDestination({ host: event.host, port: event.port });
  const reply = event.replyCode === undefined ? 'no reply (the client left)' : `${tunnelReplyName(event.replyCode)} (${event.replyCode})`;
  const bytes = `${formatBytes(event.bytesToDestination)} to it, ${formatBytes(event.bytesFromDestination)} back`;
  const why = event.reason === '' ? '' : `: ${oneLine(event.reason)}`;
  const error = event.error === undefined ? '' : `, ended by ${describeError(event.error)}`;
  return `${who} ${where}: ${reply}${why}, ${bytes}${error}`;
}
