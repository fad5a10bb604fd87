// Behaviour of Node v20.11.1 test/parallel/test-net-remote-address-port.js (denoland/node_test@c5baef08e6692c16940b82e2ee5d778a11da64d7), rewritten for mpt.
// remoteAddress/remoteFamily/remotePort: undefined while connecting; loopback, IPv4/IPv6 and the
// server's port once connected and still at 'close'; on the server side the client's (a port other
// than the server's).
import assert from 'node:assert';
import net from '../shim.js';
import { localhostIPv4, mustCall, portOf } from '../common.js';

let connsClosed = 0;
const remoteAddrCandidates = [localhostIPv4, '::1', '::ffff:127.0.0.1'];
const remoteFamilyCandidates = ['IPv4', 'IPv6'];

const server = net.createServer(mustCall((socket) => {
  assert.ok(remoteAddrCandidates.includes(socket.remoteAddress as string), `Invalid remoteAddress: ${socket.remoteAddress}`);
  assert.ok(remoteFamilyCandidates.includes(socket.remoteFamily as string), `Invalid remoteFamily: ${socket.remoteFamily}`);
  assert.ok(socket.remotePort);
  assert.notStrictEqual(socket.remotePort, portOf(server));
  socket.on('end', () => {
    if (++connsClosed === 2) server.close();
  });
  socket.on('close', mustCall(() => {
    assert.ok(remoteAddrCandidates.includes(socket.remoteAddress as string));
    assert.ok(remoteFamilyCandidates.includes(socket.remoteFamily as string));
  }));
  socket.resume();
}, 2));

server.listen(0, mustCall(() => {
  const client = net.createConnection(portOf(server), '127.0.0.1');
  const client2 = net.createConnection(portOf(server));

  assert.strictEqual(client.remoteAddress, undefined);
  assert.strictEqual(client.remoteFamily, undefined);
  assert.strictEqual(client.remotePort, undefined);
  assert.strictEqual(client2.remoteAddress, undefined);
  assert.strictEqual(client2.remoteFamily, undefined);
  assert.strictEqual(client2.remotePort, undefined);

  for (const c of [client, client2]) {
    c.on('connect', mustCall(() => {
      assert.ok(remoteAddrCandidates.includes(c.remoteAddress as string));
      assert.ok(remoteFamilyCandidates.includes(c.remoteFamily as string));
      assert.strictEqual(c.remotePort, portOf(server));
      c.end();
    }));
    c.on('close', mustCall(() => {
      assert.ok(remoteAddrCandidates.includes(c.remoteAddress as string));
      assert.ok(remoteFamilyCandidates.includes(c.remoteFamily as string));
    }));
  }
}));
