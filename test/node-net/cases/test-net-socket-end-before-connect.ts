// Behaviour of Node v20.11.1 test/parallel/test-net-socket-end-before-connect.js (denoland/node_test@c5baef08e6692c16940b82e2ee5d778a11da64d7), rewritten for mpt.
// end() while still connecting: the socket still ends up closed ('close').
import net from '../shim.js';
import { mustCall, portOf } from '../common.js';

const server = net.createServer();

server.listen(mustCall(() => {
  const socket = net.createConnection(portOf(server));
  socket.on('close', mustCall(() => server.close()));
  socket.end();
}));
