// Behaviour of Node v20.11.1 test/parallel/test-net-bind-twice.js (denoland/node_test@c5baef08e6692c16940b82e2ee5d778a11da64d7), rewritten for mpt.
// A second server listening on the port and address a first one holds gets 'error' EADDRINUSE.
import assert from 'node:assert';
import net from '../shim.js';
import { mustCall, mustNotCall, portOf } from '../common.js';

const server1 = net.createServer(mustNotCall());
server1.listen(0, '127.0.0.1', mustCall(() => {
  const server2 = net.createServer(mustNotCall());
  server2.listen(portOf(server1), '127.0.0.1', mustNotCall());
  server2.on('error', mustCall((e: NodeJS.ErrnoException) => {
    assert.strictEqual(e.code, 'EADDRINUSE');
    server1.close();
  }));
}));
