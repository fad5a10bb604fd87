// Behaviour of Node v20.11.1 test/parallel/test-net-connect-reset-until-connected.js (denoland/node_test@c5baef08e6692c16940b82e2ee5d778a11da64d7), rewritten for mpt.
// resetAndDestroy() once both the client's 'connect' and the server's 'connection' happened: the
// client closes, and the server's socket gets 'error' ECONNRESET "read ECONNRESET".
import net from '../shim.js';
import { expectsError, mustCall, portOf } from '../common.js';

function barrier(count: number, cb: () => void) {
  return () => {
    if (--count === 0) cb();
  };
}

const server = net.createServer();
server.listen(0, mustCall(() => {
  const port = portOf(server);
  const conn = net.createConnection(port);
  const connok = barrier(2, () => conn.resetAndDestroy());
  conn.on('close', mustCall());
  server.on('connection', (socket) => {
    connok();
    socket.on('error', expectsError({ code: 'ECONNRESET', message: 'read ECONNRESET', name: 'Error' }));
    server.close();
  });
  conn.on('connect', connok);
}));
