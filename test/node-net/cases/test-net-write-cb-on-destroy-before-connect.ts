// Behaviour of Node v20.11.1 test/parallel/test-net-write-cb-on-destroy-before-connect.js (denoland/node_test@c5baef08e6692c16940b82e2ee5d778a11da64d7), rewritten for mpt.
// destroy() while connecting: the queued write's callback gets ERR_SOCKET_CLOSED_BEFORE_CONNECTION and
// 'connect' never comes.
import assert from 'node:assert';
import net from '../shim.js';
import { expectsError, mustCall, mustNotCall, portOf } from '../common.js';

const server = net.createServer();
server.listen(0, mustCall(() => {
  const socket = new net.Socket();

  socket.on('connect', mustNotCall());

  socket.connect({ port: portOf(server) });

  assert.ok(socket.connecting);

  socket.write('foo', expectsError({ code: 'ERR_SOCKET_CLOSED_BEFORE_CONNECTION', name: 'Error' }));

  socket.destroy();
  server.close();
}));
