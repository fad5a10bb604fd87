// Behaviour of Node v20.11.1 test/parallel/test-net-socket-byteswritten.js (denoland/node_test@c5baef08e6692c16940b82e2ee5d778a11da64d7), rewritten for mpt.
// Corked writes made while connecting (a string and a multi-byte Buffer) are counted in bytesWritten
// at once, as bytes, and not again after 'connect'.
import assert from 'node:assert';
import net from '../shim.js';
import { mustCall, portOf } from '../common.js';

const server = net.createServer((socket) => {
  socket.end();
});

server.listen(0, mustCall(() => {
  const socket = net.connect(portOf(server));

  // Corked, two writes become one writev.
  socket.cork();
  socket.write('one');
  socket.write(Buffer.from('twø', 'utf8'));
  socket.uncork();

  // one = 3 bytes, twø = 4 bytes
  assert.strictEqual(socket.bytesWritten, 3 + 4);

  socket.on('connect', mustCall(() => {
    assert.strictEqual(socket.bytesWritten, 3 + 4);
  }));

  socket.on('end', mustCall(() => {
    assert.strictEqual(socket.bytesWritten, 3 + 4);
    server.close();
  }));
}));
