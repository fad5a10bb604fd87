/**
 * The demo: an mpt server and client in this process on loopback UDP, one
 * stream from client to server with live per-path progress, checked end to
 * end with SHA-256. Two userspace link emulators give two paths of different
 * character: path A (5 ms one way, 200 Mbit/s) from 127.0.0.1, which the
 * connection starts on, and path B (15 ms one way, 100 Mbit/s) from
 * 127.0.0.2, opened once connected by the default path manager, fullmesh
 * (`localAddresses`, `extraRemotes`,
 * `maxPaths: 2`). Once 60% of the stream has arrived, link A goes down and
 * the rest must come over path B. Where 127.0.0.2 cannot be bound it runs over path A alone
 * and says so. It uses the public API (`connect`, `createServer`) and the
 * link emulator.
 */
import { canBind } from '../can-bind.js';
import { createHash } from 'node:crypto';
import { connect, createServer, type MptPathInfo, type MptSocket } from '../../index.js';
import { createLinkEmulator, type LinkEmulator } from '../../node/link-emulator.js';

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
  /** The emulated links, in path order (A, then B when multipath ran). */
  readonly links: readonly DemoLink[];
  /** Why the demo ran over one path only; undefined when it ran over two. */
  readonly singlePathReason: string | undefined;
  /** Stream bytes delivered when link A went down (two paths only); the rest had to come over B. */
  readonly linkADownAtBytes: number | undefined;
}

/** One emulated link of the demo and what it carried. */
export interface DemoLink {
  /** 'A' or 'B'. */
  readonly name: string;
  /** One-way delay, ms. */
  readonly delayMs: number;
  /** Rate each way, bit/s. */
  readonly rateBps: number;
  /** Bytes the link delivered to the server (datagrams, headers included). */
  readonly bytesToServer: number;
}

const LINK_A = { name: 'A', delayMs: 5, rateBps: 200e6 } as const;
const LINK_B = { name: 'B', delayMs: 15, rateBps: 100e6 } as const;
/** The second local address of the demo's client. */
const SECOND_LOCAL = '127.0.0.2';


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
  // With two paths, link A dies once 60% of the stream is in: the rest must come over path B.
  let failLinkA: (() => void) | undefined;
  let linkADownAtBytes: number | undefined;
  const accepted: MptSocket[] = [];
  const server = createServer({ maxPaths: 2 });
  const received = new Promise<string>((resolve, reject) => {
    const hash = createHash('sha256');
    server.on('connection', (socket) => {
      accepted.push(socket);
      socket.on('data', (b: Buffer) => {
        hash.update(b);
        delivered += b.length;
        if (failLinkA !== undefined && linkADownAtBytes === undefined && delivered >= 0.6 * data.length) {
          linkADownAtBytes = delivered;
          failLinkA();
        }
      });
      socket.on('end', () => resolve(hash.digest('hex')));
      socket.on('error', reject);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = server.address()?.port ?? 0;
  const multipath = await canBind(SECOND_LOCAL);
  const singlePathReason = multipath ? undefined : `cannot bind ${SECOND_LOCAL} on this system, so one path only`;
  const emulators: LinkEmulator[] = [];
  const linkSpecs = multipath ? [LINK_A, LINK_B] : [LINK_A];
  let client: MptSocket | undefined;
  let progress: NodeJS.Timeout | undefined;
  try {
    for (const spec of linkSpecs) {
      emulators.push(await createLinkEmulator({ backHost: '127.0.0.1', backPort: port, delayMs: spec.delayMs, rateBps: spec.rateBps }));
    }
    const [a, b] = emulators as [LinkEmulator, LinkEmulator | undefined];
    if (b !== undefined) failLinkA = () => a.setDown(true);
    const started = performance.now();
    client =
      b === undefined
        ? connect({ host: '127.0.0.1', port: a.port })
        : connect({
            host: '127.0.0.1',
            port: a.port,
            maxPaths: 2,
            localAddresses: ['127.0.0.1', SECOND_LOCAL],
            extraRemotes: [{ host: '127.0.0.1', port: b.port }],
          });
    const socket = client;
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    });
    const handshakeMs = performance.now() - started;
    const onProgress = options.onProgress;
    if (onProgress !== undefined) progress = setInterval(() => onProgress(socket.paths, delivered), options.progressIntervalMs ?? 200);
    const transferStart = performance.now();
    await writeAll(socket, data);
    const receivedSha256 = await received;
    const transferMs = performance.now() - transferStart;
    onProgress?.(socket.paths, delivered);
    return {
      serverKeyVerified: socket.remotePublicKey !== undefined && Buffer.from(socket.remotePublicKey).equals(server.publicKey),
      handshakeMs,
      transferMs,
      bytes: data.length,
      sentSha256: createHash('sha256').update(data).digest('hex'),
      receivedSha256,
      paths: socket.paths,
      links: linkSpecs.map((spec, i) => ({ ...spec, bytesToServer: emulators[i]?.stats().toServer.bytesForwarded ?? 0 })),
      singlePathReason,
      linkADownAtBytes,
    };
  } finally {
    clearInterval(progress);
    // The server has every byte (or the demo failed): both ends abort rather than linger for a FIN
    // exchange through emulators that close next, which would keep the process alive for the linger time.
    client?.resetAndDestroy();
    for (const socket of accepted) socket.resetAndDestroy();
    await Promise.all(emulators.map((e) => e.close()));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
