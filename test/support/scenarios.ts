// Scenario building blocks for the engine's simulator tests: a bulk
// transfer with its integrity check, a goodput run, and a tap that records
// the datagrams an endpoint receives (to replay or forge them).
import { createHash } from 'node:crypto';
import type { DatagramEndpoint, Transmit } from '../../src/core/datagram-endpoint.js';
import type { SocketAddress } from '../../src/core/socket-address.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import type { LinkOptions } from '../../src/sim/link-options.js';
import { enginePair, payload, sha256, type PairOptions } from './engine-pair.js';
import { nullProvider } from './null-provider.js';

/** 20 Mbit/s, 20 ms RTT, 64 KiB queue: the integrity sweeps' link. */
export const SWEEP_RATE_BPS = 20e6;
export const SWEEP_ONE_WAY_MS = 10;

/** The sweep link at `lossRate`, with 2% reordering (by 5 ms) and 1% duplication, in both directions. */
export function sweepLink(lossRate: number): LinkOptions {
  return { delayMs: SWEEP_ONE_WAY_MS, rateBps: SWEEP_RATE_BPS, queueBytes: 64 * 1024, lossRate, reorderRate: 0.02, reorderDelayMs: 5, duplicateRate: 0.01 };
}

/** Stream bytes per full-size packet, roughly: 1452-byte datagrams less header, tag and frame overhead. */
const SEGMENT_BYTES = 1400;

/**
 * The Mathis et al. estimate of a loss-based flow's rate, bits/s:
 * MSS / RTT * sqrt(3/2) / sqrt(p). CUBIC's Reno-friendly region gives the
 * same figure at short RTTs (RFC 9438 §4.3).
 */
export function mathisBps(lossRate: number, rttMs: number, segmentBytes = SEGMENT_BYTES): number {
  return ((segmentBytes * 8) / (rttMs / 1000)) * Math.sqrt(1.5 / lossRate);
}

/**
 * CUBIC's average window from its response function (RFC 9438 §5.1, RFC 8312 §5.1):
 * 1.054 * RTT^0.75 / p^0.75 segments (C = 0.4, β = 0.7), as bits/s.
 */
export function cubicResponseBps(lossRate: number, rttMs: number, segmentBytes = SEGMENT_BYTES): number {
  const rttS = rttMs / 1000;
  const windowSegments = 1.054 * rttS ** 0.75 / lossRate ** 0.75;
  return (windowSegments * segmentBytes * 8) / rttS;
}

/**
 * A generous virtual-time bound for moving `bytes` over the sweep link at
 * `lossRate`: three times the time at the rate a loss-based controller
 * sustains (the link rate, or the Mathis rate when lower), plus 5 s for the
 * handshake (three lost Initials in a row back off 0.67 + 1.3 + 2.7 s).
 */
export function sweepBoundMs(bytes: number, lossRate: number): number {
  const rttMs = 2 * SWEEP_ONE_WAY_MS;
  const rate = lossRate > 0 ? Math.min(SWEEP_RATE_BPS, mathisBps(lossRate, rttMs)) : SWEEP_RATE_BPS;
  return 3 * ((bytes * 8) / rate) * 1000 + 5_000;
}

export interface TransferResult {
  /** Virtual ms from connect() until the receiver read the FIN. */
  readonly ms: number;
  /** Whether the receiver's bytes hash to the sender's. */
  readonly intact: boolean;
  readonly pair: ReturnType<typeof enginePair>;
}

/** Client writes `bytes` and FIN; runs until the server has read everything (or the time limit throws). */
export function transfer(options: PairOptions & { bytes: number; limitMs: number; provider?: CryptoProvider | undefined }): TransferResult {
  const provider = options.provider;
  const pair = enginePair({
    ...options,
    client: { ...(provider ? { provider } : {}), ...options.client },
    server: { ...(provider ? { provider } : {}), ...options.server },
  });
  const data = payload(options.bytes, options.seed ?? 1);
  pair.connection.write(data);
  pair.connection.shutdown();
  const ms = pair.runUntil(() => pair.serverSink?.finished === true, options.limitMs);
  return { ms, intact: sha256(pair.serverSink!.data()) === sha256(data), pair };
}

export interface GoodputResult {
  /** Stream bytes read by the server per second of virtual time after the handshake, bits/s. */
  readonly goodputBps: number;
  readonly pair: ReturnType<typeof enginePair>;
}

/**
 * A bulk flow client -> server for `durationMs` of virtual time after the
 * handshake, the sender kept busy (its buffer topped up to 16 MiB). The
 * server hashes as it reads instead of keeping the bytes.
 */
export function bulkGoodput(options: PairOptions & { durationMs: number; provider?: CryptoProvider | undefined }): GoodputResult {
  const provider = options.provider ?? nullProvider;
  const pair = enginePair({ ...options, client: { provider, ...options.client }, server: { provider, ...options.server } });
  pair.runUntil(() => pair.serverSink !== undefined && pair.clientSink.connected, 10_000);
  return { goodputBps: runBulk(pair, options.durationMs), pair };
}

/**
 * Keeps the client of an established pair busy for `durationMs` of virtual
 * time (its buffer topped up to 16 MiB); the server counts what it reads
 * without keeping it. Returns the goodput in bits/s: stream bytes the
 * server's application read over the time.
 */
export function runBulk(pair: ReturnType<typeof enginePair>, durationMs: number): number {
  const chunk = payload(1 << 20);
  const c = pair.connection;
  const sink = pair.serverSink!;
  sink.keep = false;
  const startMs = pair.sim.nowMs;
  const startBytes = sink.bytes;
  const fill = (): void => {
    while (c.bufferedBytes < 16 << 20) c.write(chunk);
  };
  fill();
  pair.runUntil(() => {
    fill();
    return pair.sim.nowMs - startMs >= durationMs;
  }, durationMs + 10_000);
  return ((sink.bytes - startBytes) * 8) / ((pair.sim.nowMs - startMs) / 1000);
}

/**
 * A wrapper that records copies of the datagrams an endpoint receives for
 * which `keep` holds, and swallows those for which `drop` holds (a loss
 * aimed at one packet).
 */
export class TapEndpoint implements DatagramEndpoint {
  readonly received: Uint8Array[] = [];
  constructor(
    readonly inner: DatagramEndpoint,
    private readonly keep: (bytes: Uint8Array) => boolean,
    private readonly drop: (bytes: Uint8Array) => boolean = () => false,
  ) {}

  handleDatagram(nowMs: number, local: SocketAddress, remote: SocketAddress, bytes: Uint8Array): void {
    if (this.keep(bytes)) this.received.push(bytes.slice());
    if (this.drop(bytes)) return;
    this.inner.handleDatagram(nowMs, local, remote, bytes);
  }
  handleTimeout(nowMs: number): void {
    this.inner.handleTimeout(nowMs);
  }
  pollTransmit(nowMs: number, out: Uint8Array): Transmit | undefined {
    return this.inner.pollTransmit(nowMs, out);
  }
  nextTimeout(): number | undefined {
    return this.inner.nextTimeout();
  }
}

/** Whether a datagram starts with a long-header Handshake packet (type 2). */
export function isHandshakePacket(bytes: Uint8Array): boolean {
  return ((bytes[0] ?? 0) & 0xb0) === 0xa0;
}

/** A predicate true for the first `n` datagrams it is asked about that satisfy `match`. */
export function firstN(n: number, match: (bytes: Uint8Array) => boolean): (bytes: Uint8Array) => boolean {
  let left = n;
  return (bytes) => {
    if (left > 0 && match(bytes)) {
      left--;
      return true;
    }
    return false;
  };
}

export function sha256Of(chunks: readonly Uint8Array[]): string {
  const h = createHash('sha256');
  for (const c of chunks) h.update(c);
  return h.digest('hex');
}
