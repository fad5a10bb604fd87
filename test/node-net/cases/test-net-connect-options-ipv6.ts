// Behaviour of Node v20.11.1 test/parallel/test-net-connect-options-ipv6.js (denoland/node_test@c5baef08e6692c16940b82e2ee5d778a11da64d7), rewritten for mpt.
// connect({ host: name, family: 6, lookup, allowHalfOpen: true }) calls the lookup with the host
// name and family 6, connects to the ::1 it returns, and stays writable after the server's FIN.
import assert from 'node:assert';
import type { LookupAddress } from 'node:dns';
import net from '../shim.js';
import { hasIPv6, mustCall, portOf } from '../common.js';

if (!hasIPv6) {
  console.log('skipped: no IPv6 loopback');
  process.exit(0);
}

const hostAddrIPv6 = '::1';
const HOSTNAME = 'dummy';

const server = net.createServer({ allowHalfOpen: true }, mustCall((socket) => {
  socket.resume();
  socket.on('end', mustCall());
  socket.end();
}));

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

function tryConnect() {
  const connectOpt = {
    host: HOSTNAME,
    port: portOf(server),
    family: 6,
    allowHalfOpen: true,
    lookup: mustCall((addr: string, opt: { family?: number | string | undefined; all?: boolean | undefined }, cb: LookupCallback) => {
      assert.strictEqual(addr, HOSTNAME);
      assert.strictEqual(opt.family, 6);
      // As the original: answers in the single-address form (address, family).
      cb(null, hostAddrIPv6, opt.family as number);
    }),
  };
  const client = net.connect(connectOpt, mustCall(() => {
    client.resume();
    client.on('end', mustCall(() => {
      setTimeout(mustCall(() => {
        assert.ok(client.writable);
        client.end();
      }), 10);
    }));
    client.on('close', () => server.close());
  }));
}

server.listen(0, hostAddrIPv6, tryConnect);
