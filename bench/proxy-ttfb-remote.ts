/**
 * The far side of bench/proxy-ttfb.ts, in a process of its own as on its own host: an HTTP server that
 * answers `GET /` with "ok\n", and a converter (createConverter) that lets the one client key given in
 * argv reach 127.0.0.1. Prints one JSON line `{ httpPort, converterPort, converterKey }` (the key in
 * hex) once both listen, then serves until killed. Both listen on 127.0.0.1, or given a host address,
 * the converter on it and the HTTP server on every address (for direct connections from another host).
 *
 * Run by bench/proxy-ttfb.ts: node --import tsx bench/proxy-ttfb-remote.ts CLIENT_PUBLIC_KEY_HEX [HOST]
 */
import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import { createConverter } from '../src/index.js';

const clientKey = Buffer.from(process.argv[2] ?? '', 'hex');
if (clientKey.length !== 32) throw new Error('proxy-ttfb-remote: the client public key (64 hex digits) is the argument');
const host = process.argv[3];

const http = createHttpServer((_request, response) => {
  response.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': 3 });
  response.end('ok\n');
});
http.listen(0, host === undefined ? '127.0.0.1' : '0.0.0.0');
await once(http, 'listening');
const converter = createConverter({ clientKeys: [clientKey], allow: ['127.0.0.1/32'] });
converter.listen(0, host ?? '127.0.0.1');
await once(converter, 'listening');
process.stdout.write(
  `${JSON.stringify({
    httpPort: (http.address() as { port: number }).port,
    converterPort: (converter.address() as { port: number }).port,
    converterKey: Buffer.from(converter.publicKey).toString('hex'),
  })}\n`,
);
// Killed by the bench when it is done: exit normally (a profile given by --cpu-prof is written).
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(0));
