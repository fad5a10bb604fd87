// Behaviour of Node v20.11.1 test/parallel/test-net-pingpong.js (denoland/node_test@c5baef08e6692c16940b82e2ee5d778a11da64d7), rewritten for mpt.
// 1000 PING/PONG round trips over a half-open-capable connection: socket.server, getConnections()
// (returns the server, counts 1), bufferSize stays small, readable/writable at each step, the client's
// final end() with a last PING still answered, 'end' leaving the server writable (allowHalfOpen),
// and both sides not readable nor writable at 'close'. Run on port 0 of the default address and on
// ::1 (or 127.0.0.1); the original's pipe variant is left out (IPC).
import assert from 'node:assert';
import type { Server, Socket } from 'node:net';
import net from '../shim.js';
import { hasIPv6, mustCall, mustNotCall, mustSucceed, portOf } from '../common.js';

function pingPongTest(host?: string) {
  const N = 1000;
  let count = 0;
  let sentPongs = 0;
  let sentFinalPing = false;

  const server: Server = net.createServer({ allowHalfOpen: true }, mustCall(onSocket));

  function onSocket(socket: Socket & { server?: Server }) {
    assert.strictEqual(socket.server, server);
    assert.strictEqual(
      server,
      server.getConnections(mustSucceed((connections: number) => {
        assert.strictEqual(connections, 1);
      })),
    );

    socket.setNoDelay();
    (socket as { timeout: number | undefined }).timeout = 0;

    socket.setEncoding('utf8');
    socket.on('data', mustCall((data: string) => {
      // We never queue data (each PONG waits for a PING), so less than one message is buffered.
      assert.ok(socket.bufferSize >= 0 && socket.bufferSize <= 4);
      assert.strictEqual(socket.writable, true);
      assert.strictEqual(socket.readable, true);
      assert.ok(count <= N);
      assert.strictEqual(data, 'PING');
      socket.write('PONG', mustCall(() => {
        sentPongs++;
      }));
    }, N + 1));

    socket.on('end', mustCall(() => {
      assert.strictEqual(socket.allowHalfOpen, true);
      assert.strictEqual(socket.writable, true); // Because allowHalfOpen
      assert.strictEqual(socket.readable, false);
      socket.end();
    }));

    socket.on('error', mustNotCall());

    socket.on('close', mustCall(() => {
      assert.strictEqual(socket.writable, false);
      assert.strictEqual(socket.readable, false);
      server.close();
    }));
  }

  server.listen(0, host, mustCall(() => {
    const port = portOf(server);
    const client = host === undefined ? net.createConnection(port) : net.createConnection(port, host);

    client.setEncoding('ascii');
    client.on('connect', mustCall(() => {
      assert.strictEqual(client.readable, true);
      assert.strictEqual(client.writable, true);
      client.write('PING');
    }));

    client.on('data', mustCall((data: string) => {
      assert.strictEqual(data, 'PONG');
      count += 1;

      if (sentFinalPing) {
        assert.strictEqual(client.writable, false);
        assert.strictEqual(client.readable, true);
        return;
      }
      assert.strictEqual(client.writable, true);
      assert.strictEqual(client.readable, true);

      if (count < N) {
        client.write('PING');
      } else {
        sentFinalPing = true;
        client.write('PING');
        client.end();
      }
    }, N + 1));

    client.on('close', mustCall(() => {
      assert.strictEqual(count, N + 1);
      assert.strictEqual(sentPongs, N + 1);
      assert.strictEqual(sentFinalPing, true);
    }));

    client.on('error', mustNotCall());
  }));
}

// Both run at once, on different ports.
pingPongTest();
pingPongTest(hasIPv6 ? '::1' : '127.0.0.1');
