// Behaviour of Node v20.11.1 test/parallel/test-net-write-connect-write.js (denoland/node_test@c5baef08e6692c16940b82e2ee5d778a11da64d7), rewritten for mpt.
// A write before 'connect' and one in 'connect' arrive in order at an echo server (pipe to itself).
import assert from 'node:assert';
import net from '../shim.js';
import { mustCall, portOf } from '../common.js';

const server = net.createServer((socket) => {
  socket.pipe(socket);
}).listen(0, mustCall(() => {
  const conn = net.connect(portOf(server));
  let received = '';

  conn.setEncoding('utf8');
  conn.write('before');
  conn.on('connect', () => {
    conn.write(' after');
  });
  conn.on('data', (buf: string) => {
    received += buf;
    conn.end();
  });
  conn.on('end', mustCall(() => {
    server.close();
    assert.strictEqual(received, 'before after');
  }));
}));
