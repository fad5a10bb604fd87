// Behaviour of Node v20.11.1 test/parallel/test-net-server-unref.js (denoland/node_test@c5baef08e6692c16940b82e2ee5d778a11da64d7), rewritten for mpt.
// An unref'd listening server does not keep the process alive.
import net from '../shim.js';
import { mustNotCall } from '../common.js';

const s = net.createServer();
s.listen(0);
s.unref();

setTimeout(mustNotCall(), 1000).unref();
