// Behaviour of Node v20.11.1 test/parallel/test-net-keepalive.js (denoland/node_test@c5baef08e6692c16940b82e2ee5d778a11da64d7), rewritten for mpt.
// setKeepAlive(true, 50) on an accepted socket (setTimeout(0) on both ends) keeps both sides 'open'
// (readyState) 100 ms later.
import assert from 'node:assert';
import type { Socket } from 'node:net';
import net from '../shim.js';
import { mustCall, portOf } from '../common.js';

let serverConnection: Socket;
let clientConnection: Socket;

const echoServer = net.createServer(mustCall((connection) => {
  serverConnection = connection;
  setTimeout(mustCall(() => {
    // Both connections are still open.
    assert.strictEqual(serverConnection.readyState, 'open');
    assert.strictEqual(clientConnection.readyState, 'open');
    serverConnection.end();
    clientConnection.end();
    echoServer.close();
  }), 100);
  connection.setTimeout(0);
  assert.notStrictEqual(connection.setKeepAlive, undefined);
  // A keepalive after 50 ms.
  connection.setKeepAlive(true, 50);
  connection.on('end', () => {
    connection.end();
  });
}));
echoServer.listen(0);

echoServer.on('listening', () => {
  clientConnection = net.createConnection(portOf(echoServer));
  clientConnection.setTimeout(0);
});
