// Behaviour of Node v20.11.1 test/parallel/test-net-server-listen-remove-callback.js (denoland/node_test@c5baef08e6692c16940b82e2ee5d778a11da64d7), rewritten for mpt.
// The listen() callback is a one-time 'listening' listener: after a close and a second listen and
// close, no 'listening' listener is left at either 'close'.
import assert from 'node:assert';
import net from '../shim.js';
import { mustCall } from '../common.js';

const server = net.createServer();

server.on('close', mustCall(() => {
  assert.strictEqual(server.listeners('listening').length, 0);
}, 2));

server.listen(0, () => {
  server.close();
});

server.once('close', () => {
  server.listen(0, () => {
    server.close();
  });
});
