// A client and a server Endpoint in the simulator, joined by one two-way
// link, with helpers to move a stream and read it out on the other side.
import { createHash } from 'node:crypto';
import type { Connection } from '../../src/core/connection.js';
import type { Path } from '../../src/core/path.js';
import type { PathEvent, PathManagerErrorEvent, RemoteAddressEvent } from '../../src/core/connection-events.js';
import { Endpoint, type ConnectOptions, type EndpointOptions } from '../../src/core/endpoint.js';
import type { DatagramEndpoint } from '../../src/core/datagram-endpoint.js';
import type { SocketAddress } from '../../src/core/socket-address.js';
import { keyPairFromPrivate, type KeyPair } from '../../src/crypto/x25519.js';
import type { LinkOptions } from '../../src/sim/link-options.js';
import type { Rng } from '../../src/sim/rng.js';
import { Simulator, type TwoWayLink } from '../../src/sim/simulator.js';

export const CLIENT: SocketAddress = { host: '10.0.0.1', port: 40_000 };
export const SERVER: SocketAddress = { host: '10.0.0.2', port: 443 };

/** Deterministic randomness for an endpoint, from the simulator's seeded generator. */
export function seededBytes(rng: Rng): (n: number) => Uint8Array {
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = rng.nextUint32() & 0xff;
    return out;
  };
}

/** A deterministic pseudo-random payload. */
export function payload(bytes: number, seed = 1): Uint8Array {
  const out = new Uint8Array(bytes);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < bytes; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Collects what one side of a connection reads, and its events. */
export class Sink {
  readonly chunks: Uint8Array[] = [];
  bytes = 0;
  finished = false;
  connected = false;
  closed: { reasonCode: number; applicationErrorCode: number; reason: string; initiator: string; error?: unknown } | undefined;
  reset: number | undefined;
  remoteKey: Uint8Array | undefined;
  firstByteAtMs: number | undefined;
  /** Whether read bytes are kept (for {@link data}); long runs only count them. */
  keep = true;
  /** While true the application reads nothing (a stalled reader). */
  paused = false;
  /** The connection's 'path' and 'remoteAddress' events, in order, with the virtual time they were seen. */
  readonly pathEvents: (PathEvent | RemoteAddressEvent)[] = [];
  /**
   * Every path the connection had, by id, as the engine's own Path objects (their counters stay final
   * after the engine drops a closed path): recorded on every pump, so no path is missed.
   */
  readonly seenPaths = new Map<number, Path>();
  /** The connection's 'pathManagerError' events. */
  readonly pathManagerErrors: PathManagerErrorEvent[] = [];

  constructor(readonly connection: Connection) {}

  /** Drains events and readable bytes; returns whether any bytes were read. */
  pump(nowMs: number): boolean {
    const before = this.bytes;
    for (let e = this.connection.pollEvent(); e !== undefined; e = this.connection.pollEvent()) {
      if (e.type === 'connected') {
        this.connected = true;
        this.remoteKey = e.remoteStaticKey;
      } else if (e.type === 'closed') this.closed = e;
      else if (e.type === 'path' || e.type === 'remoteAddress') this.pathEvents.push(e);
      else if (e.type === 'pathManagerError') this.pathManagerErrors.push(e);
      else if (e.type === 'reset') this.reset = e.applicationErrorCode;
    }
    for (let b = this.paused ? undefined : this.connection.read(); b !== undefined; b = this.connection.read()) {
      if (this.firstByteAtMs === undefined) this.firstByteAtMs = nowMs;
      if (this.keep) this.chunks.push(b.slice());
      this.bytes += b.length;
    }
    if (this.connection.readEnded) this.finished = true;
    for (const p of this.connection.paths) this.seenPaths.set(p.id, p);
    return this.bytes !== before;
  }

  data(): Uint8Array {
    return Buffer.concat(this.chunks);
  }
}

export interface PairOptions {
  seed?: number;
  link?: LinkOptions;
  reverse?: LinkOptions;
  client?: EndpointOptions;
  server?: EndpointOptions;
  connect?: ConnectOptions;
  serverKeys?: KeyPair;
  /** Wraps the server endpoint as the simulator sees it (e.g. a tap). */
  wrapServer?: (server: Endpoint) => DatagramEndpoint;
  /** Wraps the client endpoint as the simulator sees it. */
  wrapClient?: (client: Endpoint) => DatagramEndpoint;
  /** Further client addresses, each with its own two-way link to the server (for further paths). */
  extraClientAddresses?: readonly { address: SocketAddress; link: LinkOptions; reverse?: LinkOptions }[];
  /** Further server addresses, each with its own two-way link from the client's first address. */
  extraServerAddresses?: readonly { address: SocketAddress; link: LinkOptions; reverse?: LinkOptions }[];
}

/** Builds the simulator, both endpoints and the link, and starts a connection. */
export function enginePair(options: PairOptions = {}) {
  const sim = new Simulator({ seed: options.seed ?? 1 });
  const serverKeys = options.serverKeys ?? keyPairFromPrivate(seededBytes(sim.random('server-key'))(32)) as KeyPair;
  const server = Endpoint.create({ randomBytes: seededBytes(sim.random('server')), ...options.server, server: { staticKeyPair: serverKeys, ...options.server?.server } })._unsafeUnwrap();
  const client = Endpoint.create({ randomBytes: seededBytes(sim.random('client')), ...options.client })._unsafeUnwrap();
  const extra = options.extraClientAddresses ?? [];
  const clientNode = sim.attach(options.wrapClient?.(client) ?? client, [CLIENT, ...extra.map((e) => e.address)], { name: 'client' });
  const extraServer = options.extraServerAddresses ?? [];
  const serverNode = sim.attach(options.wrapServer?.(server) ?? server, [SERVER, ...extraServer.map((e) => e.address)], { name: 'server' });
  const link: TwoWayLink = sim.twoWayLink(CLIENT.host, SERVER.host, options.link ?? { delayMs: 10 }, options.reverse ?? options.link ?? { delayMs: 10 });
  const extraLinks = extra.map((e) => sim.twoWayLink(e.address.host, SERVER.host, e.link, e.reverse ?? e.link));
  const extraServerLinks = extraServer.map((e) => sim.twoWayLink(CLIENT.host, e.address.host, e.link, e.reverse ?? e.link));
  const connection = client.connect(sim.nowMs, CLIENT, SERVER, options.connect)._unsafeUnwrap();
  const clientSink = new Sink(connection);
  let serverSink: Sink | undefined;
  const pump = (): void => {
    for (let e = server.pollEvent(); e !== undefined; e = server.pollEvent()) serverSink = new Sink(e.connection);
    // Reading frees receive window: like the Node layer, drain the endpoint afterwards so a MAX_DATA goes out now.
    if (clientSink.pump(sim.nowMs)) clientNode.wake();
    if (serverSink?.pump(sim.nowMs) === true) serverNode.wake();
  };
  return {
    sim,
    link,
    extraLinks,
    extraServerLinks,
    client,
    server,
    serverKeys,
    connection,
    clientSink,
    clientNode,
    serverNode,
    get serverSink(): Sink | undefined {
      return serverSink;
    },
    pump,
    /** Runs until `done` holds (pumping both sides after every event); returns virtual ms. */
    runUntil(done: () => boolean, limitMs = 60_000): number {
      return sim.runUntil(() => {
        pump();
        return done();
      }, { limitMs });
    },
  };
}
