// Behaviour of Node v20.11.1 test/parallel/test-net-end-destroyed.js (denoland/node_test@c5baef08e6692c16940b82e2ee5d778a11da64d7), rewritten for mpt.
// When the client ends first (allowHalfOpen false), its 'end' comes while it is not yet destroyed.
import assert from 'node:assert';
import net from '../shim.js';
import { mustCall, portOf } from '../common.js';

const server = net.createServer();
server.on('connection', mustCall());

server.listen(mustCall(() => {
  const socket = net.createConnection({ port: portOf(server) });
  socket.on('connect', mustCall(() => {
    socket.on('end', mustCall(() => {
      assert.strictEqual(socket.destroyed, false);
      server.close();
    }));
    socket.end();
  }));
}));
