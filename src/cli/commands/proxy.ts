import { once } from 'node:events';
import { generateKeyPair } from '../../crypto/x25519.js';
import { createProxy, DEFAULT_PROXY_HOST, DEFAULT_PROXY_PORT } from '../../proxy/proxy.js';
import { parseCommandArgs, printUsage, runGuarded, UsageError } from '../args.js';
import { CLIENT_OPTIONS, CLIENT_OPTIONS_HELP, clientSetup } from '../client-setup.js';
import { formatHostPort, parseHostPort } from '../host-port.js';
import { formatPublicKey } from '../key-files.js';
import { settleServerKey } from '../known-host-connect.js';
import { parseProxyAuth } from '../proxy-auth-arg.js';
import { proxyTunnelLine } from '../proxy-tunnel-line.js';
import { untilSignal } from '../signals.js';

/**
 * `mpt proxy --converter HOST:PORT`: a local SOCKS5 and HTTP CONNECT proxy (createProxy) that carries
 * each TCP connection over mpt to a converter (`mpt serve --mode converter`), until SIGINT / SIGTERM.
 * @module
 */

const SPEC = {
  name: 'proxy',
  usage: `usage: mpt proxy --converter HOST:PORT [--listen ADDR:PORT] [--auth USER:PASS] [--server-key KEY] [--key FILE] [--local ADDR]... [--no-known-hosts] [--psk FILE]

A local SOCKS5 and HTTP CONNECT proxy: each TCP connection a program opens through it becomes a
tunnel, an mpt connection to the converter at HOST:PORT (mpt serve --mode converter), which opens
the TCP connection to the destination. Programs that speak only TCP use mpt unchanged:

  curl --socks5-hostname 127.0.0.1:1080 https://example.com/
  git -c http.proxy=socks5h://127.0.0.1:1080 clone https://example.com/repo.git
  ssh -o ProxyCommand='nc -X 5 -x 127.0.0.1:1080 %h %p' user@host

On stdout: the proxy's client key ("client key mpt-pub:...", for the converter's --client-key
list; with --psk, a converter started with the same --psk lets the proxy in instead), the converter's key, the address it listens on ("listening on ADDR:PORT"), then a line per
connection once it is over (protocol, client, destination, outcome, bytes each way). The
converter's key is pinned (so each tunnel's request goes in its first flight): --server-key, else
the key known_hosts remembers (a converter presenting another is refused), else the key it presents
now, remembered. Runs until SIGINT or SIGTERM, then closes every connection and exits 0.

options:
  --converter HOST:PORT the converter (required)
  --listen ADDR:PORT    where the proxy listens (default ${DEFAULT_PROXY_HOST}:${DEFAULT_PROXY_PORT}; :0 picks a free port).
                        Anyone who can reach it can use the converter as us: keep it on loopback
  --auth USER:PASS      ask clients for these credentials (SOCKS5 user/password, HTTP Basic)
${CLIENT_OPTIONS_HELP.replace(/the server/g, 'the converter')}
  -h, --help            this help
`,
  options: { ...CLIENT_OPTIONS, converter: { type: 'string' }, listen: { type: 'string' }, auth: { type: 'string' } },
} as const;

/** `mpt proxy` with the arguments after its name; resolves with the exit code (see args.ts). */
export function runProxyCommand(argv: readonly string[]): Promise<number> {
  return runGuarded('proxy', () => proxyCli(argv));
}

async function proxyCli(argv: readonly string[]): Promise<number> {
  const args = parseCommandArgs(SPEC, argv);
  if (args.help) return printUsage(SPEC);
  if (args.values.converter === undefined) throw new UsageError('missing --converter HOST:PORT (where mpt serve --mode converter listens)');
  const converter = parseHostPort(args.values.converter);
  if (converter.isErr()) throw new UsageError(`--converter: ${converter.error}`);
  const listen = parseHostPort(args.values.listen ?? `${DEFAULT_PROXY_HOST}:${DEFAULT_PROXY_PORT}`, { defaultPort: DEFAULT_PROXY_PORT, allowPortZero: true });
  if (listen.isErr()) throw new UsageError(`--listen: ${listen.error}`);
  const auth = args.values.auth === undefined ? undefined : parseProxyAuth(args.values.auth);
  const note = (line: string): void => void process.stderr.write(`mpt proxy: ${line}\n`);
  const { options, trust } = clientSetup(args.values, converter.value, note);
  const serverKey = await settleServerKey(options, trust);
  const psk = options.psk;
  if (serverKey === undefined && psk === undefined) note('no known-hosts file: the first tunnel accepts the key the converter presents (a round trip more), the next ones pin it');
  const keyPair = options.keyPair ?? generateKeyPair();
  if (options.keyPair === undefined && psk === undefined) note('a fresh client key for this run: converters that list client keys will refuse it (mpt keygen -o <config dir>/id, or --key FILE, keeps one)');
  const proxy = createProxy({ converter: converter.value, serverKey, keyPair, psk, localAddresses: options.localAddresses, auth });
  proxy.on('tunnel', (event) => void process.stdout.write(`${proxyTunnelLine(event)}\n`));
  proxy.listen(listen.value.port, listen.value.host);
  await Promise.race([once(proxy, 'listening'), once(proxy, 'error').then(([error]) => Promise.reject(error as Error))]);
  const bound = proxy.address();
  const lines = [
    psk === undefined ? `client key ${formatPublicKey(keyPair.publicKey)}` : 'client key none: the pre-shared key (--psk) lets us in',
    `converter ${formatHostPort(converter.value)}${serverKey === undefined ? '' : ` key ${formatPublicKey(serverKey)}`}`,
    `listening on ${formatHostPort({ host: bound?.address ?? listen.value.host, port: bound?.port ?? listen.value.port })} (SOCKS5 and HTTP CONNECT)`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  const failure = once(proxy, 'error').then(([error]) => Promise.reject(error as Error));
  await Promise.race([untilSignal(), failure]);
  await new Promise<void>((resolve) => proxy.close(() => resolve()));
  return 0;
}
