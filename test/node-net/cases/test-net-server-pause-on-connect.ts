// Behaviour of Node v20.11.1 test/parallel/test-net-server-pause-on-connect.js (denoland/node_test@c5baef08e6692c16940b82e2ee5d778a11da64d7), rewritten for mpt.
// createServer({ pauseOnConnect: true }): the accepted socket reads nothing (bytesRead 0) until
// resume(); with pauseOnConnect: false data flows at once.
import assert from 'node:assert';
import type { Socket } from 'node:net';
import net from '../shim.js';
import { mustCall, portOf } from '../common.js';

const msg = 'test';
let stopped = true;
let server1Sock: Socket;

const server1ConnHandler = mustCall((socket: Socket) => {
  socket.on('data', mustCall((data: Buffer) => {
    if (stopped) assert.fail('data event should not have happened yet');
    assert.strictEqual(data.toString(), msg);
    socket.end();
    server1.close();
  }));
  server1Sock = socket;
});

const server1 = net.createServer({ pauseOnConnect: true }, server1ConnHandler);

const server2ConnHandler = mustCall((socket: Socket) => {
  socket.on('data', mustCall((data: Buffer) => {
    assert.strictEqual(data.toString(), msg);
    socket.end();
    server2.close();

    assert.strictEqual(server1Sock.bytesRead, 0);
    server1Sock.resume();
    stopped = false;
  }));
});

const server2 = net.createServer({ pauseOnConnect: false }, server2ConnHandler);

server1.listen(0, mustCall(() => {
  const clientHandler = mustCall(() => {
    server2.listen(0, () => {
      net.createConnection({ port: portOf(server2) }).write(msg);
    });
  });
  net.createConnection({ port: portOf(server1) }).write(msg, clientHandler);
}));

process.on('exit', () => {
  assert.strictEqual(stopped, false);
});
