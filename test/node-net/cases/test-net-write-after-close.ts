// Behaviour of Node v20.11.1 test/parallel/test-net-write-after-close.js (denoland/node_test@c5baef08e6692c16940b82e2ee5d778a11da64d7), rewritten for mpt.
// Once the client ended and got the server's FIN ('end'), a write on the server's socket calls back
// with an error, and the server socket emits no 'error'.
import assert from 'node:assert';
import type { Socket } from 'node:net';
import net from '../shim.js';
import { mustCall, mustNotCall, portOf } from '../common.js';

let serverSocket: Socket;

const server = net.createServer(mustCall((socket) => {
  serverSocket = socket;
  socket.resume();
  socket.on('error', mustNotCall());
}));

server.listen(0, mustCall(() => {
  const client = net.connect(portOf(server), mustCall(() => {
    // client.end() closes both sides (allowHalfOpen is false); 'end' comes with the server's FIN.
    client.on('end', mustCall(() => {
      serverSocket.write('test', mustCall((err?: Error | null) => {
        assert.ok(err);
        server.close();
      }));
    }));
    client.end();
  }));
}));
