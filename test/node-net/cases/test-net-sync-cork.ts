// Behaviour of Node v20.11.1 test/parallel/test-net-sync-cork.js (denoland/node_test@c5baef08e6692c16940b82e2ee5d778a11da64d7), rewritten for mpt.
// 100 rounds of cork(), two 2-byte writes, uncork() right after 'connect': write() keeps returning
// true (nothing near the high-water mark), and the server reads it all with no 'error' until 'close'.
import assert from 'node:assert';
import type { Socket } from 'node:net';
import net from '../shim.js';
import { mustCall, mustNotCall, portOf } from '../common.js';

const N = 100;
const buf = Buffer.alloc(2, 'a');

const server = net.createServer(handle);

server.listen(0, mustCall(() => {
  const conn = net.connect(portOf(server));

  conn.on('connect', mustCall(() => {
    let res = true;
    let i = 0;
    for (; i < N && res; i++) {
      conn.cork();
      conn.write(buf);
      res = conn.write(buf);
      conn.uncork();
    }
    assert.strictEqual(i, N);
    conn.end();
  }));
}));

function handle(socket: Socket) {
  socket.resume();
  socket.on('error', mustNotCall())
    .on('close', mustCall(() => server.close()));
}
