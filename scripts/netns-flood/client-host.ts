/**
 * The legitimate client of scripts/netns-flood.ts, run in the client host's namespace: COUNT connections
 * one after another to ADDRESS:PORT, pinning the server key PUBLIC_HEX (IK); each writes 1 KiB, reads
 * the echo back, checks it, and closes. Prints one JSON line, a {@link ClientRun}.
 *
 * usage: node --import tsx scripts/netns-flood/client-host.ts ADDRESS PORT PUBLIC_HEX COUNT
 * @module
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect } from '../../src/index.js';

/** What one run of connections gives. */
export interface ClientRun {
  /** Each successful connection's connect time (connect() to 'connect'), ms, in order. */
  readonly connectMs: number[];
  /** Connections that failed (handshake, echo or timeout), with their error messages. */
  readonly failures: string[];
}

/** Bytes each connection sends and expects back. */
const ECHO_BYTES = 1024;

const [address, port, publicHex, count] = process.argv.slice(2) as [string, string, string, string];
const serverKey = Buffer.from(publicHex, 'hex');

/** One connection: connect, echo ECHO_BYTES, close; resolves with its connect time, ms. */
async function echoOnce(): Promise<number> {
  const started = performance.now();
  const socket = connect({ host: address, port: Number(port), serverKey, connectTimeout: 10_000 });
  const failed = once(socket, 'error').then(([error]) => Promise.reject(error as Error));
  failed.catch(() => {});
  try {
    await Promise.race([once(socket, 'connect'), failed]);
    const connectMs = performance.now() - started;
    const data = randomBytes(ECHO_BYTES);
    const chunks: Buffer[] = [];
    let got = 0;
    const echoed = new Promise<void>((resolve) =>
      socket.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        got += chunk.length;
        if (got >= ECHO_BYTES) resolve();
      }),
    );
    socket.write(data);
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no echo within 10 s')), 10_000).unref());
    await Promise.race([echoed, failed, timeout]);
    if (!Buffer.concat(chunks).equals(data)) throw new Error('echo differs');
    return connectMs;
  } finally {
    socket.destroy();
  }
}

const run: ClientRun = { connectMs: [], failures: [] };
for (let i = 0; i < Number(count); i++) {
  try {
    run.connectMs.push(await echoOnce());
  } catch (error) {
    run.failures.push((error as Error).message);
  }
}
console.log(JSON.stringify(run));
process.exit(0);
