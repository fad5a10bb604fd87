// Behaviour of Node v20.11.1 test/parallel/test-net-large-string.js (denoland/node_test@c5baef08e6692c16940b82e2ee5d778a11da64d7), rewritten for mpt.
// A 40 Ki-character UTF-8 string (3 bytes per character) written at once arrives whole when read
// with setEncoding('UTF-8').
import assert from 'node:assert';
import net from '../shim.js';
import { mustCall, portOf } from '../common.js';

const kPoolSize = 40 * 1024;
const data = 'あ'.repeat(kPoolSize);
const encoding = 'UTF-8';

const server = net.createServer(mustCall((socket) => {
  let receivedSize = 0;
  socket.setEncoding(encoding as BufferEncoding);
  socket.on('data', (chunk: string) => {
    receivedSize += chunk.length;
  });
  socket.on('end', mustCall(() => {
    assert.strictEqual(receivedSize, kPoolSize);
    socket.end();
  }));
}));

server.listen(0, () => {
  const client = net.createConnection(portOf(server));
  client.on('end', () => {
    server.close();
  });
  client.write(data, encoding as BufferEncoding);
  client.end();
});
