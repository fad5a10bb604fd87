// Behaviour of Node v20.11.1 test/parallel/test-net-write-after-end-nt.js (denoland/node_test@c5baef08e6692c16940b82e2ee5d778a11da64d7), rewritten for mpt.
// A write at 'end' after the client's own end(): returns false, its callback gets EPIPE "This socket
// has been ended by the other party", and the 'error' comes on a later tick.
import assert from 'node:assert';
import net from '../shim.js';
import { expectsError, mustCall, portOf } from '../common.js';

const server = net.createServer(mustCall((socket) => {
  socket.end();
})).listen(mustCall(() => {
  const client = net.connect(portOf(server), mustCall(() => {
    let hasError = false;
    client.on('error', mustCall(() => {
      hasError = true;
      server.close();
    }));
    client.on('end', mustCall(() => {
      const ret = client.write('hello', expectsError({
        code: 'EPIPE',
        message: 'This socket has been ended by the other party',
        name: 'Error',
      }));

      assert.strictEqual(ret, false);
      assert.ok(!hasError, 'The error should be emitted in the next tick.');
    }));
    client.end();
  }));
}));
