// Behaviour of Node v20.11.1 test/parallel/test-net-socket-destroy-send.js (denoland/node_test@c5baef08e6692c16940b82e2ee5d778a11da64d7), rewritten for mpt.
// destroy() returns the socket, also when called again; a write after it gets ERR_STREAM_DESTROYED in
// its callback and no 'error'.
import assert from 'node:assert';
import net from '../shim.js';
import { expectsError, mustCall, mustNotCall, portOf } from '../common.js';

const server = net.createServer();
server.listen(0, mustCall(() => {
  const conn = net.createConnection(portOf(server));

  conn.on('connect', mustCall(() => {
    assert.strictEqual(conn, conn.destroy().destroy());
    conn.on('error', mustNotCall());

    conn.write(Buffer.from('kaboom'), expectsError({
      code: 'ERR_STREAM_DESTROYED',
      message: 'Cannot call write after a stream was destroyed',
      name: 'Error',
    }));
    server.close();
  }));
}));
