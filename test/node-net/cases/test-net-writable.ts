// Behaviour of Node v20.11.1 test/parallel/test-net-writable.js (denoland/node_test@c5baef08e6692c16940b82e2ee5d778a11da64d7), rewritten for mpt.
// At the client's 'end' (the server ended), the socket is still writable (the automatic end comes
// after the 'end' listeners), and a write there does not throw.
import assert from 'node:assert';
import net from '../shim.js';
import { mustCall, portOf } from '../common.js';

const server = net.createServer(mustCall((s) => {
  server.close();
  s.end();
})).listen(0, '127.0.0.1', mustCall(() => {
  const socket = net.connect(portOf(server), '127.0.0.1');
  socket.on('end', mustCall(() => {
    assert.strictEqual(socket.writable, true);
    socket.write('hello world');
  }));
}));
