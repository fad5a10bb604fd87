// Behaviour of Node v20.11.1 test/parallel/test-net-can-reset-timeout.js (denoland/node_test@c5baef08e6692c16940b82e2ee5d778a11da64d7), rewritten for mpt.
// Writing from a 'timeout' listener resets the timer; the exchange then ends normally on both sides.
import net from '../shim.js';
import { mustCall, portOf } from '../common.js';

const server = net.createServer(mustCall((stream) => {
  stream.setTimeout(100);
  stream.resume();
  stream.once('timeout', mustCall(() => {
    // Try to reset the timeout.
    stream.write('WHAT.');
  }));
  stream.on('end', mustCall(() => {
    stream.end();
  }));
}));

server.listen(0, mustCall(() => {
  const c = net.createConnection(portOf(server));
  c.on('data', () => {
    c.end();
  });
  c.on('end', () => {
    server.close();
  });
}));
