// Raw SOCKS5 and HTTP CONNECT clients for the proxy tests: they write the bytes by hand and read the
// replies byte for byte, so the tests check exactly what the proxy sent.
import { once } from 'node:events';
import { connect as tcpConnect, isIP, type Socket } from 'node:net';

/** A TCP connection to 127.0.0.1:`port` with a byte reader over it. */
export class RawClient {
  readonly socket: Socket;
  #buffer: Buffer = Buffer.alloc(0);
  #ended = false;
  #waiters: (() => void)[] = [];

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      this.#wake();
    });
    socket.on('end', () => {
      this.#ended = true;
      this.#wake();
    });
    socket.on('close', () => {
      this.#ended = true;
      this.#wake();
    });
    socket.on('error', () => {});
  }

  static async open(port: number, host = '127.0.0.1'): Promise<RawClient> {
    // As a real client: once the proxy ends its side, ours ends too (allowHalfOpen false); a test may still end first and read on.
    const socket = tcpConnect({ port, host });
    await once(socket, 'connect');
    return new RawClient(socket);
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  /** Exactly `n` bytes; fewer if the connection ends first. */
  async read(n: number): Promise<Buffer> {
    while (this.#buffer.length < n && !this.#ended) await new Promise<void>((resolve) => this.#waiters.push(resolve));
    const out = this.#buffer.subarray(0, n);
    this.#buffer = this.#buffer.subarray(out.length);
    return out;
  }

  /** Everything until the connection ends. */
  async readToEnd(): Promise<Buffer> {
    while (!this.#ended) await new Promise<void>((resolve) => this.#waiters.push(resolve));
    const out = this.#buffer;
    this.#buffer = Buffer.alloc(0);
    return out;
  }

  /** Bytes up to and including the blank line of an HTTP response head, as text. */
  async readHead(): Promise<string> {
    for (;;) {
      const end = this.#buffer.indexOf('\r\n\r\n');
      if (end >= 0) {
        const head = this.#buffer.subarray(0, end + 4).toString('latin1');
        this.#buffer = this.#buffer.subarray(end + 4);
        return head;
      }
      if (this.#ended) return this.#buffer.toString('latin1');
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  /** Resolves when the connection has ended (the peer's FIN or a close). */
  async ended(): Promise<void> {
    while (!this.#ended) await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  write(bytes: Uint8Array | string): void {
    this.socket.write(bytes);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** A SOCKS5 CONNECT request for `host` (IPv4, IPv6 or domain by its form). */
export function socks5Request(host: string, port: number): Buffer {
  const family = isIP(host);
  let address: Buffer;
  if (family === 4) address = Buffer.concat([Buffer.of(1), Buffer.from(host.split('.').map(Number))]);
  else if (family === 6) {
    const groups = host.split('::');
    const head = groups[0] === '' ? [] : (groups[0] as string).split(':');
    const tail = groups.length > 1 && groups[1] !== '' ? (groups[1] as string).split(':') : [];
    const all = [...head, ...new Array<string>(8 - head.length - tail.length).fill('0'), ...tail];
    address = Buffer.concat([Buffer.of(4), Buffer.from(all.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff]))]);
  } else address = Buffer.concat([Buffer.of(3, host.length), Buffer.from(host, 'latin1')]);
  return Buffer.concat([Buffer.of(5, 1, 0), address, Buffer.of(port >> 8, port & 0xff)]);
}

/** What a SOCKS5 handshake got back. */
export interface Socks5Exchange {
  readonly client: RawClient;
  /** The method the proxy chose (0xFF: none acceptable). */
  readonly method: number;
  /** The RFC 1929 status (0 success), if a sub-negotiation ran. */
  readonly authStatus: number | undefined;
  /** The whole 10-byte request reply (VER REP RSV ATYP BND.ADDR BND.PORT), if one came. */
  readonly reply: Buffer | undefined;
}

/** Runs a SOCKS5 handshake with the proxy at `port`: greeting (with `auth`, offering only username/password; else only no-auth), then the request. */
export async function socks5Connect(
  proxyPort: number,
  destination: { host: string; port: number },
  options: { auth?: { username: string; password: string }; methods?: number[]; early?: Uint8Array } = {},
): Promise<Socks5Exchange> {
  const client = await RawClient.open(proxyPort);
  const methods = options.methods ?? (options.auth !== undefined ? [2] : [0]);
  client.write(Buffer.from([5, methods.length, ...methods]));
  const choice = await client.read(2);
  const method = choice[1] ?? -1;
  if (method === 0xff || choice.length < 2) return { client, method, authStatus: undefined, reply: undefined };
  let authStatus: number | undefined;
  if (method === 2) {
    const { username, password } = options.auth ?? { username: '', password: '' };
    client.write(Buffer.concat([Buffer.of(1, username.length), Buffer.from(username), Buffer.of(password.length), Buffer.from(password)]));
    const status = await client.read(2);
    authStatus = status[1];
    if (authStatus !== 0) return { client, method, authStatus, reply: undefined };
  }
  client.write(socks5Request(destination.host, destination.port));
  if (options.early !== undefined) client.write(options.early);
  const reply = await client.read(10);
  return { client, method, authStatus, reply: reply.length === 10 ? reply : undefined };
}

/** Sends an HTTP CONNECT for `target` (host:port) with `headers`, and reads the response head. */
export async function httpConnect(proxyPort: number, target: string, headers: string[] = [], early?: Uint8Array): Promise<{ client: RawClient; head: string; status: number }> {
  const client = await RawClient.open(proxyPort);
  client.write([`CONNECT ${target} HTTP/1.1`, `Host: ${target}`, ...headers, '', ''].join('\r\n'));
  if (early !== undefined) client.write(early);
  const head = await client.readHead();
  const status = Number(/^HTTP\/1\.1 (\d{3}) /.exec(head)?.[1] ?? 0);
  return { client, head, status };
}
