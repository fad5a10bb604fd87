// Behaviour of Node v20.11.1 test/parallel/test-net-connect-reset-after-destroy.js (denoland/node_test@c5baef08e6692c16940b82e2ee5d778a11da64d7), rewritten for mpt.
// resetAndDestroy() once connected returns the socket (and destroy() after it too); the server side
// gets 'error' ECONNRESET "read ECONNRESET"; a later write's callback gets ERR_STREAM_DESTROYED and
// the client emits no 'error'.
import assert from 'node:assert';
import net from '../shim.js';
import { expectsError, mustCall, mustNotCall, portOf } from '../common.js';

const server = net.createServer();
server.listen(0, mustCall(() => {
  const port = portOf(server);
  const conn = net.createConnection(port);
  server.on('connection', (socket) => {
    socket.on('error', expectsError({ code: 'ECONNRESET', message: 'read ECONNRESET', name: 'Error' }));
  });

  conn.on('connect', mustCall(() => {
    assert.strictEqual(conn, conn.resetAndDestroy().destroy());
    conn.on('error', mustNotCall());
    conn.write(Buffer.from('fzfzfzfzfz'), expectsError({
      code: 'ERR_STREAM_DESTROYED',
      message: 'Cannot call write after a stream was destroyed',
      name: 'Error',
    }));
    server.close();
  }));
}));
