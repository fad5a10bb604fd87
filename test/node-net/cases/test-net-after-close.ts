// Behaviour of Node v20.11.1 test/parallel/test-net-after-close.js (denoland/node_test@c5baef08e6692c16940b82e2ee5d778a11da64d7), rewritten for mpt.
// After 'close', the socket's methods and properties must still be usable without throwing.
import net from '../shim.js';
import { mustCall, portOf } from '../common.js';

const server = net.createServer(mustCall((s) => {
  s.end();
}));

server.listen(0, mustCall(() => {
  const c = net.createConnection(portOf(server));
  c.on('close', mustCall(() => {
    // (The original also checks that the internal _handle is null; that is no API.)
    c.setNoDelay();
    c.setKeepAlive();
    void c.bufferSize;
    c.pause();
    c.resume();
    c.address();
    void c.remoteAddress;
    void c.remotePort;
    server.close();
  }));
}));
