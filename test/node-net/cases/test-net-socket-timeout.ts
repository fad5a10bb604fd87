// Behaviour of Node v20.11.1 test/parallel/test-net-socket-timeout.js (denoland/node_test@c5baef08e6692c16940b82e2ee5d778a11da64d7), rewritten for mpt.
// setTimeout() validates: a non-number delay throws ERR_INVALID_ARG_TYPE, a negative / infinite / NaN
// one ERR_OUT_OF_RANGE, a callback that is no function ERR_INVALID_ARG_TYPE; valid delays are
// accepted. setTimeout(1, cb) on a connecting socket returns it and fires; after destroy() it still
// returns the socket and never fires.
import assert from 'node:assert';
import net from '../shim.js';
import { mustCall, mustNotCall, portOf } from '../common.js';

const s = new net.Socket();
const setTimeoutAny = (ms: unknown, cb?: unknown) => (s.setTimeout as (...a: unknown[]) => unknown)(ms, cb);

const nonNumericDelays = ['100', true, false, undefined, null, '', {}, () => {}, []];
const badRangeDelays = [-0.001, -1, -Infinity, Infinity, NaN];
const validDelays = [0, 0.001, 1, 1e6];
const invalidCallbacks = [1, '100', true, false, null, {}, [], Symbol('test')];

for (const delay of nonNumericDelays) {
  assert.throws(() => setTimeoutAny(delay, () => {}), { code: 'ERR_INVALID_ARG_TYPE' }, String(delay));
}

for (const delay of badRangeDelays) {
  assert.throws(() => setTimeoutAny(delay, () => {}), { code: 'ERR_OUT_OF_RANGE' }, String(delay));
}

for (const delay of validDelays) {
  s.setTimeout(delay, () => {});
}

for (const callback of invalidCallbacks) {
  for (const msec of [0, 1]) {
    assert.throws(() => setTimeoutAny(msec, callback), { code: 'ERR_INVALID_ARG_TYPE', name: 'TypeError' });
  }
}

const server = new net.Server();
server.listen(0, mustCall(() => {
  const socket = net.createConnection(portOf(server));
  assert.strictEqual(
    socket.setTimeout(1, mustCall(() => {
      socket.destroy();
      assert.strictEqual(socket.setTimeout(1, mustNotCall()), socket);
      server.close();
    })),
    socket,
  );
}));
