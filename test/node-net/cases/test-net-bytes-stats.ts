// Behaviour of Node v20.11.1 test/parallel/test-net-bytes-stats.js (denoland/node_test@c5baef08e6692c16940b82e2ee5d778a11da64d7), rewritten for mpt.
// bytesRead / bytesWritten count each connection of a socket that reconnects after 'close'
// (socket.connect(port) again on the same socket object).
import assert from 'node:assert';
import net from '../shim.js';
import { portOf } from '../common.js';

let bytesRead = 0;
let bytesWritten = 0;
let count = 0;

const tcp = new net.Server((s) => {
  s.resume();
  s.on('end', () => {
    bytesRead += s.bytesRead;
  });
});

tcp.listen(0, () => {
  const socket = net.createConnection(portOf(tcp));
  socket.on('connect', () => {
    count++;
    socket.write('foo', () => {
      socket.end('bar');
    });
  });
  socket.on('finish', () => {
    bytesWritten += socket.bytesWritten;
  });
  socket.on('close', () => {
    if (count < 2) {
      socket.connect(portOf(tcp));
    } else {
      tcp.close();
    }
  });
});

process.on('exit', () => {
  assert.strictEqual(bytesRead, 12);
  assert.strictEqual(bytesWritten, 12);
});
