// Behaviour of Node v20.11.1 test/parallel/test-net-connect-options-allowhalfopen.js (denoland/node_test@c5baef08e6692c16940b82e2ee5d778a11da64d7), rewritten for mpt.
// allowHalfOpen: true given to connect(), createConnection() and new Socket() in all six forms: after
// the server's FIN the client is not readable but still writable, its write goes through, and each
// server socket sees 'end' once.
import assert from 'node:assert';
import type { Socket } from 'node:net';
import net from '../shim.js';
import { localhostIPv4, mustCall, portOf } from '../common.js';

const CLIENT_VARIANTS = 6;
const host = localhostIPv4;
let serverConnections = 0;
let serverReceivedFIN = 0;

function serverOnConnection(socket: Socket & { clientId?: string }) {
  serverConnections++;
  socket.resume();
  socket.on('data', mustCall((data: Buffer) => {
    socket.clientId = data.toString();
  }));
  // 'end' must not be emitted twice on any socket.
  socket.on('end', mustCall(() => {
    if (++serverReceivedFIN < CLIENT_VARIANTS) return;
    setTimeout(() => {
      server.close();
    }, 50);
  }));
  socket.end();
}

function clientOnConnect(index: number) {
  return mustCall(function (this: Socket) {
    const client = this;
    client.resume();
    client.on('end', mustCall(() => {
      setTimeout(mustCall(() => {
        // allowHalfOpen: still writable after the server's FIN, but not readable.
        assert.ok(!client.readable);
        assert.ok(client.writable);
        assert.ok(client.write(String(index)));
        client.end();
      }), 50);
    }));
    client.on('close', mustCall());
  });
}

function serverOnListen() {
  const port = portOf(server);
  const opts = { allowHalfOpen: true, host, port };
  net.connect(opts, clientOnConnect(1));
  net.connect(opts).on('connect', clientOnConnect(2));
  net.createConnection(opts, clientOnConnect(3));
  net.createConnection(opts).on('connect', clientOnConnect(4));
  new net.Socket(opts).connect(opts, clientOnConnect(5));
  new net.Socket(opts).connect(opts).on('connect', clientOnConnect(6));
}

const server = net.createServer({ allowHalfOpen: true })
  .on('connection', mustCall(serverOnConnection, CLIENT_VARIANTS))
  .on('close', mustCall())
  .listen(0, host, mustCall(serverOnListen));

process.on('exit', () => {
  assert.strictEqual(serverConnections, CLIENT_VARIANTS);
});
