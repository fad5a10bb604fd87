// Behaviour of Node v20.11.1 test/parallel/test-net-server-async-dispose.mjs (denoland/node_test@c5baef08e6692c16940b82e2ee5d778a11da64d7), rewritten for mpt.
// server[Symbol.asyncDispose]() closes the server (address() null after, 'close' emitted) and
// resolves; called again on a closed server it still resolves.
import assert from 'node:assert';
import net from '../shim.js';
import { mustCall, mustNotCall } from '../common.js';

const dispose = (server: unknown): Promise<void> => (server as { [Symbol.asyncDispose](): Promise<void> })[Symbol.asyncDispose]();

async function closesTheServer() {
  const server = net.createServer();
  const timeoutRef = setTimeout(mustNotCall(), 2 ** 31 - 1);
  server.on('close', mustCall());
  await new Promise<void>((resolve) => {
    server.listen(0, mustCall(async () => {
      await dispose(server).then(mustCall());
      assert.strictEqual(server.address(), null);
      clearTimeout(timeoutRef);
      resolve();
    }));
  });
}

async function resolvesWhenAlreadyClosed() {
  const server = net.createServer();
  const timeoutRef = setTimeout(mustNotCall(), 2 ** 31 - 1);
  await new Promise<void>((resolve) => {
    server.listen(0, mustCall(async () => {
      await dispose(server).then(mustCall());
      await dispose(server).then(mustCall(), mustNotCall());
      clearTimeout(timeoutRef);
      resolve();
    }));
  });
}

// The original runs the two as node:test cases, one after the other.
await closesTheServer();
await resolvesWhenAlreadyClosed();
