// Behaviour of Node v20.11.1 test/parallel/test-net-server-call-listen-multiple-times.js (denoland/node_test@c5baef08e6692c16940b82e2ee5d778a11da64d7), rewritten for mpt.
// listen() again after an EADDRINUSE 'error' works; listen() while listening throws
// ERR_SERVER_ALREADY_LISTEN; listen() again after close() works.
import assert from 'node:assert';
import net from '../shim.js';
import { mustCall, portOf } from '../common.js';

{
  const dummyServer = new net.Server();
  const server = new net.Server();

  // A running server, to cause EADDRINUSE.
  dummyServer.listen(mustCall(() => {
    server.listen(portOf(dummyServer));
  }));

  server.on('error', mustCall(() => {
    server.listen(mustCall(() => {
      dummyServer.close();
      server.close();
    }));
  }));
}

{
  const server = new net.Server();
  server.listen(mustCall(() => server.close()));
  assert.throws(() => server.listen(), { code: 'ERR_SERVER_ALREADY_LISTEN', name: 'Error' });
}

{
  const server = new net.Server();
  server.listen(mustCall(() => {
    server.close();
    server.listen(mustCall(() => server.close()));
  }));
}
