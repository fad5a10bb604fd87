// Behaviour of Node v20.11.1 test/parallel/test-net-write-slow.js (denoland/node_test@c5baef08e6692c16940b82e2ee5d778a11da64d7), rewritten for mpt.
// 10 x 200 kB written at once to a client that pauses 20 ms after each 'data': every write callback
// runs, nothing times out (setTimeout 9999 on the server), and every byte arrives before 'end'.
import assert from 'node:assert';
import net from '../shim.js';
import { mustCall, portOf } from '../common.js';

const SIZE = 2e5;
const N = 10;
let flushed = 0;
let received = 0;
const buf = Buffer.alloc(SIZE, 'a');

const server = net.createServer((socket) => {
  socket.setNoDelay();
  socket.setTimeout(9999);
  socket.on('timeout', () => {
    assert.fail(`flushed: ${flushed}, received: ${received}/${SIZE * N}`);
  });

  for (let i = 0; i < N; ++i) {
    socket.write(buf, () => {
      ++flushed;
      if (flushed === N) socket.setTimeout(0);
    });
  }
  socket.end();
}).listen(0, mustCall(() => {
  const conn = net.connect(portOf(server));
  conn.on('data', (chunk: Buffer) => {
    received += chunk.length;
    conn.pause();
    setTimeout(() => {
      conn.resume();
    }, 20);
  });
  conn.on('end', mustCall(() => {
    server.close();
    assert.strictEqual(received, SIZE * N);
  }));
}));
