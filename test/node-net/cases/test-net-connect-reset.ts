// Behaviour of Node v20.11.1 test/parallel/test-net-connect-reset.js (denoland/node_test@c5baef08e6692c16940b82e2ee5d778a11da64d7), rewritten for mpt.
// resetAndDestroy() on a socket that never connected emits 'error' ERR_SOCKET_CLOSED.
import net from '../shim.js';
import { expectsError, mustCall } from '../common.js';

const socket = new net.Socket();
socket.resetAndDestroy();
socket.on('error', mustCall(expectsError({ code: 'ERR_SOCKET_CLOSED', name: 'Error' })));
