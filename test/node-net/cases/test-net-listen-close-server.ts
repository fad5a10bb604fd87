// Behaviour of Node v20.11.1 test/parallel/test-net-listen-close-server.js (denoland/node_test@c5baef08e6692c16940b82e2ee5d778a11da64d7), rewritten for mpt.
// close() right after listen(0): no 'listening' callback, no 'error', no connection.
import net from '../shim.js';
import { mustNotCall } from '../common.js';

const server = net.createServer(mustNotCall());
server.listen(0, mustNotCall());
server.on('error', mustNotCall());
server.close();
