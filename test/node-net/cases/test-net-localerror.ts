// Behaviour of Node v20.11.1 test/parallel/test-net-localerror.js (denoland/node_test@c5baef08e6692c16940b82e2ee5d778a11da64d7), rewritten for mpt.
// connect() throws synchronously on a localAddress that is no IP (TypeError ERR_INVALID_IP_ADDRESS)
// and on a localPort that is no number (TypeError ERR_INVALID_ARG_TYPE).
import assert from 'node:assert';
import net from '../shim.js';
import { mustCall } from '../common.js';

const connect = mustCall((opts: object, code: string, type: ErrorConstructor) => {
  assert.throws(() => net.connect(opts as never), { code, name: type.name });
}, 2);

connect({ host: 'localhost', port: 0, localAddress: 'foobar' }, 'ERR_INVALID_IP_ADDRESS', TypeError);
connect({ host: 'localhost', port: 0, localPort: 'foobar' }, 'ERR_INVALID_ARG_TYPE', TypeError);
