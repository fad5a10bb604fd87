import type { DatagramEndpoint, Transmit } from '../../src/core/datagram-endpoint.js';
import type { SocketAddress } from '../../src/core/socket-address.js';

/**
 * Tiny DatagramEndpoints for simulator tests. Every datagram they send
 * starts with a 4-byte sequence number and the 8-byte send time, so a
 * receiver can measure delay and order without any shared state.
 */

/** The smallest datagram the fakes build: sequence number + send time. */
export const HEADER_BYTES = 12;

/** Shorthand for a socket address. */
export function addr(host: string, port: number): SocketAddress {
  return { host, port };
}

// Scratch space for the send time, so the fakes stay cheap in the performance test.
const timeScratch = new Float64Array(1);
const timeBytes = new Uint8Array(timeScratch.buffer);

function writeHeader(out: Uint8Array, seq: number, sentAtMs: number): void {
  out[0] = seq >>> 24;
  out[1] = (seq >>> 16) & 0xff;
  out[2] = (seq >>> 8) & 0xff;
  out[3] = seq & 0xff;
  timeScratch[0] = sentAtMs;
  out.set(timeBytes, 4);
}

/** The sequence number of a fake's datagram. */
export function seqOf(bytes: Uint8Array): number {
  return ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
}

/** The send time of a fake's datagram, ms. */
export function sentAtOf(bytes: Uint8Array): number {
  timeBytes.set(bytes.subarray(4, 12));
  return timeScratch[0]!;
}

/** One datagram as a fake endpoint saw it arrive. */
export interface Arrival {
  readonly seq: number;
  readonly sentAtMs: number;
  readonly arrivalMs: number;
  readonly length: number;
  readonly local: SocketAddress;
  readonly remote: SocketAddress;
}

/** Options of {@link PacedSender}. */
export interface PacedSenderOptions {
  /** How many datagrams to send. */
  readonly count: number;
  /** Gap between datagrams, ms. */
  readonly intervalMs: number;
  /** Datagram size, bytes; or a function of the sequence number. Default 1200. */
  readonly sizeBytes?: number | ((seq: number) => number);
  /** When to send the first one, ms. Default 0. */
  readonly startMs?: number;
}

/**
 * Sends `count` datagrams at a fixed pace using its timer, like an
 * application-limited or paced sender, and records anything it receives
 * (echo replies).
 */
export class PacedSender implements DatagramEndpoint {
  sent = 0;
  readonly received: Arrival[] = [];
  remote: SocketAddress;
  private readonly options: Required<PacedSenderOptions>;

  constructor(
    readonly local: SocketAddress,
    remote: SocketAddress,
    options: PacedSenderOptions,
  ) {
    this.remote = remote;
    this.options = { sizeBytes: 1200, startMs: 0, ...options };
  }

  handleDatagram(nowMs: number, local: SocketAddress, remote: SocketAddress, bytes: Uint8Array): void {
    this.received.push({ seq: seqOf(bytes), sentAtMs: sentAtOf(bytes), arrivalMs: nowMs, length: bytes.length, local, remote });
  }

  handleTimeout(): void {
    // Sending happens in pollTransmit once the pace allows it.
  }

  pollTransmit(nowMs: number, out: Uint8Array): Transmit | undefined {
    const { count, sizeBytes } = this.options;
    if (this.sent >= count || nowMs < this.nextSendMs()) return undefined;
    const seq = this.sent++;
    writeHeader(out, seq, nowMs);
    const length = typeof sizeBytes === 'number' ? sizeBytes : sizeBytes(seq);
    return { local: this.local, remote: this.remote, length };
  }

  nextTimeout(): number | undefined {
    return this.sent < this.options.count ? this.nextSendMs() : undefined;
  }

  private nextSendMs(): number {
    return this.options.startMs + this.sent * this.options.intervalMs;
  }
}

/** Records every arrival; with `echo` it sends each datagram back to where it came from. */
export class Receiver implements DatagramEndpoint {
  readonly arrivals: Arrival[] = [];
  private readonly replies: { local: SocketAddress; remote: SocketAddress; bytes: Uint8Array }[] = [];

  constructor(private readonly echo = false) {}

  handleDatagram(nowMs: number, local: SocketAddress, remote: SocketAddress, bytes: Uint8Array): void {
    this.arrivals.push({ seq: seqOf(bytes), sentAtMs: sentAtOf(bytes), arrivalMs: nowMs, length: bytes.length, local, remote });
    if (this.echo) this.replies.push({ local, remote, bytes });
  }

  handleTimeout(): void {}

  pollTransmit(_nowMs: number, out: Uint8Array): Transmit | undefined {
    const reply = this.replies.shift();
    if (reply === undefined) return undefined;
    out.set(reply.bytes);
    return { local: reply.local, remote: reply.remote, length: reply.bytes.length };
  }

  nextTimeout(): number | undefined {
    return undefined;
  }

  /** Sequence numbers in arrival order. */
  seqs(): number[] {
    return this.arrivals.map((a) => a.seq);
  }
}

/** Counts arrivals without keeping them: for runs of hundreds of thousands of datagrams. */
export class CountingReceiver implements DatagramEndpoint {
  datagrams = 0;
  bytes = 0;
  lastArrivalMs = 0;
  lastSeq = -1;
  inOrder = true;

  handleDatagram(nowMs: number, _local: SocketAddress, _remote: SocketAddress, bytes: Uint8Array): void {
    const seq = seqOf(bytes);
    if (seq <= this.lastSeq) this.inOrder = false;
    this.lastSeq = seq;
    this.datagrams++;
    this.bytes += bytes.length;
    this.lastArrivalMs = nowMs;
  }

  handleTimeout(): void {}

  pollTransmit(): Transmit | undefined {
    return undefined;
  }

  nextTimeout(): number | undefined {
    return undefined;
  }
}
