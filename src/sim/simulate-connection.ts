import type { TransportConfig } from '../core/config.js';
import type { Connection } from '../core/connection.js';
import { Endpoint } from '../core/endpoint.js';
import { pathView } from '../core/path-manager-runner.js';
import { sameAddress, type SocketAddress } from '../core/socket-address.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { keyPairFromPrivate, type KeyPair } from '../crypto/x25519.js';
import { MptError, MptErrorCode } from '../errors.js';
import type { LocalInterface, PathManager, PathManagerFactory, PathView } from '../core/path-manager.js';
import type { LinkOptions } from './link-options.js';
import type { AttemptEvent } from '../core/connection-events.js';
import { cacheKey, type HappyEyeballsCache } from '../core/happy-eyeballs/cache.js';
import { planAttempts, recordWinner } from '../core/happy-eyeballs/plan.js';
import type { SimNode } from './node.js';
import type { Rng } from './rng.js';
import { Simulator, type TwoWayLink } from './simulator.js';

/**
 * {@link simulateConnection}: one mpt connection, client and server engines
 * with their path managers, over simulated links, for testing path-manager
 * plugins (docs/plugins.md). The same engine the Node API drives, with the
 * default crypto; only the network and the clock are simulated.
 * @module
 */

/** How to set up one end of a {@link simulateConnection}. */
export interface SimulatedEndOptions {
  /** Its local addresses: the client connects from the first, the server listens on all (the client connects to its first). At least one. */
  readonly addresses: readonly SocketAddress[];
  /** Descriptions of those addresses' interfaces (name, type, metered), which plugins read through `ctx.localInterfaces()`. */
  readonly interfaces?: readonly LocalInterface[] | undefined;
  /** Its path manager (a plugin object, or a function that makes one per connection). Default none. */
  readonly pathManager?: PathManagerFactory | undefined;
  /** Transport settings (as `connect()` takes them). Default: the engine's, with `maxPaths` 8 as in the Node API. */
  readonly transport?: Partial<TransportConfig> | undefined;
  /**
   * Client only: connect with happy eyeballs (RFC 8305), as `connect()` does with several resolved
   * addresses: the attempts go from the client's first address of each destination's family (else its
   * first address) to each destination, ordered and paced
   * by the engine's planner (and the cache, when given), one connection at the server.
   */
  readonly happyEyeballs?: SimulatedHappyEyeballs | undefined;
}

/** The `happyEyeballs` option of a simulated client. */
export interface SimulatedHappyEyeballs {
  /** The server addresses "resolved" for the host, in resolver order. Default: the server's addresses. */
  readonly destinations?: readonly SocketAddress[] | undefined;
  /** Connection Attempt Delay, ms; default 250 (100 .. 2000). */
  readonly attemptDelayMs?: number | undefined;
  /** RFC 8305 First Address Family Count; default 1. */
  readonly firstAddressFamilyCount?: number | undefined;
  /** A cache to read and to record the winner in (on the simulator's clock), under `cacheName`. */
  readonly cache?: HappyEyeballsCache | undefined;
  /** The host name the cache files the destination under; default 'server'. */
  readonly cacheName?: string | undefined;
}

/** A happy-eyeballs attempt event of the client, with the virtual time it was seen. */
export interface SimulatedAttemptEvent {
  /** Virtual time, ms. */
  readonly atMs: number;
  /** `started`, `failed`, `won` (became path 0), `answered` (a late success). */
  readonly change: AttemptEvent['change'];
  /** The attempt's position, from 0. */
  readonly index: number;
  /** The server address it went to. */
  readonly remote: SocketAddress;
}

/** A two-way link of a {@link simulateConnection}, between a client host and a server host. */
export interface SimulatedLink {
  /** The client's host. */
  readonly from: string;
  /** The server's host. */
  readonly to: string;
  /** Client to server: delay, loss, rate... (see LinkOptions). Default 10 ms, nothing else. */
  readonly forward?: LinkOptions | undefined;
  /** Server to client. Default as `forward`. */
  readonly reverse?: LinkOptions | undefined;
}

/** Options of {@link simulateConnection}. */
export interface SimulateConnectionOptions {
  /** Seed of every random choice (links, keys, connection IDs): equal seeds give identical runs. Default 1. */
  readonly seed?: number | undefined;
  /** The client end. */
  readonly client: SimulatedEndOptions;
  /** The server end. */
  readonly server: SimulatedEndOptions;
  /** The links; a pair of hosts without one has no route. Default: one of 10 ms each way between every client and every server host. */
  readonly links?: readonly SimulatedLink[] | undefined;
  /** Crypto provider of both ends; default the package's default (the fastest available). */
  readonly provider?: CryptoProvider | undefined;
}

/** A path event of a {@link SimulatedEnd}, with the virtual time it was seen. */
export interface SimulatedPathEvent {
  /** Virtual time, ms. */
  readonly atMs: number;
  /** The path's id. */
  readonly pathId: number;
  /** `up` (validated), `failed` (probes unanswered), `recovered`, `status` (backup / available), `closed`. */
  readonly change: 'up' | 'failed' | 'recovered' | 'status' | 'closed';
  /** For `failed` and `closed`: the ReasonCode; else 0. */
  readonly reasonCode: number;
}

/** A hook of the end's path manager that threw, with the virtual time. */
export interface SimulatedPluginError {
  /** Virtual time, ms. */
  readonly atMs: number;
  /** The hook, e.g. `onPathStats`. */
  readonly hook: string;
  /** What it threw. */
  readonly error: unknown;
}

/** One end of a simulated connection: its stream, its paths, and what its path manager did. */
export class SimulatedEnd {
  /** 'client' or 'server'. */
  readonly role: 'client' | 'server';
  /** Whether the handshake completed. */
  connected = false;
  /** Whether the connection closed (either end, or the idle timeout). */
  closed = false;
  /** Stream bytes read so far (the end reads everything as it arrives). */
  bytesRead = 0;
  /** Whether the peer ended the stream and everything was read. */
  readEnded = false;
  /** Path events, in order. */
  readonly pathEvents: SimulatedPathEvent[] = [];
  /** Lines the path manager logged (`ctx.log`). */
  readonly logs: string[] = [];
  /** Hooks of the path manager that threw. */
  readonly pluginErrors: SimulatedPluginError[] = [];
  /** Happy-eyeballs attempt events (a client with `happyEyeballs`). */
  readonly attemptEvents: SimulatedAttemptEvent[] = [];
  /** @internal Where to record the race's winner. */
  recordWin: ((address: string, rttMs: number, nowMs: number) => void) | undefined = undefined;
  #connection: Connection | undefined;
  readonly #chunks: Uint8Array[] = [];
  /** Every path seen, by id, as last seen (closed ones keep their final figures). */
  readonly #seen = new Map<number, PathView>();
  readonly #node: SimNode;
  readonly #sim: Simulator;
  readonly #endpoint: Endpoint;

  /** @internal */
  constructor(role: 'client' | 'server', sim: Simulator, node: SimNode, endpoint: Endpoint, connection: Connection | undefined) {
    this.role = role;
    this.#sim = sim;
    this.#node = node;
    this.#endpoint = endpoint;
    this.#connection = connection;
  }

  /** The end's path manager instance (to inspect a plugin's own state); undefined without one, or before the server accepted. */
  get pathManager(): PathManager | undefined {
    return this.#connection?.pathManagerPlugin;
  }

  /** How many connections the end's endpoint holds (a server: one per connect(), however many attempts reached it). */
  get endpointConnections(): number {
    return this.#endpoint.connections.size;
  }

  /** Every path the connection lists (closed ones too, until the engine drops them a few PTOs later), as plugins see them. */
  paths(): PathView[] {
    return this.#connection?.paths.map(pathView) ?? [];
  }

  /** Every path the connection ever had, as last seen (a closed path keeps its final figures here). */
  allPaths(): PathView[] {
    return [...this.#seen.values()];
  }

  /** Everything read so far. */
  received(): Uint8Array {
    return Buffer.concat(this.#chunks);
  }

  /** Writes stream bytes (buffered without limit by this harness); throws before the server accepted. */
  write(bytes: Uint8Array): void {
    this.#require().write(bytes);
    this.#node.wake();
  }

  /** Destinations learnt late (a DNS answer after the race started): appended to the client's race (see `Connection.addRaceDestinations`). */
  addRaceDestinations(targets: readonly { readonly local: SocketAddress; readonly remote: SocketAddress }[], attemptDelayMs: number): boolean {
    const added = this.#require().addRaceDestinations(this.#sim.nowMs, targets, attemptDelayMs);
    this.#node.wake();
    return added;
  }

  /** Closes the connection (CLOSE to the peer); during a happy-eyeballs race, every attempt stops. */
  close(): void {
    this.#require().close(this.#sim.nowMs);
    this.#node.wake();
  }

  /** When the end's endpoint next needs the clock, virtual ms; undefined when nothing is pending (no timer left). */
  nextTimeout(): number | undefined {
    return this.#endpoint.nextTimeout();
  }

  /** Ends our direction of the stream (FIN). */
  end(): void {
    this.#require().shutdown();
    this.#node.wake();
  }

  /**
   * The end's interfaces change (one appears, one goes away): binds and unbinds the addresses in the
   * simulator and tells the connection, whose path manager hears of each address added or removed.
   */
  setInterfaces(interfaces: readonly LocalInterface[]): void {
    const next = interfaces.map((i) => i.address);
    for (const a of this.#node.addresses) if (!next.some((b) => sameAddress(a, b))) this.#node.removeAddress(a);
    for (const a of next) if (!this.#node.addresses.some((b) => sameAddress(a, b))) this.#node.addAddress(a);
    if (this.role === 'server') this.#endpoint.setServerLocalAddresses(next);
    this.#connection?.setLocalAddresses(this.#sim.nowMs, next, interfaces);
    this.#node.wake();
  }

  #require(): Connection {
    if (this.#connection === undefined) throw new MptError(MptErrorCode.InvalidState, 'the server has not accepted the connection yet');
    return this.#connection;
  }

  /** @internal Drains events and readable bytes; returns whether anything was read. */
  pump(): boolean {
    if (this.#connection === undefined) {
      const accepted = this.#endpoint.pollEvent();
      if (accepted === undefined) return false;
      this.#connection = accepted.connection;
    }
    const c = this.#connection;
    const atMs = this.#sim.nowMs;
    for (let e = c.pollEvent(); e !== undefined; e = c.pollEvent()) {
      if (e.type === 'connected') this.connected = true;
      else if (e.type === 'closed') this.closed = true;
      else if (e.type === 'path') this.pathEvents.push({ atMs, pathId: e.pathId, change: e.change, reasonCode: e.reasonCode });
      else if (e.type === 'pathManagerLog') this.logs.push(e.message);
      else if (e.type === 'pathManagerError') this.pluginErrors.push({ atMs, hook: e.hook, error: e.error });
      else if (e.type === 'attempt') {
        this.attemptEvents.push({ atMs, change: e.change, index: e.index, remote: e.remote });
        if (e.change === 'won') {
          const won = c.raceAttempts()[e.index];
          if (won !== undefined) this.recordWin?.(won.remote.host, won.answeredAtMs - won.startedAtMs, atMs);
        }
      }
    }
    let read = false;
    for (let b = c.read(); b !== undefined; b = c.read()) {
      this.#chunks.push(b.slice());
      this.bytesRead += b.length;
      read = true;
    }
    if (c.readEnded) this.readEnded = true;
    for (const path of c.paths) this.#seen.set(path.id, pathView(path));
    // Reading freed receive window: the engine may owe the peer a MAX_DATA now.
    if (read) this.#node.wake();
    return read;
  }
}

/** A connection in the simulator; see {@link simulateConnection}. */
export class SimulatedConnection {
  /** The simulator: virtual time (`nowMs`), link impairments at set times (`blackhole`, `at`), stats. */
  readonly sim: Simulator;
  /** The client end. */
  readonly client: SimulatedEnd;
  /** The server end (its connection exists once the client's first datagram arrived). */
  readonly server: SimulatedEnd;
  /** The server's static key pair (seeded). */
  readonly serverKeys: KeyPair;
  readonly #links: Map<string, TwoWayLink>;

  /** @internal */
  constructor(sim: Simulator, client: SimulatedEnd, server: SimulatedEnd, serverKeys: KeyPair, links: Map<string, TwoWayLink>) {
    this.sim = sim;
    this.client = client;
    this.server = server;
    this.serverKeys = serverKeys;
    this.#links = links;
  }

  /** The link between a client host and a server host (`forward`: client to server), to impair it while running. */
  link(from: string, to: string): TwoWayLink {
    const link = this.#links.get(`${from}>${to}`);
    if (link === undefined) throw new MptError(MptErrorCode.InvalidConfig, `no link from ${from} to ${to}`);
    return link;
  }

  /** Runs until the handshake completed at both ends; returns the virtual ms it took. */
  establish(limitMs = 10_000): number {
    return this.runUntil(() => this.client.connected && this.server.connected, limitMs);
  }

  /**
   * Runs until `done()` holds, checked after every simulator event, both ends reading everything
   * that arrives; returns the virtual ms it took. Throws a SimulationError when `limitMs` passes first.
   */
  runUntil(done: () => boolean, limitMs = 60_000): number {
    return this.sim.runUntil(() => {
      this.#pump();
      return done();
    }, { limitMs });
  }

  /** Runs `durationMs` of virtual time, both ends reading as above. */
  runFor(durationMs: number): void {
    const endMs = this.sim.nowMs + durationMs;
    this.sim.at(endMs, () => {}); // an event to stop at, should the connection be idle before
    this.runUntil(() => this.sim.nowMs >= endMs, durationMs + 1);
  }

  #pump(): void {
    this.client.pump();
    this.server.pump();
  }
}

/** Deterministic randomness for an endpoint, from the simulator's seeded streams. */
function seededBytes(rng: Rng): (n: number) => Uint8Array {
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = rng.nextUint32() & 0xff;
    return out;
  };
}

/**
 * Sets up a client and a server engine in a {@link Simulator}, joined by the given links, each with its
 * path manager, and starts the connection (the client's first packet is ready; call `establish()` or
 * `runUntil()`). Throws an MptError (ERR_MPT_INVALID_CONFIG) for an end without addresses or settings
 * the engine refuses.
 *
 * @example
 * ```ts
 * import { simulateConnection } from 'mpt/sim';
 *
 * const c = simulateConnection({
 *   client: { addresses: [wifi, cell], interfaces: [...], pathManager: myPlugin() },
 *   server: { addresses: [{ host: '10.9.9.9', port: 443 }] },
 *   links: [
 *     { from: wifi.host, to: '10.9.9.9', forward: { delayMs: 10, rateBps: 20e6, lossRate: 0.02 } },
 *     { from: cell.host, to: '10.9.9.9', forward: { delayMs: 30, rateBps: 10e6 } },
 *   ],
 * });
 * c.establish();
 * c.client.write(new Uint8Array(5_000_000));
 * c.client.end();
 * c.runUntil(() => c.server.readEnded);
 * console.log(c.client.paths().map((p) => [p.local.host, p.bytesSent]));
 * ```
 */
export function simulateConnection(options: SimulateConnectionOptions): SimulatedConnection {
  const clientAt = options.client.addresses[0];
  const serverAt = options.server.addresses[0];
  if (clientAt === undefined || serverAt === undefined) throw new MptError(MptErrorCode.InvalidConfig, 'both ends need at least one address');
  const sim = new Simulator({ seed: options.seed ?? 1 });
  const provider = options.provider;
  const serverKeys = keyPairFromPrivate(seededBytes(sim.random('server-key'))(32)) as KeyPair;
  const transport = (end: SimulatedEndOptions): Partial<Record<keyof TransportConfig, unknown>> => ({ maxPaths: 8, ...end.transport });
  const server = Endpoint.create({
    transport: transport(options.server),
    provider,
    randomBytes: seededBytes(sim.random('server')),
    server: {
      staticKeyPair: serverKeys,
      pathManager: options.server.pathManager,
      localAddresses: options.server.addresses,
      localInterfaces: options.server.interfaces,
    },
  });
  if (server.isErr()) throw server.error;
  const client = Endpoint.create({ transport: transport(options.client), provider, randomBytes: seededBytes(sim.random('client')) });
  if (client.isErr()) throw client.error;
  const clientNode = sim.attach(client.value, options.client.addresses, { name: 'client' });
  const serverNode = sim.attach(server.value, options.server.addresses, { name: 'server' });
  const links = new Map<string, TwoWayLink>();
  const specs: readonly SimulatedLink[] =
    options.links ?? options.client.addresses.flatMap((c) => options.server.addresses.map((s): SimulatedLink => ({ from: c.host, to: s.host })));
  for (const l of specs) {
    const key = `${l.from}>${l.to}`;
    if (links.has(key)) continue;
    const forward = l.forward ?? { delayMs: 10 };
    links.set(key, sim.twoWayLink(l.from, l.to, forward, l.reverse ?? forward));
  }
  const he = options.client.happyEyeballs;
  const key = cacheKey(he?.cacheName ?? 'server', serverAt.port);
  let order: readonly SocketAddress[] = [serverAt];
  let attemptDelayMs: number | undefined;
  if (he !== undefined) {
    const resolved = he.destinations ?? options.server.addresses;
    const plan = planAttempts(
      resolved.map((a) => ({ host: a.host, family: a.host.includes(':') ? 6 : 4 })),
      { cache: he.cache, key, nowMs: sim.nowMs, firstAddressFamilyCount: he.firstAddressFamilyCount, attemptDelayMs: he.attemptDelayMs },
    );
    order = plan.order.map((d) => resolved.find((a) => a.host === d.host) as SocketAddress);
    attemptDelayMs = plan.attemptDelayMs;
  }
  const first = order[0] ?? serverAt;
  // Each attempt leaves from the client's first address of the destination's family (as the Node layer binds one socket per family).
  const localFor = (remote: SocketAddress): SocketAddress =>
    options.client.addresses.find((a) => a.host.includes(':') === remote.host.includes(':')) ?? clientAt;
  const connection = client.value.connect(sim.nowMs, he === undefined ? clientAt : localFor(first), first, {
    pathManager: options.client.pathManager,
    localAddresses: options.client.addresses,
    localInterfaces: options.client.interfaces,
    race: he === undefined ? undefined : { alternatives: order.slice(1).map((remote) => ({ local: localFor(remote), remote })), attemptDelayMs },
  });
  if (connection.isErr()) throw connection.error;
  const clientEnd = new SimulatedEnd('client', sim, clientNode, client.value, connection.value);
  const cache = he?.cache;
  if (cache !== undefined) clientEnd.recordWin = (address, rttMs, nowMs) => recordWinner(cache, key, address, rttMs, nowMs);
  return new SimulatedConnection(
    sim,
    clientEnd,
    new SimulatedEnd('server', sim, serverNode, server.value, undefined),
    serverKeys,
    links,
  );
}
