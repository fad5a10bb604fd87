// Behaviour of Node v20.11.1 test/parallel/test-net-socket-close-after-end.js (denoland/node_test@c5baef08e6692c16940b82e2ee5d778a11da64d7), rewritten for mpt.
// Both ends end() at once; the server reads its data only 100 ms later: its 'end' still comes before
// its 'close'.
import assert from 'node:assert';
import type { Socket } from 'node:net';
import net from '../shim.js';
import { mustCall, portOf } from '../common.js';

const server = net.createServer();

server.on('connection', mustCall((socket) => {
  let endEmitted = false;

  socket.once('readable', () => {
    setTimeout(() => {
      socket.read();
    }, 100);
  });
  socket.on('end', () => {
    endEmitted = true;
  });
  socket.on('close', mustCall(() => {
    assert.ok(endEmitted);
    server.close();
  }));
  socket.end('foo');
}));

server.listen(mustCall(() => {
  const socket: Socket = net.createConnection(portOf(server), () => {
    socket.end('foo');
  });
}));
