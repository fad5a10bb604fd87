/**
 * The network of bench/proxy-ttfb.ts, in a process of its own so that neither end's work delays the
 * datagrams in flight: a link emulator in front of the converter (UDP, `delayMs` each way) and a TCP
 * relay in front of the HTTP server (every chunk `delayMs` late each way, bench/tcp-delay-relay.ts).
 * Prints one JSON line `{ emulatorPort, relayPort }` once both listen, then relays until killed.
 *
 * Run by bench/proxy-ttfb.ts: node --import tsx bench/proxy-ttfb-network.ts CONVERTER_PORT HTTP_PORT DELAY_MS
 */
import { createLinkEmulator } from '../src/node/link-emulator.js';
import { createTcpDelayRelay } from './tcp-delay-relay.js';

const [converterPort, httpPort, delayMs] = process.argv.slice(2).map(Number);
if (!(converterPort! > 0 && httpPort! > 0 && delayMs! >= 0)) throw new Error('proxy-ttfb-network: CONVERTER_PORT HTTP_PORT DELAY_MS');
const emulator = await createLinkEmulator({ backHost: '127.0.0.1', backPort: converterPort!, delayMs: delayMs! });
const relay = await createTcpDelayRelay({ backHost: '127.0.0.1', backPort: httpPort!, delayMs: delayMs! });
process.stdout.write(`${JSON.stringify({ emulatorPort: emulator.port, relayPort: relay.port })}\n`);
// Killed by the bench when it is done: exit normally (a profile given by --cpu-prof is written).
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(0));
