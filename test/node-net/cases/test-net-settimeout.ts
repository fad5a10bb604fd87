// Behaviour of Node v20.11.1 test/parallel/test-net-settimeout.js (denoland/node_test@c5baef08e6692c16940b82e2ee5d778a11da64d7), rewritten for mpt.
// setTimeout(T, cb) returns the socket; setTimeout(0) right after cancels it, so no 'timeout' comes
// during 2T of silence after the first data.
import assert from 'node:assert';
import net from '../shim.js';
import { mustCall, mustNotCall, portOf } from '../common.js';

const T = 100;

const server = net.createServer(mustCall((c) => {
  c.write('hello');
}));

server.listen(0, mustCall(() => {
  const socket = net.createConnection(portOf(server), 'localhost');
  const s = socket.setTimeout(T, mustNotCall());
  assert.ok(s instanceof net.Socket);

  socket.on('data', mustCall(() => {
    setTimeout(() => {
      socket.destroy();
      server.close();
    }, T * 2);
  }));

  socket.setTimeout(0);
}));
