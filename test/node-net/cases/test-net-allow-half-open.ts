// Behaviour of Node v20.11.1 test/parallel/test-net-allow-half-open.js (denoland/node_test@c5baef08e6692c16940b82e2ee5d778a11da64d7), rewritten for mpt.
// allowHalfOpen defaults to false: when the peer ends, the socket ends its side too and is not
// destroyed before that shutdown completes ('end', 'finish' then 'close').
import assert from 'node:assert';
import net from '../shim.js';
import { mustCall, portOf } from '../common.js';

{
  const server = net.createServer(mustCall((socket) => {
    socket.end(Buffer.alloc(1024));
  })).listen(0, mustCall(() => {
    const socket = net.connect(portOf(server));
    assert.strictEqual(socket.allowHalfOpen, false);
    socket.resume();
    socket.on('end', mustCall(() => {
      process.nextTick(() => {
        // Not destroyed straight away without a proper shutdown.
        assert.ok(!socket.destroyed);
        server.close();
      });
    }));
    socket.on('finish', mustCall(() => {
      assert.ok(!socket.destroyed);
    }));
    socket.on('close', mustCall());
  }));
}

{
  const server = net.createServer(mustCall((socket) => {
    socket.end(Buffer.alloc(1024));
  })).listen(0, mustCall(() => {
    const socket = net.connect(portOf(server));
    assert.strictEqual(socket.allowHalfOpen, false);
    socket.resume();
    socket.on('end', mustCall(() => {
      assert.ok(!socket.destroyed);
    }));
    socket.end('asd');
    socket.on('finish', mustCall(() => {
      assert.ok(!socket.destroyed);
    }));
    socket.on('close', mustCall(() => {
      server.close();
    }));
  }));
}
