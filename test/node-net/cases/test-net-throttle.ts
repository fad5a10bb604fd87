// Behaviour of Node v20.11.1 test/parallel/test-net-throttle.js (denoland/node_test@c5baef08e6692c16940b82e2ee5d778a11da64d7), rewritten for mpt.
// Back-pressure: the server writes 1 KiB chunks until write() returns false, then two more, and ends;
// bufferSize >= 0 and writableLength within what was written. A client that pauses for 100 ms at each
// 'data' gets nothing while paused, pauses more than once, and receives every byte.
import assert from 'node:assert';
import net from '../shim.js';
import { mustCall, mustCallAtLeast, portOf } from '../common.js';

let charsRecved = 0;
let npauses = 0;
let totalLength = 0;

const server = net.createServer(mustCallAtLeast((connection) => {
  const body = 'C'.repeat(1024);
  let n = 1;
  while (connection.write(body)) n++;
  // Throttled now: more writes must not lose data.
  connection.write(body);
  connection.write(body);
  n += 2;
  totalLength = n * body.length;
  assert.ok(connection.bufferSize >= 0, `bufferSize: ${connection.bufferSize}`);
  assert.ok(
    connection.writableLength <= totalLength,
    `writableLength: ${connection.writableLength}, totalLength: ${totalLength}`,
  );
  connection.end();
}));

server.listen(0, mustCall(() => {
  let paused = false;
  const client = net.createConnection(portOf(server));
  client.setEncoding('ascii');
  client.on('data', mustCallAtLeast((d: string) => {
    charsRecved += d.length;
    if (!paused) {
      client.pause();
      npauses += 1;
      paused = true;
      const x = charsRecved;
      setTimeout(mustCall(() => {
        assert.strictEqual(charsRecved, x);
        client.resume();
        paused = false;
      }), 100);
    }
  }));

  client.on('end', () => {
    server.close();
    client.end();
  });
}));

process.on('exit', () => {
  assert.strictEqual(charsRecved, totalLength);
  assert.ok(npauses > 1, `${npauses} > 1`);
});
