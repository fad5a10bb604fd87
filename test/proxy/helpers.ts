// Helpers of the converter tests: TCP destinations, converters and tunnels on loopback, a UDP relay
// that can hold a client's datagrams, all tracked and closed by cleanup().
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createServer as createTcpServer, type Server as TcpServer, type Socket as TcpSocket } from 'node:net';
import type { Readable } from 'node:stream';
import { closeRelays } from '../support/hold-relay.js';
import { createConverter, openTunnel, type ConverterOptions, type ConverterTunnelEvent, type MptConverter, type MptSocket, type TunnelOptions } from '../../src/index.js';

const tcpServers = new Set<TcpServer>();
const tcpSockets = new Set<TcpSocket>();
const converters = new Set<MptConverter>();
const mptSockets = new Set<MptSocket>();

/** A TCP server on `host` (half-open allowed), each accepted socket handed to `onSocket`. */
export async function tcpServer(onSocket: (socket: TcpSocket) => void, host = '127.0.0.1'): Promise<TcpServer & { port: number; accepted: TcpSocket[] }> {
  const accepted: TcpSocket[] = [];
  const server = createTcpServer({ allowHalfOpen: true }, (socket) => {
    tcpSockets.add(socket);
    accepted.push(socket);
    socket.on('error', () => {});
    onSocket(socket);
  });
  tcpServers.add(server);
  server.listen(0, host);
  await once(server, 'listening');
  return Object.assign(server, { port: (server.address() as { port: number }).port, accepted });
}

/** A TCP echo server on 127.0.0.1 (each direction ends when the client's does). */
export function echoServer(): Promise<TcpServer & { port: number; accepted: TcpSocket[] }> {
  return tcpServer((socket) => socket.pipe(socket));
}

/** A listening converter on 127.0.0.1; its 'tunnel' events are collected in `tunnels`. */
export async function startConverter(
  options: ConverterOptions,
): Promise<MptConverter & { port: number; tunnels: ConverterTunnelEvent[]; tunnel(index?: number): Promise<ConverterTunnelEvent> }> {
  const converter = createConverter(options);
  converters.add(converter);
  const tunnels: ConverterTunnelEvent[] = [];
  converter.on('tunnel', (t) => tunnels.push(t));
  converter.server.on('connection', (socket) => mptSockets.add(socket));
  converter.listen(0, '127.0.0.1');
  await once(converter, 'listening');
  /** The `index`th 'tunnel' event (default the first), once it came. */
  const tunnel = async (index = 0): Promise<ConverterTunnelEvent> => {
    while (tunnels.length <= index) await once(converter, 'tunnel');
    return tunnels[index] as ConverterTunnelEvent;
  };
  return Object.assign(converter, { port: (converter.address() as { port: number }).port, tunnels, tunnel });
}

/** openTunnel() to a converter on 127.0.0.1, the socket tracked. */
export async function tunnel(options: Omit<TunnelOptions, 'host'> & { host?: string }): Promise<MptSocket> {
  const socket = await openTunnel({ host: '127.0.0.1', ...options });
  mptSockets.add(socket);
  return socket;
}

/** Tracks a socket the test made another way, for cleanup(). */
export function track<T extends MptSocket | TcpSocket>(socket: T): T {
  if ('remotePublicKey' in socket) mptSockets.add(socket as MptSocket);
  else tcpSockets.add(socket as TcpSocket);
  return socket;
}

/** Every byte a stream reads until 'end'. */
export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  await once(stream, 'end');
  return Buffer.concat(chunks);
}

/** SHA-256 and count of a stream's bytes until 'end'. */
export async function hashAll(stream: Readable): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  stream.on('data', (chunk: Buffer) => {
    hash.update(chunk);
    bytes += chunk.length;
  });
  await once(stream, 'end');
  return { bytes, sha256: hash.digest('hex') };
}

/** SHA-256 of bytes. */
export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The first 'error' of a stream, once it closed (undefined if it closed without one). */
export function closeError(stream: Readable): Promise<(Error & { code?: string }) | undefined> {
  let error: (Error & { code?: string }) | undefined;
  stream.on('error', (e: Error) => {
    error ??= e;
  });
  return new Promise((resolve) => stream.once('close', () => resolve(error)));
}

/** Closes everything the tests opened. */
export async function cleanup(): Promise<void> {
  for (const socket of mptSockets) {
    socket.on('error', () => {});
    if (!socket.destroyed) socket.destroy();
  }
  mptSockets.clear();
  for (const socket of tcpSockets) socket.destroy();
  tcpSockets.clear();
  closeRelays();
  await Promise.all([...converters].map((c) => new Promise<void>((resolve) => (c.listening ? c.close(() => resolve()) : resolve()))));
  converters.clear();
  await Promise.all([...tcpServers].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  tcpServers.clear();
}
