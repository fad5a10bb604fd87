// Behaviour of Node v20.11.1 test/parallel/test-net-pause-resume-connecting.js (denoland/node_test@c5baef08e6692c16940b82e2ee5d778a11da64d7), rewritten for mpt.
// pause()/resume() called while connecting take effect: of five clients, the three left flowing get
// 'data', the two left paused get none (until they are resumed with no 'data' listener).
import assert from 'node:assert';
import type { Socket } from 'node:net';
import net from '../shim.js';
import { mustNotCall, portOf } from '../common.js';

let connections = 0;
let dataEvents = 0;
let conn: Socket;

const server = net.createServer((c) => {
  connections++;
  c.end('This was the year he fell to pieces.');
  if (connections === 5) server.close();
});

server.listen(0, () => {
  const port = portOf(server);
  // Client 1
  conn = net.createConnection(port, 'localhost');
  conn.resume();
  conn.on('data', onDataOk);

  // Client 2
  conn = net.createConnection(port, 'localhost');
  conn.pause();
  conn.resume();
  conn.on('data', onDataOk);

  // Client 3
  conn = net.createConnection(port, 'localhost');
  conn.pause();
  conn.on('data', mustNotCall());
  scheduleTearDown(conn);

  // Client 4
  conn = net.createConnection(port, 'localhost');
  conn.resume();
  conn.pause();
  conn.resume();
  conn.on('data', onDataOk);

  // Client 5
  conn = net.createConnection(port, 'localhost');
  conn.resume();
  conn.resume();
  conn.pause();
  conn.on('data', mustNotCall());
  scheduleTearDown(conn);

  function onDataOk() {
    dataEvents++;
  }

  function scheduleTearDown(c: Socket) {
    setTimeout(() => {
      c.removeAllListeners('data');
      c.resume();
    }, 100);
  }
});

process.on('exit', () => {
  assert.strictEqual(connections, 5);
  assert.strictEqual(dataEvents, 3);
});
