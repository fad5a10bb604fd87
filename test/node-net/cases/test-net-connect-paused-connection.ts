// Behaviour of Node v20.11.1 test/parallel/test-net-connect-paused-connection.js (denoland/node_test@c5baef08e6692c16940b82e2ee5d778a11da64d7), rewritten for mpt.
// A paused client connection does not keep the process alive once the server and its accepted
// socket are unref'd: the process exits before the 1 s timer.
import net from '../shim.js';
import { mustCall, mustNotCall, portOf } from '../common.js';

const server = net.createServer((conn) => {
  conn.unref();
}).listen(0, mustCall(() => {
  net.connect(portOf(server), 'localhost').pause();
  setTimeout(mustNotCall('expected to exit'), 1000).unref();
})).unref();
