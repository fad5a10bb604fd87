// Behaviour of Node v20.11.1 test/parallel/test-net-socket-connecting.js (denoland/node_test@c5baef08e6692c16940b82e2ee5d778a11da64d7), rewritten for mpt.
// socket.connecting is true right after connect() and false in the connect callback.
import assert from 'node:assert';
import net from '../shim.js';
import { mustCall, portOf } from '../common.js';

const server = net.createServer((conn) => {
  conn.end();
  server.close();
}).listen(0, mustCall(() => {
  const client = net.connect(portOf(server), mustCall(() => {
    assert.strictEqual(client.connecting, false);
    // (The original also checks the legacy _connecting getter.)
    client.end();
  }));
  assert.strictEqual(client.connecting, true);
}));
