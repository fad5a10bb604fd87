// Behaviour of Node v20.11.1 test/parallel/test-net-reconnect.js (denoland/node_test@c5baef08e6692c16940b82e2ee5d778a11da64d7), rewritten for mpt.
// One socket object connects, exchanges a line and closes cleanly 51 times in a row
// (socket.connect(port) again from 'close'): 'end' and 'data' each time, hadError false everywhere.
import assert from 'node:assert';
import net from '../shim.js';
import { mustCall, mustCallAtLeast, portOf } from '../common.js';

const N = 50;
let clientRecvCount = 0;
let clientEndCount = 0;
let disconnectCount = 0;

const server = net.createServer(mustCallAtLeast((socket) => {
  socket.resume();
  socket.write('hello\r\n');
  socket.on('end', () => {
    socket.end();
  });
  socket.on('close', mustCall((hadError: boolean) => {
    assert.strictEqual(hadError, false);
  }));
}));

server.listen(0, mustCall(() => {
  const client = net.createConnection(portOf(server));
  client.setEncoding('utf8');

  client.on('data', mustCallAtLeast((chunk: string) => {
    clientRecvCount += 1;
    assert.strictEqual(chunk, 'hello\r\n');
    client.end();
  }));

  client.on('end', () => {
    clientEndCount++;
  });

  client.on('close', mustCallAtLeast((hadError: boolean) => {
    assert.strictEqual(hadError, false);
    if (disconnectCount++ < N) client.connect(portOf(server)); // reconnect
    else server.close();
  }));
}));

process.on('exit', () => {
  assert.strictEqual(disconnectCount, N + 1);
  assert.strictEqual(clientRecvCount, N + 1);
  assert.strictEqual(clientEndCount, N + 1);
});
