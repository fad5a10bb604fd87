// Behaviour of Node v20.11.1 test/parallel/test-net-connect-abort-controller.js (denoland/node_test@c5baef08e6692c16940b82e2ee5d778a11da64d7), rewritten for mpt.
// An AbortSignal given to connect() / new Socket() aborts the connection: before, right after and a
// tick after connecting. The socket's 'close' comes with an AbortError, and the abort listener is
// registered only when the signal is not yet aborted.
import assert from 'node:assert';
// The original counts with events.listenerCount, which on Node 20.20 no longer sees an AbortSignal's
// listeners; getEventListeners counts the same thing.
import { getEventListeners, once } from 'node:events';
import type { Socket } from 'node:net';
import net from '../shim.js';
import { mustCall, mustCallAtLeast, portOf } from '../common.js';

const server = net.createServer();
const liveConnections = new Set<Socket>();

server.listen(0, mustCall(async () => {
  const port = portOf(server);
  const host = 'localhost';
  const socketOptions = (signal: AbortSignal) => ({ port, host, signal });
  server.on('connection', (connection) => {
    liveConnections.add(connection);
    connection.on('close', () => {
      liveConnections.delete(connection);
    });
  });

  const assertAbort = mustCallAtLeast(async (socket: Socket, testName: string) => {
    try {
      await once(socket, 'close');
      assert.fail(`close ${testName} should have thrown`);
    } catch (err) {
      assert.strictEqual((err as Error).name, 'AbortError', `${testName}: ${String(err)}`);
    }
  });

  async function postAbort() {
    const ac = new AbortController();
    const { signal } = ac;
    const socket = net.connect(socketOptions(signal));
    assert.strictEqual(getEventListeners(signal, 'abort').length, 1);
    ac.abort();
    await assertAbort(socket, 'postAbort');
  }

  async function preAbort() {
    const ac = new AbortController();
    const { signal } = ac;
    ac.abort();
    const socket = net.connect(socketOptions(signal));
    assert.strictEqual(getEventListeners(signal, 'abort').length, 0);
    await assertAbort(socket, 'preAbort');
  }

  async function tickAbort() {
    const ac = new AbortController();
    const { signal } = ac;
    setImmediate(() => ac.abort());
    const socket = net.connect(socketOptions(signal));
    assert.strictEqual(getEventListeners(signal, 'abort').length, 1);
    await assertAbort(socket, 'tickAbort');
  }

  async function testConstructor() {
    const ac = new AbortController();
    const { signal } = ac;
    ac.abort();
    const socket = new net.Socket(socketOptions(signal));
    assert.strictEqual(getEventListeners(signal, 'abort').length, 0);
    await assertAbort(socket, 'testConstructor');
  }

  async function testConstructorPost() {
    const ac = new AbortController();
    const { signal } = ac;
    const socket = new net.Socket(socketOptions(signal));
    assert.strictEqual(getEventListeners(signal, 'abort').length, 1);
    ac.abort();
    await assertAbort(socket, 'testConstructorPost');
  }

  async function testConstructorPostTick() {
    const ac = new AbortController();
    const { signal } = ac;
    const socket = new net.Socket(socketOptions(signal));
    assert.strictEqual(getEventListeners(signal, 'abort').length, 1);
    setImmediate(() => ac.abort());
    await assertAbort(socket, 'testConstructorPostTick');
  }

  await postAbort();
  await preAbort();
  await tickAbort();
  await testConstructor();
  await testConstructorPost();
  await testConstructorPostTick();

  // Sockets the server accepted from aborted clients would keep it open.
  for (const connection of liveConnections) connection.destroy();
  server.close(mustCall());
}));
