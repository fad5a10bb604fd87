/**
 * The `--tcp` comparison: node:net over plain loopback, a sender and a discarding receiver in this
 * process, for as long as the mpt run sent. It does not cross the link emulators (they relay UDP), so
 * it shows what one TCP connection does on this machine's loopback, not on the emulated links.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { connect, createServer, type Socket } from 'node:net';
import { mbps } from './bench-sampler.js';

/** What the TCP run measured. */
export interface TcpRunResult {
  /** Bytes the receiver read. */
  readonly bytes: number;
  /** `bytes` over `durationS`, Mbit/s. */
  readonly mbps: number;
  /** From the first write to the receiver's end of stream (or to the abandon), seconds. */
  readonly durationS: number;
}

/** Bytes per write(). */
const CHUNK_BYTES = 64 * 1024;

/**
 * Sends over TCP on 127.0.0.1 for `seconds` (less if `stop` aborts), then ends and waits for the
 * receiver to have it all (less if `abandon` aborts). Rejects with the socket's error.
 */
export async function runTcpBench(seconds: number, stop: AbortSignal, abandon: AbortSignal): Promise<TcpRunResult> {
  let received = 0;
  const accepted: Socket[] = [];
  let markEnd: (atMs: number) => void = () => undefined;
  const ended = new Promise<number>((resolve) => {
    markEnd = resolve;
  });
  const server = createServer((socket) => {
    accepted.push(socket);
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
    });
    socket.on('end', () => {
      markEnd(performance.now());
      socket.end();
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const client = connect({ host: '127.0.0.1', port });
  const failure = new Promise<never>((_resolve, reject) => client.on('error', reject));
  failure.catch(() => undefined);
  const timers: NodeJS.Timeout[] = [];
  try {
    await Promise.race([new Promise((resolve) => client.once('connect', resolve)), failure]);
    const chunk = randomBytes(CHUNK_BYTES);
    const startMs = performance.now();
    let sending = !stop.aborted;
    const stopSending = (): void => {
      sending = false;
    };
    timers.push(setTimeout(stopSending, seconds * 1000));
    stop.addEventListener('abort', stopSending, { once: true });
    let accepted = 0;
    while (sending && !client.destroyed) {
      if (client.write(chunk)) {
        // A socket that keeps taking data without asking to wait must not starve the timers.
        if (++accepted % 16 === 0) await new Promise((resolve) => setImmediate(resolve));
        continue;
      }
      await Promise.race([
        new Promise<void>((resolve) => {
          const done = (): void => {
            client.off('drain', done);
            stop.removeEventListener('abort', done);
            clearTimeout(wake);
            resolve();
          };
          // Wakes the loop when the time is up while the socket is still full.
          const wake = setTimeout(done, Math.max(0, startMs + seconds * 1000 - performance.now()));
          client.on('drain', done);
          stop.addEventListener('abort', done, { once: true });
        }),
        failure,
      ]);
    }
    stop.removeEventListener('abort', stopSending);
    client.end();
    client.resume();
    const endMs = await Promise.race([
      ended,
      new Promise<number>((resolve) => {
        if (abandon.aborted) resolve(performance.now());
        abandon.addEventListener('abort', () => resolve(performance.now()), { once: true });
      }),
      failure,
    ]);
    const durationMs = endMs - startMs;
    return { bytes: received, mbps: mbps(received, durationMs), durationS: durationMs / 1000 };
  } finally {
    for (const timer of timers) clearTimeout(timer);
    client.destroy();
    for (const socket of accepted) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
