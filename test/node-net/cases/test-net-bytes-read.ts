// Behaviour of Node v20.11.1 test/parallel/test-net-bytes-read.js (denoland/node_test@c5baef08e6692c16940b82e2ee5d778a11da64d7), rewritten for mpt.
// bytesRead grows with every 'data' and equals the whole payload at 'end' and at 'close'.
import assert from 'node:assert';
import type { Socket } from 'node:net';
import net from '../shim.js';
import { mustCall, mustCallAtLeast, portOf } from '../common.js';

const big = Buffer.alloc(1024 * 1024);

const server = net.createServer(mustCall((socket) => {
  socket.end(big);
  server.close();
})).listen(0, mustCall(() => {
  let prev = 0;
  const socket: Socket = net.connect(portOf(server), mustCall(() => {
    socket.on('data', mustCallAtLeast(() => {
      assert.ok(socket.bytesRead > prev);
      prev = socket.bytesRead;
    }));
    socket.on('end', mustCall(() => {
      assert.strictEqual(socket.bytesRead, prev);
      assert.strictEqual(big.length, prev);
    }));
    socket.on('close', mustCall(() => {
      // (The original also checks that the internal _handle is gone.)
      assert.strictEqual(socket.bytesRead, prev);
      assert.strictEqual(big.length, prev);
    }));
    socket.end();
  }));
}));
