// Behaviour of Node v20.11.1 test/parallel/test-net-server-close.js (denoland/node_test@c5baef08e6692c16940b82e2ee5d778a11da64d7), rewritten for mpt.
// close() returns the server; the accepted sockets destroyed afterwards each emit 'close', then the
// server emits 'close'; listen() returns the server.
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
    for (const s of sockets) s.destroy();
  }
}));

server.on('close', mustCall());

assert.strictEqual(server, server.listen(0, () => {
  // No 'error' listener, as in the original: a client 'error' (the server's destroy seen as more than a
  // plain close) fails the test.
  net.createConnection(portOf(server));
  net.createConnection(portOf(server));
}));
