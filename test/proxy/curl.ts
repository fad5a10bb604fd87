// Helpers of the curl end-to-end tests: a local HTTP server that serves a fixed payload, and curl run
// through the proxy with its output hashed as it comes.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import type { Socket } from 'node:net';

/** Debian's curl: a client of SOCKS5 and HTTP CONNECT written by nobody here. */
export const CURL = '/usr/bin/curl';

/** An HTTP server on 127.0.0.1 that answers every GET with `payload`; it counts the TCP connections it accepted. */
export async function payloadServer(payload: Uint8Array): Promise<{ server: HttpServer; port: number; url: string; connections: () => number; close: () => Promise<void> }> {
  let connections = 0;
  const sockets = new Set<Socket>();
  const server = createHttpServer((_request, response) => {
    response.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': payload.length });
    response.end(payload);
  });
  server.on('connection', (socket: Socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  return {
    server,
    port,
    url: `http://127.0.0.1:${port}/payload.bin`,
    connections: () => connections,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** What a curl run gave. */
export interface CurlResult {
  /** Its exit code. */
  readonly code: number | null;
  /** SHA-256 of its output (the downloaded body). */
  readonly sha256: string;
  /** Bytes of output. */
  readonly bytes: number;
  /** What it wrote to stderr. */
  readonly stderr: string;
}

/**
 * Runs curl with `args` (after `-q`, which skips any .curlrc, and `-sS --fail`), with no proxy taken
 * from the environment; `onProgress` is told the body bytes received so far after each chunk.
 */
export async function runCurl(args: readonly string[], onProgress?: (bytes: number) => void): Promise<CurlResult> {
  const child = spawn(CURL, ['-q', '-sS', '--fail', '--max-time', '120', ...args], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const hash = createHash('sha256');
  let bytes = 0;
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    hash.update(chunk);
    bytes += chunk.length;
    onProgress?.(bytes);
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, sha256: hash.digest('hex'), bytes, stderr };
}
