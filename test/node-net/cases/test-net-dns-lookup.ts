// Behaviour of Node v20.11.1 test/parallel/test-net-dns-lookup.js (denoland/node_test@c5baef08e6692c16940b82e2ee5d778a11da64d7), rewritten for mpt.
// connect(port, 'localhost') emits 'lookup' (err null, 127.0.0.1 or ::1, family 4 or 6, host).
import assert from 'node:assert';
import net from '../shim.js';
import { mustCall, mustCallAtLeast, portOf } from '../common.js';

const server = net.createServer((client) => {
  client.end();
  server.close();
});

server.listen(0, mustCall(() => {
  net.connect(portOf(server), 'localhost')
    .on('lookup', mustCallAtLeast((err: Error | null, ip: string, type: number, host: string) => {
      assert.strictEqual(err, null);
      assert.match(ip, /^(127\.0\.0\.1|::1)$/);
      assert.match(type.toString(), /^(4|6)$/);
      assert.strictEqual(host, 'localhost');
    }, 1));
}));
