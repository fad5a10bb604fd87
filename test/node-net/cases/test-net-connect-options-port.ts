// Behaviour of Node v20.11.1 test/parallel/test-net-connect-options-port.js (denoland/node_test@c5baef08e6692c16940b82e2ee5d778a11da64d7), rewritten for mpt.
// Ports in every call form (createConnection / connect / new Socket().connect, with and without a
// callback, options { port, host?, family: 4 }; port as number, decimal string or hex string, with and without host): bad types throw
// ERR_INVALID_ARG_TYPE, bad values ERR_SOCKET_BAD_PORT, bad hints ERR_INVALID_ARG_VALUE, all
// synchronously; good ones connect (72 connections); port 0 fails with an 'error' "connect E...".
import assert from 'node:assert';
import dns from 'node:dns';
import type { Socket } from 'node:net';
import net from '../shim.js';
import { localhostIPv4, mustCall, mustCallAtLeast, mustNotCall, portOf } from '../common.js';

type Fn = (...args: unknown[]) => unknown;
const api = net as unknown as { connect: Fn; createConnection: Fn };
const call = (f: Fn, args: unknown[]): Socket => f(...args) as Socket;

function doConnect(args: unknown[], getCb: () => Fn) {
  return [
    function createConnectionWithCb() {
      return call(api.createConnection, args.concat(getCb())).resume();
    },
    function createConnectionWithoutCb() {
      return call(api.createConnection, args).on('connect', getCb()).resume();
    },
    function connectWithCb() {
      return call(api.connect, args.concat(getCb())).resume();
    },
    function connectWithoutCb() {
      return call(api.connect, args).on('connect', getCb()).resume();
    },
    function socketConnectWithCb() {
      const socket = new net.Socket() as unknown as { connect: Fn };
      return (socket.connect(...args.concat(getCb())) as Socket).resume();
    },
    function socketConnectWithoutCb() {
      const socket = new net.Socket() as unknown as { connect: Fn };
      return (socket.connect(...args) as Socket).on('connect', getCb()).resume();
    },
  ];
}

function syncFailToConnect(port: unknown, assertErr: object, optOnly = false) {
  const family = 4;
  if (!optOnly) {
    // As in the original, the "port" and "port, host" groups pass options objects too.
    for (const fn of doConnect([{ port, family }], () => mustNotCall())) {
      assert.throws(fn, assertErr, `${fn.name}(${String(port)})`);
    }
    for (const fn of doConnect([{ port, host: 'localhost', family }], () => mustNotCall())) {
      assert.throws(fn, assertErr, `${fn.name}(${String(port)}, 'localhost')`);
    }
  }
  // connect({port}, cb) and connect({port})
  for (const fn of doConnect([{ port, family }], () => mustNotCall())) {
    assert.throws(fn, assertErr, `${fn.name}({port: ${String(port)}})`);
  }
  // connect({port, host}, cb) and connect({port, host})
  for (const fn of doConnect([{ port, host: 'localhost', family }], () => mustNotCall())) {
    assert.throws(fn, assertErr, `${fn.name}({port: ${String(port)}, host: 'localhost'})`);
  }
}

function canConnect(port: number | string) {
  const noop = mustCallAtLeast(() => mustCall());
  const family = 4;
  // As in the original, every group passes an options object.
  for (const fn of doConnect([{ port, family }], noop)) fn();
  for (const fn of doConnect([{ port, host: 'localhost', family }], noop)) fn();
  for (const fn of doConnect([{ port, family }], noop)) fn();
  for (const fn of doConnect([{ port, host: 'localhost', family }], noop)) fn();
}

function asyncFailToConnect(port: number) {
  const onError = mustCallAtLeast(() => mustCall((err: Error) => {
    assert.match(String(err), /^Error: connect E\w+.+$/);
  }));
  const dont = () => mustNotCall();
  const family = 4;
  for (const fn of doConnect([{ port, family }], dont)) fn().on('error', onError());
  for (const fn of doConnect([{ port, family }], dont)) fn().on('error', onError());
  for (const fn of doConnect([{ port, host: 'localhost', family }], dont)) fn().on('error', onError());
}

{
  const portTypeError = { code: 'ERR_INVALID_ARG_TYPE', name: 'TypeError' };
  syncFailToConnect(true, portTypeError);
  syncFailToConnect(false, portTypeError);
  syncFailToConnect([], portTypeError, true);
  syncFailToConnect({}, portTypeError, true);
  syncFailToConnect(null, portTypeError);
}

{
  const portRangeError = { code: 'ERR_SOCKET_BAD_PORT', name: 'RangeError' };
  syncFailToConnect('', portRangeError);
  syncFailToConnect(' ', portRangeError);
  syncFailToConnect('0x', portRangeError, true);
  syncFailToConnect('-0x1', portRangeError, true);
  syncFailToConnect(NaN, portRangeError);
  syncFailToConnect(Infinity, portRangeError);
  syncFailToConnect(-1, portRangeError);
  syncFailToConnect(65536, portRangeError);
}

{
  // connect({hints}, cb) and connect({hints}) with an invalid hints value.
  const hints = (dns.ADDRCONFIG | dns.V4MAPPED | dns.ALL) + 42;
  for (const fn of doConnect([{ port: 42, hints }], () => mustNotCall())) {
    assert.throws(fn, {
      code: 'ERR_INVALID_ARG_VALUE',
      name: 'TypeError',
      message: /The argument 'hints' is invalid\. Received \d+/,
    });
  }
}

{
  const expectedConnections = 72;
  let serverConnected = 0;
  const server = net.createServer(mustCall((socket) => {
    socket.end('ok');
    if (++serverConnected === expectedConnections) server.close();
  }, expectedConnections));

  server.listen(0, localhostIPv4, mustCall(() => {
    const port = portOf(server);
    // 3 port forms x 4 argument forms x 6 call forms = 72 connections.
    canConnect(port);
    canConnect(String(port));
    canConnect(`0x${port.toString(16)}`);
  }));

  // Once the server is closed, connecting to port 0 fails.
  server.on('close', () => {
    asyncFailToConnect(0);
  });
}
