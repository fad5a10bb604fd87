/**
 * One soak connection, both ends: the client dials with the options of its path kind, sends a header
 * naming its plan, then its pattern; the server's side reads the header, sends its own pattern, and each
 * end closes as the plan says. Every byte received is checked against the pattern at its position.
 * @module
 */
import { createLinkEmulator, type LinkEmulator } from '../../../src/node/link-emulator.js';
import { connect, type InterfaceMonitor, type MptConnectOptions, type MptPathEvent, type MptSocket } from '../../../src/index.js';
import { PatternCheck, PatternSource } from './pattern.js';
import type { ConnectionPlan } from './plan.js';

/** What happened to one connection, as both ends saw it. */
export interface ConnectionRecord {
  readonly plan: ConnectionPlan;
  /** Bytes the client handed to write(), and the server received and checked. */
  upSent: number;
  upReceived: number;
  upMismatched: number;
  /** Bytes the server handed to write(), and the client received and checked. */
  downSent: number;
  downReceived: number;
  downMismatched: number;
  /** Error codes (or messages) of each end's 'error' events. */
  readonly clientErrors: string[];
  readonly serverErrors: string[];
  /** The same errors' messages, for the report of an unexpected one. */
  readonly errorMessages: string[];
  /** Whether the server read this connection's header. */
  serverSeen: boolean;
  clientClosed: boolean;
  serverClosed: boolean;
  /** The client's 'path' events beyond path 0: paths that came up, went down (failed), and closed. */
  pathsUp: number;
  pathsDown: number;
  pathsClosed: number;
}

/** What a connection needs of the soak around it. */
export interface SoakHost {
  readonly seed: number;
  /** The current server's port. */
  readonly port: () => number;
  /** The shared monitor `follow` connections use. */
  readonly monitor: InterfaceMonitor;
  /** Records of the connections not yet done, by id (the server looks the header up here). */
  readonly records: Map<number, ConnectionRecord>;
  /** Clients still in their handshake, by the port of the server they dial (a server is closed only once none dial it). */
  readonly connecting: Map<number, number>;
  /** Sockets of either end not yet closed. */
  readonly openClients: Set<MptSocket>;
  readonly openServerSockets: Set<MptSocket>;
  /** Server sockets closed without a header (a client destroyed before it sent one), and their errors. */
  readonly headless: { closed: number; errors: string[] };
  /** Watches an object for collection (sockets, emulators). */
  readonly track: (what: string, object: object) => void;
  /** Something that must not happen. */
  readonly fail: (message: string) => void;
}

/** Write chunk size, bytes. */
const CHUNK = 64 * 1024;
/** The header: 'SOAK' and the connection id. */
const HEADER_BYTES = 8;
const MAGIC = 0x534f414b;
/** The `idleTimeout` plan's idle timeout, ms (no keepalive: both ends go quiet). */
export const SHORT_IDLE_MS = 2_000;
/** The `socketTimeout` plan's node:net inactivity timeout, ms. */
const SOCKET_TIMEOUT_MS = 500;
/** The idle timeout of every other connection, both ends, ms: how long a vanished client takes to be noticed. */
export const IDLE_MS = 6_000;
/** The error `destroyError` destroys with. */
export const ABORT_MESSAGE = 'soak-abort';

function codeOf(error: Error & { code?: string }): string {
  return error.code ?? error.message;
}

/** Resolves once `socket` may be written again ('drain'), or is closed. */
function drained(socket: MptSocket): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    socket.on('drain', done);
    socket.on('close', done);
  });
}

/** Writes `total` bytes of `source` (its remainder) with backpressure; false if the socket stopped taking them. */
async function writePattern(socket: MptSocket, source: PatternSource, total: number, onWritten: (bytes: number) => void): Promise<boolean> {
  while (source.produced < total) {
    if (socket.destroyed || !socket.writable) return false;
    const n = Math.min(CHUNK, total - source.produced);
    const more = socket.write(source.next(n));
    onWritten(n);
    if (!more) await drained(socket);
  }
  return !socket.destroyed;
}

function newRecord(plan: ConnectionPlan): ConnectionRecord {
  return { plan, upSent: 0, upReceived: 0, upMismatched: 0, downSent: 0, downReceived: 0, downMismatched: 0, clientErrors: [], serverErrors: [], errorMessages: [], serverSeen: false, clientClosed: false, serverClosed: false, pathsUp: 0, pathsDown: 0, pathsClosed: 0 };
}

/** The share of the plan's bytes exchanged so far, as the end that cuts sees it (1 when there are none). */
function progress(plan: ConnectionPlan, sent: number, received: number): number {
  const total = plan.up + plan.down;
  return total === 0 ? 1 : (sent + received) / total;
}

/** The server's side of every accepted socket. */
export function serveSoak(socket: MptSocket, host: SoakHost): void {
  host.track('server socket', socket);
  host.openServerSockets.add(socket);
  let header = Buffer.alloc(0);
  let record: ConnectionRecord | undefined;
  const early: string[] = [];
  let check: PatternCheck | undefined;
  let wroteAll = false;
  let gotEnd = false;
  let cut = false;

  socket.on('error', (error: Error) => {
    (record === undefined ? early : record.serverErrors).push(codeOf(error));
    record?.errorMessages.push(`server ${codeOf(error)}: ${error.message}`);
  });
  socket.once('close', () => {
    host.openServerSockets.delete(socket);
    if (record === undefined) {
      host.headless.closed++;
      host.headless.errors.push(...early);
    } else record.serverClosed = true;
  });

  const maybeCut = (): void => {
    if (record === undefined || cut || socket.destroyed) return;
    const { plan } = record;
    if (plan.close !== 'serverDestroy' && plan.close !== 'serverReset') return;
    if (progress(plan, record.downSent, record.upReceived) < plan.cutAt && !(wroteAll && gotEnd)) return;
    cut = true;
    if (plan.close === 'serverDestroy') socket.destroy();
    else socket.resetAndDestroy();
  };
  const maybeEnd = (): void => {
    if (record === undefined || !wroteAll || !gotEnd || socket.destroyed || socket.writableEnded) return;
    const close = record.plan.close;
    if (close === 'serverDestroy' || close === 'serverReset') return;
    socket.end();
  };
  const send = async (rec: ConnectionRecord): Promise<void> => {
    const source = new PatternSource(host.seed, rec.plan.id, 'down');
    await writePattern(socket, source, rec.plan.down, (n) => {
      rec.downSent += n;
      maybeCut();
    });
    wroteAll = true;
    if (rec.plan.close === 'endServerFirst' && !socket.destroyed) socket.end();
    maybeCut();
    maybeEnd();
  };

  socket.on('data', (chunk: Buffer) => {
    if (record === undefined) {
      header = Buffer.concat([header, chunk]);
      if (header.length < HEADER_BYTES) return;
      const id = header.readUInt32BE(4);
      const found = header.readUInt32BE(0) === MAGIC ? host.records.get(id) : undefined;
      if (found === undefined) {
        host.fail(`server: a header for no connection (${header.subarray(0, HEADER_BYTES).toString('hex')})`);
        socket.destroy();
        return;
      }
      record = found;
      record.serverSeen = true;
      record.serverErrors.push(...early);
      check = new PatternCheck(host.seed, id, 'up');
      chunk = header.subarray(HEADER_BYTES);
      // halfClose: the answer only once the client's end was read.
      if (record.plan.close !== 'halfClose') void send(record);
    }
    if (chunk.length > 0 && check !== undefined) {
      check.check(chunk);
      record.upReceived = check.received;
      record.upMismatched = check.mismatched;
    }
    maybeCut();
  });
  socket.on('end', () => {
    gotEnd = true;
    if (record?.plan.close === 'halfClose') void send(record);
    else {
      maybeCut();
      maybeEnd();
    }
  });
}

/** The client's options for `plan`, and the link emulators an `emulated` plan goes through. */
async function clientOptions(plan: ConnectionPlan, port: number, host: SoakHost, signal: AbortSignal): Promise<{ options: MptConnectOptions; emulators: LinkEmulator[] }> {
  const idle =
    plan.close === 'idleTimeout'
      ? { idleTimeoutMs: SHORT_IDLE_MS, keepAliveIntervalMs: 0 }
      : { idleTimeoutMs: IDLE_MS };
  const common: MptConnectOptions = {
    host: '127.0.0.1',
    port,
    ...idle,
    allowHalfOpen: plan.close === 'endServerFirst',
    ...(plan.close === 'socketTimeout' ? { timeout: SOCKET_TIMEOUT_MS } : {}),
    ...(plan.close === 'abort' ? { signal } : {}),
  };
  switch (plan.paths) {
    case 'single':
      return { options: { ...common, localAddress: '127.0.0.1', maxPaths: 1 }, emulators: [] };
    case 'multi':
      return { options: { ...common, localAddresses: ['127.0.0.1', '127.0.0.2', '127.0.0.3'].slice(0, plan.localAddresses), interfaceMonitor: false }, emulators: [] };
    case 'follow':
      return { options: { ...common, interfaceMonitor: host.monitor }, emulators: [] };
    case 'emulated': {
      const a = await createLinkEmulator({ backHost: '127.0.0.1', backPort: port, delayMs: 2, seed: plan.id });
      const b = await createLinkEmulator({ backHost: '127.0.0.1', backPort: port, delayMs: 4, seed: plan.id + 1 });
      host.track('link emulator', a);
      host.track('link emulator', b);
      return {
        options: { ...common, port: a.port, maxPaths: 2, localAddresses: ['127.0.0.1', '127.0.0.2'], interfaceMonitor: false, extraRemotes: [{ host: '127.0.0.1', port: b.port }] },
        emulators: [a, b],
      };
    }
  }
}

/** Resolves once `socket` is closed. */
function closed(socket: MptSocket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.closed) resolve();
    else socket.once('close', () => resolve());
  });
}

/**
 * Runs the client of `plan` to its close; resolves once the client is closed and its link emulators
 * (if any) are, with the connection's record (the server's side may still be closing).
 */
export async function runSoakConnection(plan: ConnectionPlan, host: SoakHost): Promise<ConnectionRecord> {
  const record = newRecord(plan);
  host.records.set(plan.id, record);
  const abort = new AbortController();
  const port = host.port();
  host.connecting.set(port, (host.connecting.get(port) ?? 0) + 1);
  const { options, emulators } = await clientOptions(plan, port, host, abort.signal);
  const socket = connect(options);
  host.track('client socket', socket);
  host.openClients.add(socket);
  socket.on('error', (error: Error) => {
    record.clientErrors.push(codeOf(error));
    record.errorMessages.push(`client ${codeOf(error)}: ${error.message}`);
  });
  socket.on('path', (e: MptPathEvent) => {
    if (e.id === 0) return;
    if (e.change === 'up') record.pathsUp++;
    else if (e.change === 'down') record.pathsDown++;
    else if (e.change === 'closed') record.pathsClosed++;
  });
  const done = closed(socket).then(() => {
    record.clientClosed = true;
    host.openClients.delete(socket);
  });

  if (plan.close === 'connectAbort') {
    if (plan.cutAt < 0.5) socket.destroy();
    else setImmediate(() => socket.destroy());
  } else {
    await Promise.race([new Promise((resolve) => socket.once('connect', resolve)), done]);
  }
  host.connecting.set(port, (host.connecting.get(port) ?? 1) - 1);
  if (host.connecting.get(port) === 0) host.connecting.delete(port);

  if (!socket.destroyed && socket.readyState === 'open') {
    const check = new PatternCheck(host.seed, plan.id, 'down');
    const source = new PatternSource(host.seed, plan.id, 'up');
    let cut = false;
    let wroteAll = false;
    let linkCut = false;
    const maybeCut = (): void => {
      // An emulated connection loses its second link a third of the way through.
      if (plan.paths === 'emulated' && !linkCut && progress(plan, record.upSent, record.downReceived) >= 1 / 3) {
        linkCut = true;
        emulators[1]?.setDown(true);
      }
      if (cut || socket.destroyed) return;
      const cuts = ['destroy', 'destroyError', 'reset', 'abort', 'vanish'].includes(plan.close);
      if (!cuts) return;
      const complete = wroteAll && record.downReceived >= plan.down;
      if (progress(plan, record.upSent, record.downReceived) < plan.cutAt && !complete) return;
      cut = true;
      switch (plan.close) {
        case 'destroy':
          socket.destroy();
          return;
        case 'destroyError':
          socket.destroy(new Error(ABORT_MESSAGE));
          return;
        case 'reset':
          socket.resetAndDestroy();
          return;
        case 'abort':
          abort.abort();
          return;
        case 'vanish':
          for (const emulator of emulators) emulator.setDown(true);
          socket.destroy();
          return;
      }
    };
    const quietAndComplete = (): boolean => wroteAll && record.downReceived >= plan.down;
    socket.on('data', (chunk: Buffer) => {
      check.check(chunk);
      record.downReceived = check.received;
      record.downMismatched = check.mismatched;
      maybeCut();
    });
    if (plan.close === 'socketTimeout') {
      // As node:net's 'timeout': a hint. The client closes on it once everything was exchanged.
      socket.on('timeout', () => {
        if (quietAndComplete()) socket.destroy();
      });
    }
    const header = Buffer.alloc(HEADER_BYTES);
    header.writeUInt32BE(MAGIC, 0);
    header.writeUInt32BE(plan.id, 4);
    socket.write(header);
    maybeCut();
    await writePattern(socket, source, plan.up, (n) => {
      record.upSent += n;
      maybeCut();
    });
    wroteAll = true;
    maybeCut();
    if (!socket.destroyed && ['end', 'endServerFirst', 'halfClose'].includes(plan.close)) socket.end();
  }
  await done;
  // The emulators go once the server's end is closed too (a vanished client's server waits out its idle timeout).
  if (emulators.length > 0) {
    await waitFor(() => record.serverClosed || !record.serverSeen, 3 * IDLE_MS);
    await Promise.all(emulators.map((e) => e.close()));
  }
  return record;
}

/** Resolves once `condition()` holds (checked every 50 ms), or after `limitMs`; whether it held. */
export async function waitFor(condition: () => boolean, limitMs: number): Promise<boolean> {
  const until = performance.now() + limitMs;
  while (!condition()) {
    if (performance.now() >= until) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}
