/**
 * The client of scripts/netns-on-path.ts, run in the client host's namespace: `connect` (the public API)
 * to ADDRESS:PORT pinning PUBLIC_HEX, from two local addresses (LOCAL_A for path 0, LOCAL_B for path 1)
 * with the `backup` path manager, so path 0 is active and path 1 backup; Ethernet-sized datagrams.
 * Prints `{"connected": true}` at 'connect', then serves the command loop of stream-host.ts.
 *
 * usage: node --import tsx scripts/netns-on-path/client-host.ts ADDRESS PORT PUBLIC_HEX LOCAL_A LOCAL_B
 * @module
 */
import { connect } from '../../src/index.js';
import { driveSocket } from './stream-host.js';

const [address, port, publicHex, localA, localB] = process.argv.slice(2) as [string, string, string, string, string];
const socket = connect({
  host: address,
  port: Number(port),
  serverKey: Buffer.from(publicHex, 'hex'),
  localAddresses: [localA, localB],
  pathManager: 'backup',
  maxDatagramSizeBytes: 1472,
});
driveSocket(socket);
socket.once('connect', () => console.log(JSON.stringify({ connected: true })));
