// Behaviour of Node v20.11.1 test/parallel/test-net-socket-local-address.js (denoland/node_test@c5baef08e6692c16940b82e2ee5d778a11da64d7), rewritten for mpt.
// One Socket object connects twice in a row (connect() returns it); each time its localPort is the
// remotePort the server saw.
import assert from 'node:assert';
import net from '../shim.js';
import { localhostIPv4, mustCall, portOf } from '../common.js';

let conns = 0;
const clientLocalPorts: (number | undefined)[] = [];
const serverRemotePorts: (number | undefined)[] = [];
const client = new net.Socket();
const server = net.createServer((socket) => {
  serverRemotePorts.push(socket.remotePort);
  socket.end();
});

server.on('close', mustCall(() => {
  // Client and server agree on the ports used.
  assert.deepStrictEqual(serverRemotePorts, clientLocalPorts);
  assert.strictEqual(conns, 2);
}));

server.listen(0, localhostIPv4, connect);

function connect() {
  if (conns === 2) {
    server.close();
    return;
  }
  conns++;
  client.once('close', connect);
  assert.strictEqual(
    client,
    client.connect(portOf(server), localhostIPv4, () => {
      clientLocalPorts.push(client.localPort);
    }),
  );
}
