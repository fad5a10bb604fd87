import { formatAddress, type SocketAddress } from '../core/socket-address.js';
import type { DropCause } from './stats.js';

/**
 * Optional event tracing. With no trace hook set the simulator builds no
 * records at all, so tracing costs nothing when off.
 * @module
 */

/** What happened: a datagram emitted, delivered or dropped; a timer fired; an action ran. */
export type TraceType = 'send' | 'deliver' | 'drop' | 'timeout' | 'action';

/** One traced event. Fields that do not apply to a type are undefined. */
export interface TraceRecord {
  /** Virtual time, ms. */
  readonly timeMs: number;
  /** What happened. */
  readonly type: TraceType;
  /** The datagram's send sequence number (duplicates share it). */
  readonly datagramId: number | undefined;
  /** The datagram's length, bytes. */
  readonly length: number | undefined;
  /** Source address as the network sees it (after NAT). */
  readonly from: SocketAddress | undefined;
  /** Destination address. */
  readonly to: SocketAddress | undefined;
  /** The endpoint that sent, received or timed out. */
  readonly endpoint: string | undefined;
  /** The link that dropped the datagram. */
  readonly link: string | undefined;
  /** Why a datagram was dropped. */
  readonly cause: DropCause | undefined;
  /** The action's label. */
  readonly label: string | undefined;
}

/** A receiver of trace records, e.g. `(r) => lines.push(formatTrace(r))`. */
export type TraceSink = (record: TraceRecord) => void;

/** One line per record, stable across runs: good for logs and for hashing a whole run. */
export function formatTrace(record: TraceRecord): string {
  const parts: string[] = [record.timeMs.toFixed(6), record.type];
  if (record.datagramId !== undefined) parts.push(`#${record.datagramId}`);
  if (record.length !== undefined) parts.push(`${record.length}B`);
  if (record.from !== undefined) parts.push(formatAddress(record.from));
  if (record.to !== undefined) parts.push(`-> ${formatAddress(record.to)}`);
  if (record.endpoint !== undefined) parts.push(`ep=${record.endpoint}`);
  if (record.link !== undefined) parts.push(`link=${record.link}`);
  if (record.cause !== undefined) parts.push(`cause=${record.cause}`);
  if (record.label !== undefined) parts.push(`"${record.label}"`);
  return parts.join(' ');
}
