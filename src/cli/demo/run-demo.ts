/**
 * The demo: an mpt server and client in this process on loopback UDP, one
 * stream from client to server with live per-path progress, checked end to
 * end with SHA-256. It uses only the public API (`connect`, `createServer`).
 */
import { createHash } from 'node:crypto';
import { connect, createServer, type MptPathInfo, type MptSocket } from '../../index.js';

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** Stream bytes to send. */
  readonly bytes: number;
  /** Called about every `progressIntervalMs` while data flows. */
  readonly onProgress?: (paths: readonly MptPathInfo[], bytesDelivered: number) => void;
  /** Interval of `onProgress` calls in ms. Default 200. */
  readonly progressIntervalMs?: number;
}

/** What the demo measured. */
export interface DemoSummary {
  /** Whether the key the client learned in the handshake (Noise XX) is the server's static key. */
  readonly serverKeyVerified: boolean;
  /** ms from connect() to 'connect'. */
  readonly handshakeMs: number;
  /** ms from the first write to the server's 'end'. */
  readonly transferMs: number;
  /** Stream bytes sent. */
  readonly bytes: number;
  /** SHA-256 of what the client sent and of what the server received. */
  readonly sentSha256: string;
  readonly receivedSha256: string;
  /** The client's paths at the end. */
  readonly paths: readonly MptPathInfo[];
}

/** A deterministic payload (xorshift32), so corruption cannot hide. */
export function demoPayload(bytes: number, seed = 0x6d707401): Uint8Array {
  const out = new Uint8Array(bytes);
  const words = new Uint32Array(out.buffer, 0, bytes >>> 2);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
  for (let i = words.length * 4; i < bytes; i++) out[i] = i & 0xff;
  return out;
}

async function writeAll(socket: MptSocket, data: Uint8Array): Promise<void> {
  const chunk = 256 * 1024;
  for (let at = 0; at < data.length; at += chunk) {
    if (!socket.write(data.subarray(at, at + chunk))) await new Promise<void>((resolve) => socket.once('drain', () => resolve()));
  }
  socket.end();
}

/** Runs the demo and resolves with its summary. */
export async function runDemo(options: DemoOptions): Promise<DemoSummary> {
  const data = demoPayload(options.bytes);
  let delivered = 0;
  const server = createServer();
  const received = new Promise<string>((resolve, reject) => {
    const hash = createHash('sha256');
    server.on('connection', (socket) => {
      socket.on('data', (b: Buffer) => {
        hash.update(b);
        delivered += b.length;
      });
      socket.on('end', () => resolve(hash.digest('hex')));
      socket.on('error', reject);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = server.address()?.port ?? 0;
  const started = performance.now();
  const client = connect({ host: '127.0.0.1', port });
  let progress: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    const handshakeMs = performance.now() - started;
    const onProgress = options.onProgress;
    if (onProgress !== undefined) progress = setInterval(() => onProgress(client.paths, delivered), options.progressIntervalMs ?? 200);
    const transferStart = performance.now();
    await writeAll(client, data);
    const receivedSha256 = await received;
    const transferMs = performance.now() - transferStart;
    onProgress?.(client.paths, delivered);
    return {
      serverKeyVerified: client.remotePublicKey !== undefined && Buffer.from(client.remotePublicKey).equals(server.publicKey),
      handshakeMs,
      transferMs,
      bytes: data.length,
      sentSha256: createHash('sha256').update(data).digest('hex'),
      receivedSha256,
      paths: client.paths,
    };
  } finally {
    clearInterval(progress);
    client.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
