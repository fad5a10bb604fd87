// Behaviour of Node v20.11.1 test/parallel/test-net-local-address-port.js (denoland/node_test@c5baef08e6692c16940b82e2ee5d778a11da64d7), rewritten for mpt.
// An accepted socket's localAddress, localPort and localFamily are the server's address, port, family.
import assert from 'node:assert';
import net from '../shim.js';
import { addressOf, localhostIPv4, mustCall, portOf } from '../common.js';

const server = net.createServer(mustCall((socket) => {
  assert.strictEqual(socket.localAddress, localhostIPv4);
  assert.strictEqual(socket.localPort, portOf(server));
  assert.strictEqual(socket.localFamily, addressOf(server).family);
  socket.on('end', () => {
    server.close();
  });
  socket.resume();
}));

server.listen(0, localhostIPv4, () => {
  const client = net.createConnection(portOf(server), localhostIPv4);
  client.on('connect', () => {
    client.end();
  });
});
