// Behaviour of Node v20.11.1 test/parallel/test-net-connect-buffer.js (denoland/node_test@c5baef08e6692c16940b82e2ee5d778a11da64d7), rewritten for mpt.
// Writes made while connecting are queued: pending/connecting/readyState say so, bytesWritten counts
// bytes (not characters) once, write() returns false with highWaterMark 0, the callback runs after
// 'connect', and after 'close' the socket is pending again.
import assert from 'node:assert';
import net from '../shim.js';
import { mustCall, portOf } from '../common.js';

const tcp = new net.Server(mustCall((s) => {
  tcp.close();
  let buf = '';
  s.setEncoding('utf8');
  s.on('data', (d: string) => {
    buf += d;
  });
  s.on('end', mustCall(() => {
    assert.strictEqual(buf, "L'État, c'est moi");
    s.end();
  }));
}));

tcp.listen(0, mustCall(() => {
  const socket = new net.Socket({ highWaterMark: 0 } as ConstructorParameters<typeof net.Socket>[0]);
  let connected = false;
  assert.strictEqual(socket.pending, true);
  socket.connect(portOf(tcp), mustCall(() => (connected = true)));
  assert.strictEqual(socket.pending, true);
  assert.strictEqual(socket.connecting, true);
  assert.strictEqual(socket.readyState, 'opening');

  // A multi-byte character: bytesWritten counts bytes, not characters.
  const a = "L'État, c'est ";
  const b = 'moi';
  // Still connecting: the write is queued, and must not be counted again when it really goes out.
  const r = socket.write(a, mustCall(() => {
    assert.ok(connected);
    assert.strictEqual(socket.bytesWritten, Buffer.from(a + b).length);
    assert.strictEqual(socket.pending, false);
  }));
  socket.on('close', mustCall(() => {
    assert.strictEqual(socket.pending, true);
  }));
  assert.strictEqual(socket.bytesWritten, Buffer.from(a).length);
  assert.strictEqual(r, false);
  socket.end(b);
  assert.strictEqual(socket.readyState, 'opening');
}));
