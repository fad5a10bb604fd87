// Behaviour of Node v20.11.1 test/parallel/test-net-binary.js (denoland/node_test@c5baef08e6692c16940b82e2ee5d778a11da64d7), rewritten for mpt.
// Every byte value 0-255 survives a round trip through an echo server in 'latin1'/'binary' encoding.
import assert from 'node:assert';
import net from '../shim.js';
import { mustCall, portOf } from '../common.js';

let binaryString = '';
for (let i = 255; i >= 0; i--) {
  const s = String.fromCharCode(i);
  assert.strictEqual(s.charCodeAt(0), i);
  binaryString += s;
}

const echoServer = new net.Server((connection) => {
  connection.setEncoding('latin1');
  connection.on('data', (chunk: string) => {
    connection.write(chunk, 'latin1');
  });
  connection.on('end', () => {
    connection.end();
  });
});
echoServer.listen(0);

let recv = '';
echoServer.on('listening', mustCall(() => {
  let j = 0;
  const c = net.createConnection({ port: portOf(echoServer) });
  c.setEncoding('latin1');
  c.on('data', (chunk: string) => {
    const n = j + chunk.length;
    while (j < n && j < 256) {
      c.write(String.fromCharCode(j), 'latin1');
      j++;
    }
    if (j === 256) c.end();
    recv += chunk;
  });
  c.on('connect', () => {
    c.write(binaryString, 'binary');
  });
  c.on('close', mustCall(() => {
    echoServer.close();
  }));
}));

process.on('exit', () => {
  assert.strictEqual(recv.length, 2 * 256);
  const a = recv.split('');
  const first = a.slice(0, 256).reverse().join('');
  const second = a.slice(256, 2 * 256).join('');
  assert.strictEqual(first, second);
});
