// Behaviour of Node v20.11.1 test/parallel/test-net-buffersize.js (denoland/node_test@c5baef08e6692c16940b82e2ee5d778a11da64d7), rewritten for mpt.
// bufferSize counts the bytes written while connecting and is 0 once 'finish' fires.
import assert from 'node:assert';
import net from '../shim.js';
import { mustCall, portOf } from '../common.js';

const iter = 10;

const server = net.createServer((socket) => {
  socket.on('readable', () => {
    socket.read();
  });
  socket.on('end', () => {
    server.close();
  });
});

server.listen(0, mustCall(() => {
  const client = net.connect(portOf(server));
  client.on('finish', mustCall(() => {
    assert.strictEqual(client.bufferSize, 0);
  }));
  for (let i = 1; i < iter; i++) {
    client.write('a');
    assert.strictEqual(client.bufferSize, i);
  }
  client.end();
}));
