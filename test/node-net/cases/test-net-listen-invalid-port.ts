// Behaviour of Node v20.11.1 test/parallel/test-net-listen-invalid-port.js (denoland/node_test@c5baef08e6692c16940b82e2ee5d778a11da64d7), rewritten for mpt.
// listen() with port 2**32-1 (in the options, alone, or with a host) throws RangeError
// ERR_SOCKET_BAD_PORT synchronously; listen(0) works.
import assert from 'node:assert';
import net from '../shim.js';
import { mustCall, mustNotCall } from '../common.js';

const invalidPort = -1 >>> 0;

const ok = new net.Server();
ok.listen(0, mustCall(() => {
  // (The original also checks the internal _connectionKey.)
  ok.close();
}));

const bad = { code: 'ERR_SOCKET_BAD_PORT', name: 'RangeError' };
assert.throws(() => {
  new net.Server().listen({ port: invalidPort }, mustNotCall());
}, bad);

assert.throws(() => {
  new net.Server().listen(invalidPort, mustNotCall());
}, bad);

assert.throws(() => {
  new net.Server().listen(invalidPort, '0.0.0.0', mustNotCall());
}, bad);
