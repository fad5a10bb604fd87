// Behaviour of Node v20.11.1 test/parallel/test-net-connect-no-arg.js (denoland/node_test@c5baef08e6692c16940b82e2ee5d778a11da64d7), rewritten for mpt.
// connect() without a port (no arguments, or an empty options object) throws ERR_MISSING_ARGS.
import assert from 'node:assert';
import net from '../shim.js';

const expected = {
  code: 'ERR_MISSING_ARGS',
  message: 'The "options" or "port" or "path" argument must be specified',
};
const untyped = net as unknown as { connect: (...args: unknown[]) => unknown };

assert.throws(() => {
  untyped.connect();
}, expected);

assert.throws(() => {
  (new net.Socket() as unknown as { connect: (...args: unknown[]) => unknown }).connect();
}, expected);

assert.throws(() => {
  untyped.connect({});
}, expected);

assert.throws(() => {
  (new net.Socket() as unknown as { connect: (...args: unknown[]) => unknown }).connect({});
}, expected);
