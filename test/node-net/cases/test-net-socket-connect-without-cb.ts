// Behaviour of Node v20.11.1 test/parallel/test-net-socket-connect-without-cb.js (denoland/node_test@c5baef08e6692c16940b82e2ee5d778a11da64d7), rewritten for mpt.
// new Socket().connect(server.address()) (an AddressInfo object as the options) without a callback
// emits 'connect'.
import { lookup } from 'node:dns/promises';
import net from '../shim.js';
import { addressOf, hasIPv6, mustCall } from '../common.js';

const localhostHasIPv6 = await lookup('localhost', { family: 6 }).then(() => true, () => false);

const server = net.createServer(mustCall((conn) => {
  conn.end();
  server.close();
})).listen(0, mustCall(() => {
  const client = new net.Socket();

  client.on('connect', mustCall(() => {
    client.end();
  }));

  const address = addressOf(server);
  // The address object has no host, so the client connects to 'localhost' with the server's family. The
  // original connects by port alone where the host has no IPv6; we do too where 'localhost' has no IPv6
  // address (this container's /etc/hosts maps it to 127.0.0.1 only).
  if ((!hasIPv6 || !localhostHasIPv6) && address.family === 'IPv6') {
    client.connect(address.port);
  } else {
    client.connect(address as { port: number });
  }
}));
