// Behaviour of Node v20.11.1 test/parallel/test-net-dns-custom-lookup.js (denoland/node_test@c5baef08e6692c16940b82e2ee5d778a11da64d7), rewritten for mpt.
// A custom lookup (answering on the next tick, in both the `all` and the single form) is used for
// host 'localhost' with family 4 and 6; 'lookup' reports (null, address, family); a lookup that
// answers an undefined address fails with ERR_INVALID_IP_ADDRESS.
import assert from 'node:assert';
import type { LookupAddress } from 'node:dns';
import net from '../shim.js';
import { expectsError, hasIPv6, localhostIPv4, mustCall, portOf } from '../common.js';

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[] | undefined, family?: number) => void;

function check(addressType: 4 | 6, cb?: () => void) {
  const server = net.createServer((client) => {
    client.end();
    server.close();
    cb?.();
  });

  const address = addressType === 4 ? localhostIPv4 : '::1';
  server.listen(0, address, mustCall(() => {
    net.connect({
      port: portOf(server),
      host: 'localhost',
      family: addressType,
      lookup: lookup as never,
    }).on('lookup', mustCall((err: Error | null, ip: string, type: number) => {
      assert.strictEqual(err, null);
      assert.strictEqual(address, ip);
      assert.strictEqual(type, addressType);
    }));
  }));

  function lookup(_host: string, dnsopts: { family?: number; all?: boolean }, cb: LookupCallback) {
    dnsopts.family = addressType;
    const ip = addressType === 4 ? localhostIPv4 : '::1';
    process.nextTick(() => {
      if (dnsopts.all) cb(null, [{ address: ip, family: addressType }]);
      else cb(null, ip, addressType);
    });
  }
}

check(4, () => {
  if (hasIPv6) check(6);
});

// Verify that a lookup returning an undefined address is an error.
{
  net.connect({
    host: 'localhost',
    port: 80,
    lookup: ((_host: string, dnsopts: { all?: boolean }, cb: LookupCallback) => {
      if (dnsopts.all) cb(null, [{ address: undefined as unknown as string, family: 4 }]);
      else cb(null, undefined, 4);
    }) as never,
  }).on('error', expectsError({ code: 'ERR_INVALID_IP_ADDRESS' }));
}
