import type { MptProxyTunnelEvent } from '../proxy/proxy-tunnel-event.js';
import { formatDestination } from '../proxy/destination.js';
import { describeError, oneLine } from './args.js';
import { formatHostPort } from './host-port.js';
import { formatBytes } from './units.js';

/**
 * The line `mpt proxy` prints per connection it accepted, from the proxy's 'tunnel' event:
 * `socks5 127.0.0.1:50312 -> example.com:443: tunneled, 1.2 KiB up, 3.4 MiB down`.
 * @module
 */

/** The line for one accepted connection, once it is over. */
export function proxyTunnelLine(event: MptProxyTunnelEvent): string {
  const protocol = event.protocol ?? 'nothing';
  const client = formatHostPort({ host: event.clientAddress, port: event.clientPort });
  const where = event.destination === undefined ? 'no request' : formatDestination(event.destination);
  const reply = event.replyCode !== undefined ? ` (reply ${event.replyCode})` : event.httpStatus !== undefined ? ` (HTTP ${event.httpStatus})` : '';
  const why = event.reason === undefined || event.reason === '' ? '' : `: ${oneLine(event.reason)}`;
  const error = event.error === undefined || why.includes(oneLine(event.error.message)) ? '' : `, ${describeError(event.error)}`;
  const bytes = `${formatBytes(event.bytesToDestination)} up, ${formatBytes(event.bytesFromDestination)} down`;
  return `${protocol} ${client} -> ${where}: ${event.outcome}${reply}${why}${error}, ${bytes}`;
}
