// Helpers for the end-to-end tests: real UDP on 127.0.0.1, everything opened is tracked and closed.
import { createHash } from 'node:crypto';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { once } from 'node:events';
import { vi } from 'vitest';
import { EndpointDriver } from '../../src/node/driver.js';
import { connect, createServer, type MptConnectOptions, type MptPathEvent, type MptServer, type MptServerOptions, type MptSocket } from '../../src/index.js';

const servers = new Set<MptServer>();
const sockets = new Set<MptSocket>();
const udps = new Set<UdpSocket>();

/** A listening server on 127.0.0.1. */
export async function listen(options: MptServerOptions = {}, onConnection?: (socket: MptSocket) => void): Promise<MptServer & { port: number }> {
  const server = createServer(options, onConnection);
  servers.add(server);
  // Tests that care about a server-side error listen for it; the others must not die of one.
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('close', () => sockets.delete(socket)); // closed: nothing to clean up, and not kept alive here
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return Object.assign(server, { port: (server.address() as { port: number }).port });
}

/** A client socket (not yet connected). */
export function dial(options: MptConnectOptions): MptSocket {
  const socket = connect({ host: '127.0.0.1', ...options });
  sockets.add(socket);
  socket.once('close', () => sockets.delete(socket));
  return socket;
}

/** A connected client socket. */
export async function dialed(options: MptConnectOptions): Promise<MptSocket> {
  const socket = dial(options);
  await once(socket, 'connect');
  return socket;
}

/** The server's next accepted socket. */
export async function accepted(server: MptServer): Promise<MptSocket> {
  const [socket] = (await once(server, 'connection')) as [MptSocket];
  sockets.add(socket);
  return socket;
}

/** A plain UDP socket on 127.0.0.1 (a blackhole, or a source of garbage). */
export async function udp(): Promise<UdpSocket & { port: number }> {
  const socket = createSocket('udp4');
  udps.add(socket);
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return Object.assign(socket, { port: socket.address().port });
}

/** Everything a socket reads until 'end'. */
export async function readAll(socket: MptSocket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  await once(socket, 'end');
  return Buffer.concat(chunks);
}

/** SHA-256 of a stream's bytes until 'end', and their count. */
export async function hashAll(socket: MptSocket): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  socket.on('data', (chunk: Buffer) => {
    hash.update(chunk);
    bytes += chunk.length;
  });
  await once(socket, 'end');
  return { bytes, sha256: hash.digest('hex') };
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Resolves with the socket's first 'error' (or undefined if it closed without one) and 'close'. */
export function outcome(socket: MptSocket): Promise<{ error: (Error & { code?: string }) | undefined; hadError: boolean }> {
  let error: (Error & { code?: string }) | undefined;
  socket.on('error', (e: Error) => {
    error ??= e;
  });
  return new Promise((resolve) => socket.once('close', (hadError: boolean) => resolve({ error, hadError })));
}

/** Closes everything the test opened. */
export async function cleanup(): Promise<void> {
  for (const socket of sockets) {
    socket.on('error', () => {});
    if (!socket.destroyed) socket.destroy();
  }
  sockets.clear();
  for (const udpSocket of udps) {
    try {
      udpSocket.close();
    } catch {
      // the test closed it already
    }
  }
  udps.clear();
  await Promise.all(
    [...servers].map(
      (server) =>
        new Promise<void>((resolve) => {
          if (!server.listening) return resolve();
          server.close(() => resolve());
        }),
    ),
  );
  servers.clear();
}

/** Resolves once `socket` reports path `id` up. */
export function pathUp(socket: MptSocket, id: number): Promise<MptPathEvent> {
  return new Promise((resolve) => {
    const onPath = (e: MptPathEvent): void => {
      if (e.id !== id || e.change !== 'up') return;
      socket.off('path', onPath);
      resolve(e);
    };
    socket.on('path', onPath);
  });
}

/** The next driver EndpointDriver.bind or bindSync creates. */
export function captureNextDriver(): Promise<EndpointDriver> {
  // A client binds through bind(), a server (IP literals) through bindSync(): whichever comes first.
  const bind = EndpointDriver.bind.bind(EndpointDriver);
  const bindSync = EndpointDriver.bindSync.bind(EndpointDriver);
  const spy = vi.spyOn(EndpointDriver, 'bind');
  const spySync = vi.spyOn(EndpointDriver, 'bindSync');
  return new Promise((resolve) => {
    const got = (driver: EndpointDriver): EndpointDriver => {
      spy.mockRestore();
      spySync.mockRestore();
      resolve(driver);
      return driver;
    };
    spy.mockImplementationOnce(async (...args) => got(await bind(...args)));
    spySync.mockImplementationOnce((...args) => got(bindSync(...args)));
  });
}
