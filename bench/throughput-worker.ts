/**
 * One side of one throughput run, in its own process so that sender and
 * receiver each have a core, as two hosts would. Spoken to by
 * bench/throughput.ts over stdin/stdout, one JSON object per line:
 *
 *   receiver: prints {"port":N}, reads {"peerPort":N} (udx only), then prints
 *             {"bytes":B,"ms":T,"lossPct":L?,"cpuMs":C} when it has counted the payload.
 *   sender:   argv gives the receiver's port; for udx prints {"port":N} and
 *             waits for {"go":true}; prints {"cpuMs":C} and exits when
 *             everything is handed over (mpt: acknowledged and closed).
 *
 * cpuMs is the process's user + system CPU time from the start of the
 * transfer (the sender's first write, the receiver's first byte) to its end:
 * startup, module loading and the handshake are left out.
 *
 * Usage: node --import tsx bench/throughput-worker.ts <receive|send> <kind> <bytes> [port]
 * kinds: tcp, dgram, udx, mpt-1500, mpt-pmtud
 */
import { createSocket } from 'node:dgram';
import { createServer as createTcpServer, connect as tcpConnect } from 'node:net';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { createRequire } from 'node:module';

const [role, kind, bytesArg, portArg] = process.argv.slice(2);
const total = Number(bytesArg);
const CHUNK = 64 * 1024;
const DATAGRAM = 1200;
const chunk = Buffer.alloc(CHUNK, 0xab);

function say(message: object): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

/** CPU time (user + system, ms) since `since`. */
function cpuMsSince(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
}

/** The sender's CPU account: from its first write to {@link senderDone}. */
let senderCpu: NodeJS.CpuUsage | undefined;

function senderDone(): void {
  say({ cpuMs: cpuMsSince(senderCpu ?? process.cpuUsage()) });
}

function nextLine(): Promise<Record<string, unknown>> {
  const rl = createInterface({ input: process.stdin });
  return new Promise((resolve) => {
    rl.once('line', (line) => {
      rl.close();
      resolve(JSON.parse(line) as Record<string, unknown>);
    });
  });
}

/** Counts bytes from the first to the last one; reports once `total` arrived. */
class Meter {
  private received = 0;
  private startedAt = 0;
  /** CPU use from the first byte (see {@link cpuMs}). */
  private cpuFrom: NodeJS.CpuUsage | undefined;
  constructor(private readonly onDone: (bytes: number, ms: number) => void) {}
  add(n: number): void {
    if (this.received === 0) {
      this.startedAt = performance.now();
      this.cpuFrom = process.cpuUsage();
    }
    this.received += n;
    if (this.received >= total) this.onDone(this.received, performance.now() - this.startedAt);
  }
  /** The receiver's CPU ms since the first byte. */
  get cpuMs(): number {
    return cpuMsSince(this.cpuFrom ?? process.cpuUsage());
  }
  get bytes(): number {
    return this.received;
  }
}

async function writeAll(write: (b: Buffer) => boolean, drain: () => Promise<void>): Promise<void> {
  senderCpu = process.cpuUsage();
  for (let sent = 0; sent < total; ) {
    const n = Math.min(CHUNK, total - sent);
    sent += n;
    if (!write(n === CHUNK ? chunk : chunk.subarray(0, n))) await drain();
  }
}

async function tcp(): Promise<void> {
  if (role === 'receive') {
    const server = createTcpServer((socket) => {
      const meter = new Meter((bytes, ms) => {
        say({ bytes, ms, cpuMs: meter.cpuMs });
        socket.destroy();
        server.close();
      });
      socket.on('data', (b: Buffer) => meter.add(b.length));
    });
    server.listen(0, '127.0.0.1', () => say({ port: (server.address() as { port: number }).port }));
    return;
  }
  const socket = tcpConnect({ host: '127.0.0.1', port: Number(portArg) });
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  await writeAll((b) => socket.write(b), () => new Promise<void>((resolve) => socket.once('drain', () => resolve())));
  socket.end(() => senderDone());
}

/** Raw datagrams: no reliability, no congestion control; the receiver reports what arrived and the loss. */
async function dgram(): Promise<void> {
  if (role === 'receive') {
    const socket = createSocket('udp4');
    let last = 0;
    let timer: NodeJS.Timeout | undefined;
    const meter = new Meter(() => undefined);
    const finish = (): void => {
      say({ bytes: meter.bytes, ms: last, lossPct: (100 * (total - meter.bytes)) / total, cpuMs: cpuAtLast });
      socket.close();
    };
    let first = 0;
    // The CPU account stops at the last datagram, not at the quiet period that tells the end.
    let cpuAtLast = 0;
    socket.on('message', (m) => {
      if (first === 0) first = performance.now();
      meter.add(m.length);
      last = performance.now() - first;
      cpuAtLast = meter.cpuMs;
      clearTimeout(timer);
      // The sender gives no end marker we can trust: stop once the stream went quiet.
      timer = setTimeout(finish, meter.bytes >= total ? 0 : 300);
    });
    socket.bind(0, '127.0.0.1', () => say({ port: socket.address().port }));
    return;
  }
  const socket = createSocket('udp4');
  const datagram = Buffer.alloc(DATAGRAM, 0xcd);
  let inFlight = 0;
  const port = Number(portArg);
  senderCpu = process.cpuUsage();
  for (let sent = 0; sent < total; sent += DATAGRAM) {
    // Keep a bounded number of sends queued in libuv, or memory grows without limit.
    while (inFlight >= 256) await new Promise((resolve) => setImmediate(resolve));
    inFlight++;
    socket.send(datagram, port, '127.0.0.1', () => inFlight--);
  }
  while (inFlight > 0) await new Promise((resolve) => setImmediate(resolve));
  senderDone();
  socket.close();
}

/** udx-native (Holepunch's reliable UDP streams), where installed. */
async function udx(): Promise<void> {
  const UDX = createRequire(import.meta.url)('udx-native') as new () => {
    createSocket(): { bind(port: number, host: string): void; address(): { port: number }; close(): Promise<void> };
    createStream(id: number): {
      connect(socket: unknown, remoteId: number, port: number, host: string): void;
      on(event: string, fn: (b: Buffer) => void): void;
      write(b: Buffer): boolean;
      once(event: string, fn: () => void): void;
      end(): void;
      destroy(): void;
    };
  };
  const u = new UDX();
  const socket = u.createSocket();
  socket.bind(0, '127.0.0.1');
  say({ port: socket.address().port });
  const message = await nextLine();
  const stream = u.createStream(role === 'receive' ? 1 : 2);
  stream.connect(socket, role === 'receive' ? 2 : 1, Number(message.peerPort), '127.0.0.1');
  if (role === 'receive') {
    const meter = new Meter((bytes, ms) => {
      say({ bytes, ms, cpuMs: meter.cpuMs });
      stream.destroy();
      void socket.close();
    });
    stream.on('data', (b) => meter.add(b.length));
    return;
  }
  await writeAll((b) => stream.write(b), () => new Promise<void>((resolve) => stream.once('drain', () => resolve())));
  stream.end();
  stream.once('finish', () => {
    senderDone();
    void socket.close();
  });
}

async function mpt(): Promise<void> {
  // Typed here by what the bench uses, so it compiles while the Node layer's types evolve.
  interface Duplexish {
    on(event: 'data', fn: (b: Buffer) => void): void;
    on(event: 'close', fn: () => void): void;
    once(event: string, fn: () => void): void;
    write(b: Buffer): boolean;
    end(): void;
    destroy(): void;
  }
  interface MptApi {
    createServer(options: object, onConnection: (socket: Duplexish) => void): {
      listen(port: number, host: string, cb: () => void): void;
      address(): { port: number } | null;
      close(): void;
      publicKey: Uint8Array;
    };
    connect(options: object): Duplexish;
  }
  const { connect, createServer } = (await import('../src/index.js')) as unknown as MptApi;
  const transport = kind === 'mpt-pmtud' ? { maxDatagramSizeBytes: 65_527 } : { maxDatagramSizeBytes: 1452 };
  if (role === 'receive') {
    const server = createServer({ ...transport }, (socket) => {
      const meter = new Meter((bytes, ms) => {
        say({ bytes, ms, cpuMs: meter.cpuMs });
        socket.destroy();
        server.close();
      });
      socket.on('data', (b: Buffer) => meter.add(b.length));
    });
    server.listen(0, '127.0.0.1', () => say({ port: server.address()?.port, key: Buffer.from(server.publicKey).toString('hex') }));
    return;
  }
  const key = await nextLine();
  const socket = connect({ host: '127.0.0.1', port: Number(portArg), serverKey: Buffer.from(String(key.key), 'hex'), ...transport });
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  await writeAll((b) => socket.write(b), () => new Promise<void>((resolve) => socket.once('drain', () => resolve())));
  socket.end();
  socket.on('close', () => {
    senderDone();
    process.exit(0);
  });
}

const run = kind === 'tcp' ? tcp : kind === 'dgram' ? dgram : kind === 'udx' ? udx : mpt;
run().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
