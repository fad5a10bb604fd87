/**
 * One end of scripts/netns-on-path.ts's connection, driven line by line: the server host and the client
 * host each hand their {@link MptSocket} to {@link driveSocket}, which reads commands on stdin and answers
 * each with one JSON line on stdout. Both ends stream: `write N` sends N random bytes (their SHA-256 kept);
 * what the peer sends is hashed as it arrives.
 *
 * Commands: `state` (a {@link HostState}), `watch` (forget the path events so far: the attack starts),
 * `write N` (`{"written": N}`), `end` (end our side, wait for the peer's end, then a {@link HostDone}).
 * @module
 */
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { MptPathEvent, MptSocket } from '../../src/index.js';

/** What a host reports of its connection. */
export interface HostState {
  /** Each path's status, in path-id order. */
  readonly statuses: string[];
  /** Each path's peer address, `host:port`, in path-id order. */
  readonly remotes: string[];
  /** Path events since `watch`, `id:change`. */
  readonly events: string[];
  /** Packets the connection dropped (failed authentication, duplicates, malformed). */
  readonly packetsDropped: number;
  /** Error messages the socket emitted. */
  readonly errors: string[];
}

/** What a host reports once both directions ended. */
export interface HostDone extends HostState {
  /** Bytes and SHA-256 of all this end wrote. */
  readonly sent: { readonly bytes: number; readonly sha256: string };
  /** Bytes and SHA-256 of all this end read. */
  readonly received: { readonly bytes: number; readonly sha256: string };
}

/** Serves the command loop of stdin for `socket` (connected or accepted); exits the process after `end`. */
export function driveSocket(socket: MptSocket): void {
  const events: string[] = [];
  const errors: string[] = [];
  socket.on('path', (e: MptPathEvent) => events.push(`${e.id}:${e.change}`));
  socket.on('error', (e: Error) => errors.push(e.message));
  const sentHash = createHash('sha256');
  const receivedHash = createHash('sha256');
  let sentBytes = 0;
  let receivedBytes = 0;
  socket.on('data', (chunk: Buffer) => {
    receivedHash.update(chunk);
    receivedBytes += chunk.length;
  });
  const peerEnded = once(socket, 'end');
  peerEnded.catch(() => {});
  const state = (): HostState => ({
    statuses: socket.paths.map((p) => p.status),
    remotes: socket.paths.map((p) => `${p.remote.host}:${p.remote.port}`),
    events: [...events],
    packetsDropped: socket.stats.packetsDropped,
    errors: [...errors],
  });
  const reply = (value: unknown): void => void process.stdout.write(`${JSON.stringify(value)}\n`);
  createInterface({ input: process.stdin }).on('line', (line) => {
    const [command, argument] = line.trim().split(/\s+/);
    if (command === 'state') reply(state());
    else if (command === 'watch') {
      events.length = 0;
      reply({ watching: true });
    } else if (command === 'write') {
      const data = randomBytes(Number(argument));
      sentHash.update(data);
      sentBytes += data.length;
      socket.write(data);
      reply({ written: data.length });
    } else if (command === 'end') {
      socket.end();
      void peerEnded.then(() => {
        const done: HostDone = { ...state(), sent: { bytes: sentBytes, sha256: sentHash.digest('hex') }, received: { bytes: receivedBytes, sha256: receivedHash.digest('hex') } };
        reply(done);
        setTimeout(() => process.exit(0), 200).unref();
      });
    } else reply({ unknown: line });
  });
}
