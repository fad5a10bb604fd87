// Behaviour of Node v20.11.1 test/parallel/test-net-server-reset.js (denoland/node_test@c5baef08e6692c16940b82e2ee5d778a11da64d7), rewritten for mpt.
// The server closes (close() returns it) and resets its two accepted sockets with resetAndDestroy():
// each emits 'close', the server 'close', and each client 'error' ECONNRESET.
import assert from 'node:assert';
import type { Socket } from 'node:net';
import net from '../shim.js';
import { mustCall, mustCallAtLeast, portOf } from '../common.js';

const sockets: Socket[] = [];

const server = net.createServer(mustCallAtLeast((c) => {
  c.on('close', mustCall());
  sockets.push(c);
  if (sockets.length === 2) {
    assert.strictEqual(server.close(), server);
    for (const s of sockets) s.resetAndDestroy();
  }
}));

server.on('close', mustCall());

assert.strictEqual(server, server.listen(0, mustCall(() => {
  for (let i = 0; i < 2; i++) {
    net.createConnection(portOf(server)).on('error', mustCall((error: NodeJS.ErrnoException) => {
      assert.strictEqual(error.code, 'ECONNRESET');
    }));
  }
})));
