// Behaviour of Node v20.11.1 test/parallel/test-net-server-listen-options-signal.js (denoland/node_test@c5baef08e6692c16940b82e2ee5d778a11da64d7), rewritten for mpt.
// listen({ signal }): a signal that is no AbortSignal throws ERR_INVALID_ARG_TYPE; aborting closes the
// server ('close'); an already-aborted signal closes it too.
import assert from 'node:assert';
import net from '../shim.js';
import { mustCall } from '../common.js';

{
  const server = net.createServer();
  assert.throws(
    () => server.listen({ port: 0, signal: 'INVALID_SIGNAL' as unknown as AbortSignal }),
    { code: 'ERR_INVALID_ARG_TYPE', name: 'TypeError' },
  );
}

{
  const server = net.createServer();
  const controller = new AbortController();
  server.on('close', mustCall());
  server.listen({ port: 0, signal: controller.signal });
  controller.abort();
}

{
  const server = net.createServer();
  const signal = AbortSignal.abort();
  server.on('close', mustCall());
  server.listen({ port: 0, signal });
}
