// Behaviour of Node v20.11.1 test/parallel/test-net-socket-end-callback.js (denoland/node_test@c5baef08e6692c16940b82e2ee5d778a11da64d7), rewritten for mpt.
// end(cb), end(data, cb) and end(data, encoding, cb) each call cb (the server being unref'd).
import net from '../shim.js';
import { mustCall, portOf } from '../common.js';

const server = net.createServer((socket) => {
  socket.resume();
}).unref();

server.listen(mustCall(() => {
  const connect = (...args: unknown[]) => {
    const socket = net.createConnection(portOf(server), () => {
      (socket.end as (...a: unknown[]) => unknown)(...args);
    });
  };

  const cb = mustCall(undefined, 3);

  connect(cb);
  connect('foo', cb);
  connect('foo', 'utf8', cb);
}));
