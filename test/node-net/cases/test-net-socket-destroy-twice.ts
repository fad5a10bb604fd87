// Behaviour of Node v20.11.1 test/parallel/test-net-socket-destroy-twice.js (denoland/node_test@c5baef08e6692c16940b82e2ee5d778a11da64d7), rewritten for mpt.
// A connect to a server closed in the same tick fails with 'error' (the address was there at once
// after listen(0)); destroy() from the 'error' listener is harmless and 'close' comes once.
import net from '../shim.js';
import { mustCall, portOf } from '../common.js';

const server = net.createServer();
server.listen(0);
const port = portOf(server);
const conn = net.createConnection(port);

conn.on('error', mustCall(() => {
  conn.destroy();
}));

conn.on('close', mustCall());

server.close();
