// Behaviour of Node v20.11.1 test/parallel/test-net-stream.js (denoland/node_test@c5baef08e6692c16940b82e2ee5d778a11da64d7), rewritten for mpt.
// The server writes 10 x 2 MB to a client that pauses (pause() returns the socket) at its first
// 'data' and destroys the connection 20 ms later: the server socket gets one 'error', then 'close'.
import assert from 'node:assert';
import net from '../shim.js';
import { mustCall, portOf } from '../common.js';

const SIZE = 2e6;
const N = 10;
const buf = Buffer.alloc(SIZE, 'a');

const server = net.createServer(mustCall((socket) => {
  socket.setNoDelay();

  socket.on('error', mustCall(() => socket.destroy()))
    .on('close', mustCall(() => server.close()));

  for (let i = 0; i < N; ++i) {
    socket.write(buf, () => {});
  }
  socket.end();
})).listen(0, mustCall(() => {
  const conn = net.connect(portOf(server));
  conn.on('data', mustCall(() => {
    assert.strictEqual(conn, conn.pause());
    setTimeout(() => {
      conn.destroy();
    }, 20);
  }));
}));
