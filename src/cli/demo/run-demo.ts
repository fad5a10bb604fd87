/**
 * Runs the demo: a server and a client in this process, on UDP sockets
 * between distinct loopback addresses, one path per client address.
 */
import { defaultProvider } from '../../crypto/default-provider.js';
import { MPT_NOISE_PROTOCOLS } from '../../crypto/mpt-suite.js';
import { generateKeyPair } from '../../crypto/x25519.js';
import { DemoClient, type PathProgress } from './demo-client.js';
import { DemoServer, type ServerStats } from './demo-server.js';

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** Stream bytes to send. */
  readonly bytes: number;
  /** Number of paths (client addresses 127.0.0.1, 127.0.0.2, ...). */
  readonly paths: number;
  /** Called about every `progressIntervalMs` while data flows. */
  readonly onProgress?: (paths: readonly PathProgress[], bytesDelivered: number) => void;
  /** Interval of `onProgress` calls in ms. Default 200. */
  readonly progressIntervalMs?: number;
  /** Give up after this long, in ms. Default 120 000. */
  readonly timeoutMs?: number;
}

/** What the demo measured. */
export interface DemoSummary {
  /** The Noise protocol of the handshake. */
  readonly protocol: string;
  /** The negotiated packet-protection AEAD. */
  readonly aead: string;
  /** The crypto provider that sealed and opened packets. */
  readonly provider: string;
  /** Whether the key the client learned in the handshake is the server's static key. */
  readonly serverKeyVerified: boolean;
  /** Handshake time in ms, Initial sent to handshake confirmed. */
  readonly handshakeMs: number;
  /** Transfer time in ms, first DATA to last ACK. */
  readonly transferMs: number;
  /** Stream bytes sent. */
  readonly bytes: number;
  /** SHA-256 of what the client sent and of what the server delivered. */
  readonly sentSha256: string;
  readonly receivedSha256: string;
  /** Per-path figures at the end. */
  readonly paths: readonly PathProgress[];
  /** The server's counters, including the forged datagrams it dropped. */
  readonly server: ServerStats;
}

/** A deterministic, non-repeating-looking payload (xorshift32), so corruption cannot hide. */
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

/** Runs the whole demo and resolves with its summary. */
export async function runDemo(options: DemoOptions): Promise<DemoSummary> {
  const provider = defaultProvider();
  const serverKeys = generateKeyPair();
  const server = new DemoServer(serverKeys, provider, options.paths);
  const client = new DemoClient(provider, demoPayload(options.bytes));
  let progressTimer: NodeJS.Timeout | undefined;
  let timeout: NodeJS.Timeout | undefined;
  try {
    const port = await server.listen('127.0.0.1');
    await client.bind(Array.from({ length: options.paths }, (_, i) => `127.0.0.${i + 1}`));
    const timedOut = new Promise<never>((_, reject) => {
      timeout = setTimeout(() => reject(new Error('demo timed out')), options.timeoutMs ?? 120_000);
    });
    const facts = await Promise.race([client.connect('127.0.0.1', port), timedOut]);
    const onProgress = options.onProgress;
    if (onProgress !== undefined) {
      progressTimer = setInterval(() => onProgress(client.progress, server.stats.bytesDelivered), options.progressIntervalMs ?? 200);
    }
    const started = performance.now();
    const transfer = client.transfer();
    client.sendForgeries();
    const [receivedSha256] = await Promise.race([Promise.all([server.finished, transfer]), timedOut]);
    const transferMs = performance.now() - started;
    onProgress?.(client.progress, server.stats.bytesDelivered);
    return {
      protocol: MPT_NOISE_PROTOCOLS.xx,
      aead: facts.aead,
      provider: provider.name,
      serverKeyVerified: Buffer.from(facts.serverKey).equals(serverKeys.publicKey),
      handshakeMs: facts.handshakeMs,
      transferMs,
      bytes: options.bytes,
      sentSha256: client.sentDigest,
      receivedSha256,
      paths: client.progress.map((p) => ({ ...p })),
      server: server.stats,
    };
  } finally {
    clearInterval(progressTimer);
    clearTimeout(timeout);
    client.close();
    server.close();
  }
}
