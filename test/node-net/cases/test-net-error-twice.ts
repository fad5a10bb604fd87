// Behaviour of Node v20.11.1 test/parallel/test-net-error-twice.js (denoland/node_test@c5baef08e6692c16940b82e2ee5d778a11da64d7), rewritten for mpt.
// The server writes 10 MB to a client that just destroyed its socket: the server socket emits
// exactly one 'error', never the same one twice.
import assert from 'node:assert';
import type { Socket } from 'node:net';
import net from '../shim.js';
import { portOf } from '../common.js';

const buf = Buffer.alloc(10 * 1024 * 1024, 0x62);
const errs: Error[] = [];
let clientSocket: Socket | undefined;
let serverSocket: Socket | undefined;

function ready() {
  if (clientSocket && serverSocket) {
    clientSocket.destroy();
    serverSocket.write(buf);
  }
}

const server = net.createServer((conn) => {
  conn.on('error', (err: Error) => {
    errs.push(err);
    if (errs.length > 1 && errs[0] === errs[1]) assert.fail('Should not emit the same error twice');
  });
  conn.on('close', () => {
    server.unref();
  });
  serverSocket = conn;
  ready();
}).listen(0, () => {
  const client = net.connect({ port: portOf(server) });
  client.on('connect', () => {
    clientSocket = client;
    ready();
  });
});

process.on('exit', () => {
  assert.strictEqual(errs.length, 1, `errors: ${errs.map(String).join(', ')}`);
});
