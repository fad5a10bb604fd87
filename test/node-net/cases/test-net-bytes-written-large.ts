// Behaviour of Node v20.11.1 test/parallel/test-net-bytes-written-large.js (denoland/node_test@c5baef08e6692c16940b82e2ee5d778a11da64d7), rewritten for mpt.
// bytesWritten counts a 10 MB write at once (Buffer, string, and a corked pair), and the reader's
// bytesRead ends equal to it.
import assert from 'node:assert';
import net from '../shim.js';
import { mustCall, portOf } from '../common.js';

const N = 10_000_000;

{
  // A Buffer.
  const server = net.createServer(mustCall((socket) => {
    socket.end(Buffer.alloc(N), mustCall(() => {
      assert.strictEqual(socket.bytesWritten, N);
    }));
    assert.strictEqual(socket.bytesWritten, N);
  })).listen(0, mustCall(() => {
    const client = net.connect(portOf(server));
    client.resume();
    client.on('close', mustCall(() => {
      assert.strictEqual(client.bytesRead, N);
      server.close();
    }));
  }));
}

{
  // A string.
  const server = net.createServer(mustCall((socket) => {
    socket.end('a'.repeat(N), mustCall(() => {
      assert.strictEqual(socket.bytesWritten, N);
    }));
    assert.strictEqual(socket.bytesWritten, N);
  })).listen(0, mustCall(() => {
    const client = net.connect(portOf(server));
    client.resume();
    client.on('close', mustCall(() => {
      assert.strictEqual(client.bytesRead, N);
      server.close();
    }));
  }));
}

{
  // writev() with mixed data.
  const server = net.createServer(mustCall((socket) => {
    socket.cork();
    socket.write('a'.repeat(N));
    assert.strictEqual(socket.bytesWritten, N);
    socket.write(Buffer.alloc(N));
    assert.strictEqual(socket.bytesWritten, 2 * N);
    socket.end('', mustCall(() => {
      assert.strictEqual(socket.bytesWritten, 2 * N);
    }));
    socket.uncork();
  })).listen(0, mustCall(() => {
    const client = net.connect(portOf(server));
    client.resume();
    client.on('close', mustCall(() => {
      assert.strictEqual(client.bytesRead, 2 * N);
      server.close();
    }));
  }));
}
