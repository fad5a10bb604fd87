// Behaviour of Node v20.11.1 test/parallel/test-net-connect-immediate-destroy.js (denoland/node_test@c5baef08e6692c16940b82e2ee5d778a11da64d7), rewritten for mpt.
// listen(0) has its address at once; a connect destroyed in the same tick (the server closed too)
// emits neither 'connect' nor 'error'.
import net from '../shim.js';
import { localhostIPv4, mustNotCall, portOf } from '../common.js';

const server = net.createServer();
server.listen(0);
const port = portOf(server);
const socket = net.connect(port, localhostIPv4, mustNotCall());
socket.on('error', mustNotCall());
server.close();
socket.destroy();
