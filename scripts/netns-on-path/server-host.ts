/**
 * The server of scripts/netns-on-path.ts, run in the server host's namespace: `createServer` (the public
 * API) on ADDRESS:PORT with the key pair PRIVATE_HEX/PUBLIC_HEX, Ethernet-sized datagrams. Prints
 * `{"ready": true}` once listening and `{"accepted": true}` at its one connection, then serves the
 * command loop of stream-host.ts for it.
 *
 * usage: node --import tsx scripts/netns-on-path/server-host.ts ADDRESS PORT PRIVATE_HEX PUBLIC_HEX
 * @module
 */
import { createServer } from '../../src/index.js';
import { driveSocket } from './stream-host.js';

const [address, port, privateHex, publicHex] = process.argv.slice(2) as [string, string, string, string];
const keyPair = { privateKey: Buffer.from(privateHex, 'hex'), publicKey: Buffer.from(publicHex, 'hex') };
const server = createServer({ keyPair, maxDatagramSizeBytes: 1472 }, (socket) => {
  console.log(JSON.stringify({ accepted: true }));
  driveSocket(socket);
});
server.listen(Number(port), address, () => console.log(JSON.stringify({ ready: true })));
