// Behaviour of Node v20.11.1 test/parallel/test-net-listening.js (denoland/node_test@c5baef08e6692c16940b82e2ee5d778a11da64d7), rewritten for mpt.
// server.listening: false before listen, true in the 'listening' callback, false in close's callback.
import assert from 'node:assert';
import net from '../shim.js';
import { mustCall } from '../common.js';

const server = net.createServer();

assert.strictEqual(server.listening, false);

server.listen(0, mustCall(() => {
  assert.strictEqual(server.listening, true);
  server.close(mustCall(() => {
    assert.strictEqual(server.listening, false);
  }));
}));
