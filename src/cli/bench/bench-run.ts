/**
 * One bench run over mpt: connect, send as fast as the connection takes it for the given time, end the
 * stream and wait until the receiver has all of it, sampling the paths every second throughout.
 *
 * The run's clock starts at the first write and stops when the receiver had the whole stream: the
 * intervals cover that span (the last one shorter), so the bytes still buffered when the time is up
 * are counted in the interval they were sent in, and goodput is what was delivered over that span.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { connect, type MptConnectOptions, type MptSocket } from '../../index.js';
import { BenchSampler, mbps, type BenchInterval, type PathTotals } from './bench-sampler.js';
import type { Delivery } from './delivery.js';

/** Bytes per write(). */
const CHUNK_BYTES = 64 * 1024;
/** Writes accepted in a row after which the send loop lets the event loop turn. */
const YIELD_EVERY_WRITES = 16;
/** Interval length, ms. */
const INTERVAL_MS = 1000;
/** The least time the run waits for the receiver to have everything once sending stopped, ms. */
export const DRAIN_GRACE_MS = 10_000;
/** The most time it waits, ms. */
const DRAIN_MAX_MS = 600_000;
/** How long a finished run lets the connection close cleanly before aborting it, ms. */
const CLOSE_WAIT_MS = 2000;

/** Options of {@link runBench}. */
export interface BenchRunOptions {
  /** How to connect (server, paths, key). */
  readonly connect: MptConnectOptions;
  /** How long to send, seconds. */
  readonly seconds: number;
  /**
   * The receiver, when the bench can see it (local mode). Without it the run takes the server's end of
   * stream, which a sink sends once it has read ours, as the sign that everything was delivered.
   */
  readonly delivery?: Delivery | undefined;
  /** Called when the handshake completed. */
  readonly onConnected?: ((socket: MptSocket, handshakeMs: number) => void) | undefined;
  /** Called once sending stopped (time up or Ctrl-C), with the seconds since the first write. */
  readonly onSendingStopped?: ((sendS: number) => void) | undefined;
  /** Called with each interval as it closes. */
  readonly onInterval?: ((interval: BenchInterval) => void) | undefined;
  /** Aborting it stops sending early (the first Ctrl-C); the run still waits for delivery. */
  readonly stop: AbortSignal;
  /** Aborting it stops waiting for delivery (the second Ctrl-C). */
  readonly abandon: AbortSignal;
}

/** How the wait for delivery ended. */
export type BenchOutcome = 'complete' | 'abandoned' | 'timeout';

/** What a run measured. */
export interface BenchRunResult {
  /** From connect() to 'connect', ms. */
  readonly handshakeMs: number;
  /** The key the server presented. */
  readonly serverKey: Uint8Array | undefined;
  /** How long the client sent, seconds. */
  readonly sendS: number;
  /** From the first write to the receiver having everything (or to giving up), seconds. */
  readonly durationS: number;
  /** The intervals, in order. */
  readonly intervals: readonly BenchInterval[];
  /** Each path over the run. */
  readonly paths: readonly PathTotals[];
  /** Stream bytes first sent, all paths (the sum of the paths' bytes). */
  readonly totalBytes: number;
  /** Stream bytes the receiver got in order; null when the bench cannot know (remote mode, incomplete). */
  readonly deliveredBytes: number | null;
  /** `deliveredBytes` over `durationS`, Mbit/s; null with it. */
  readonly goodputMbps: number | null;
  /** Whether the receiver got everything, or the wait was abandoned or timed out. */
  readonly outcome: BenchOutcome;
  /** Stream bytes written and not known to be delivered when the wait ended (0 when complete). */
  readonly undeliveredBytes: number | null;
  /** How long the wait for delivery could last, ms. */
  readonly drainLimitMs: number;
  /** Whether sending stopped early (Ctrl-C). */
  readonly interrupted: boolean;
}

/** A promise that resolves when `signal` aborts (at once if it has). */
function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/** Resolves after `ms`; `cancel` stops the timer. */
function delay(ms: number): { promise: Promise<void>; cancel: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return { promise, cancel: () => clearTimeout(timer) };
}

/** Writes `chunk` again and again, waiting for 'drain' when the socket asks, until `signal` aborts or the socket closes. */
async function sendUntil(socket: MptSocket, chunk: Uint8Array, signal: AbortSignal): Promise<void> {
  let accepted = 0;
  while (!signal.aborted && !socket.destroyed) {
    if (socket.write(chunk)) {
      // A socket that keeps taking data without asking to wait must not starve the timers.
      if (++accepted % YIELD_EVERY_WRITES === 0) await new Promise((resolve) => setImmediate(resolve));
      continue;
    }
    await new Promise<void>((resolve) => {
      const done = (): void => {
        socket.off('drain', done);
        socket.off('close', done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      socket.on('drain', done);
      socket.on('close', done);
      signal.addEventListener('abort', done);
    });
  }
}

/**
 * How long to wait for the receiver: {@link DRAIN_GRACE_MS}, plus twice the time the rate measured so
 * far needs for the bytes not yet sent (mpt buffers up to `sendBufferBytes`, 4 MiB by default).
 */
function drainLimitMs(unsentBytes: number, sentBytes: number, sendMs: number): number {
  const bytesPerMs = sendMs > 0 ? sentBytes / sendMs : 0;
  const needMs = bytesPerMs > 0 ? unsentBytes / bytesPerMs : DRAIN_MAX_MS;
  return Math.min(DRAIN_MAX_MS, DRAIN_GRACE_MS + 2 * needMs);
}

/**
 * Runs the bench; resolves with what it measured, or undefined when `stop` aborted before the
 * handshake completed. Rejects with the socket's error (an MptError) when the connection fails.
 */
export async function runBench(options: BenchRunOptions): Promise<BenchRunResult | undefined> {
  const connectStarted = performance.now();
  const socket = connect(options.connect);
  const failure = new Promise<never>((_resolve, reject) => socket.on('error', reject));
  failure.catch(() => undefined);
  let peerEndedAt: number | undefined;
  const peerEnded = new Promise<number>((resolve) =>
    socket.once('end', () => {
      peerEndedAt = performance.now();
      resolve(peerEndedAt);
    }),
  );
  // Whatever the server sends is read and dropped: the bench needs to see its end of stream.
  socket.resume();
  const delivery: Delivery = options.delivery ?? {
    deliveredBytes: () => (peerEndedAt === undefined ? undefined : socket.bytesWritten),
    complete: peerEnded,
  };
  const timers: (() => void)[] = [];
  let outcome = 'abandoned' as BenchOutcome;
  try {
    const connected = new Promise<boolean>((resolve) => socket.once('connect', () => resolve(true)));
    if (!(await Promise.race([connected, failure, aborted(options.stop).then(() => false)]))) return undefined;
    const handshakeMs = performance.now() - connectStarted;
    options.onConnected?.(socket, handshakeMs);

    const chunk = randomBytes(CHUNK_BYTES);
    const startMs = performance.now();
    const sampler = new BenchSampler(startMs);
    const intervals: BenchInterval[] = [];
    let tickTimer: NodeJS.Timeout | undefined;
    let ticks = 0;
    const tick = (): void => {
      const interval = sampler.sample(socket.paths, performance.now());
      intervals.push(interval);
      options.onInterval?.(interval);
      ticks++;
      tickTimer = setTimeout(tick, Math.max(0, startMs + (ticks + 1) * INTERVAL_MS - performance.now()));
    };
    tickTimer = setTimeout(tick, INTERVAL_MS);
    timers.push(() => clearTimeout(tickTimer));

    const stopSending = new AbortController();
    const timeUp = delay(options.seconds * 1000);
    timers.push(timeUp.cancel);
    void timeUp.promise.then(() => stopSending.abort());
    void aborted(options.stop).then(() => stopSending.abort());
    await Promise.race([sendUntil(socket, chunk, stopSending.signal), failure]);
    const sentAt = performance.now();
    const interrupted = options.stop.aborted && sentAt - startMs < options.seconds * 1000;
    options.onSendingStopped?.((sentAt - startMs) / 1000);

    const firstSent = (): number => socket.paths.reduce((sum, p) => sum + p.streamBytesSent, 0);
    const limitMs = drainLimitMs(Math.max(0, socket.bytesWritten - firstSent()), firstSent(), sentAt - startMs);
    socket.end();
    const drainTimeout = delay(limitMs);
    timers.push(drainTimeout.cancel);
    const endedAt = await Promise.race([
      delivery.complete.then((at) => {
        outcome = 'complete';
        return at;
      }),
      aborted(options.abandon).then(() => {
        outcome = 'abandoned';
        return performance.now();
      }),
      drainTimeout.promise.then(() => {
        outcome = 'timeout';
        return performance.now();
      }),
      failure,
    ]);
    for (const clear of timers) clear();
    const last = sampler.sample(socket.paths, Math.max(endedAt, sampler.lastSampleMs));
    if (last.endS > last.startS || last.bytes > 0) {
      intervals.push(last);
      options.onInterval?.(last);
    }
    const paths = sampler.totals();
    const totalBytes = paths.reduce((sum, p) => sum + p.bytes, 0);
    const durationMs = sampler.lastSampleMs - startMs;
    const deliveredBytes = delivery.deliveredBytes() ?? null;
    return {
      handshakeMs,
      serverKey: socket.remotePublicKey,
      sendS: (sentAt - startMs) / 1000,
      durationS: durationMs / 1000,
      intervals,
      paths,
      totalBytes,
      deliveredBytes,
      goodputMbps: deliveredBytes === null ? null : mbps(deliveredBytes, durationMs),
      outcome,
      undeliveredBytes: deliveredBytes === null ? null : Math.max(0, socket.bytesWritten - deliveredBytes),
      drainLimitMs: limitMs,
      interrupted,
    };
  } finally {
    for (const clear of timers) clear();
    await closeSocket(socket, outcome === 'complete');
  }
}

/**
 * Lets a finished connection close cleanly (both ends ended) for a moment, then aborts whatever is
 * left; a connection still being set up (Ctrl-C during the handshake) is dropped at once.
 */
async function closeSocket(socket: MptSocket, finished: boolean): Promise<void> {
  if (socket.connecting) {
    socket.destroy();
    return;
  }
  if (finished && !socket.destroyed) {
    const wait = delay(CLOSE_WAIT_MS);
    await Promise.race([new Promise((resolve) => socket.once('close', resolve)), wait.promise]);
    wait.cancel();
  }
  if (!socket.destroyed) socket.resetAndDestroy();
}
