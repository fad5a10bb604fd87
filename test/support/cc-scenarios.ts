// Congestion-control scenarios in the simulator (issue #5): several client
// endpoints, each with its own addresses and congestion control, bulk
// connections to one server, links and shared bottlenecks routed by hand.
// Used by test/core/coupled-cc-*.test.ts and scripts/cc-plots.ts.
import type { CongestionControlName } from '../../src/cc/congestion-controller.js';
import type { Connection } from '../../src/core/connection.js';
import { Endpoint } from '../../src/core/endpoint.js';
import type { SocketAddress } from '../../src/core/socket-address.js';
import { keyPairFromPrivate, type KeyPair } from '../../src/crypto/x25519.js';
import type { Link } from '../../src/sim/link.js';
import type { Rng } from '../../src/sim/rng.js';
import { Simulator } from '../../src/sim/simulator.js';
import type { SimNode } from '../../src/sim/node.js';
import { SERVER, Sink, payload, seededBytes } from './engine-pair.js';
import { nullProvider } from './null-provider.js';

/** One bulk connection of a scenario: the client side, what the server read, per-path byte counts. */
export class Flow {
  /** The server's side, once it exists. */
  server: Connection | undefined;
  serverSink: Sink | undefined;
  constructor(
    readonly name: string,
    readonly connection: Connection,
    readonly clientSink: Sink,
    readonly node: SimNode,
    readonly addresses: readonly SocketAddress[],
  ) {}

  /** Stream bytes the server's application has read. */
  get deliveredBytes(): number {
    return this.serverSink?.bytes ?? 0;
  }

  /** Stream bytes (first transmissions and retransmissions) sent on path `id`. */
  pathBytes(id: number): number {
    const p = this.connection.pathById(id);
    return p === undefined ? 0 : p.stats.streamBytesSent + p.stats.streamBytesRetransmitted;
  }

  /** Congestion window of path `id`, bytes (0 once closed). */
  cwnd(id: number): number {
    return this.connection.pathById(id)?.cc.cwnd ?? 0;
  }
}

const CHUNK = payload(1 << 20);

/** The coupled controllers, whose bounds the scenarios' tests assert (uncoupled ones are reported beside them). */
export const COUPLED_CC = ['olia', 'lia', 'balia'] as const satisfies readonly CongestionControlName[];

/** Largest random delay before a connection starts, ms (drawn from the seed). */
export const START_SPREAD_MS = 500;

/**
 * Jitter of each client address's access link, ms: uniform in [0, 2) and in
 * order (see {@link CcWorld.routeToServer}). Floyd and Jacobson ("On traffic
 * phase effects in packet-switched gateways", 1992) break drop-tail phase
 * effects with a random delay of up to one bottleneck service time; 2 ms is
 * ~1.7 service times of a 1452-byte datagram at the 10 Mbit/s links where
 * flows compete (balance, two connections) and ~3.4 at the 20 Mbit/s shared
 * bottleneck. docs/cc.md has the figures with 0 and 1 ms.
 */
export const ACCESS_JITTER_MS = 2;

/** A simulator with one server endpoint; clients, links and flows are added by the scenario. */
export class CcWorld {
  readonly sim: Simulator;
  readonly server: Endpoint;
  readonly serverNode: SimNode;
  readonly flows: Flow[] = [];
  private readonly serverKeys: KeyPair;
  private clients = 0;
  /** Server connections not yet matched to their flow. */
  private readonly unmatched: Connection[] = [];
  private readonly startRng: Rng;

  /**
   * @param seed the simulator's seed.
   * @param accessJitterMs jitter of each client address's access link in front of the scenario's links, ms (0: none).
   */
  constructor(
    readonly seed: number,
    readonly accessJitterMs = ACCESS_JITTER_MS,
  ) {
    this.sim = new Simulator({ seed });
    this.serverKeys = keyPairFromPrivate(seededBytes(this.sim.random('server-key'))(32)) as KeyPair;
    this.server = Endpoint.create({
      randomBytes: seededBytes(this.sim.random('server')),
      provider: nullProvider,
      transport: { maxPaths: 4 },
      server: { staticKeyPair: this.serverKeys },
    })._unsafeUnwrap();
    this.serverNode = this.sim.attach(this.server, [SERVER], { name: 'server' });
    this.startRng = this.sim.random('start');
  }

  /**
   * A bulk connection from a new client endpoint on `addresses` (path i
   * from address i; the paths after the first are opened once connected).
   * The client's `congestionControl` is `cc`; routes for its addresses
   * must already exist.
   */
  connect(name: string, addresses: readonly SocketAddress[], cc: CongestionControlName): Flow {
    const n = this.clients++;
    // What the seed changes: each connection starts up to START_SPREAD_MS late, so flows meet the
    // bottleneck at different phases of one another's sawtooth (the links themselves are deterministic).
    const startMs = this.sim.nowMs + this.startRng.nextFloat() * START_SPREAD_MS;
    this.sim.at(startMs, () => {}, 'start');
    this.runTo(startMs);
    const client = Endpoint.create({
      randomBytes: seededBytes(this.sim.random(`client-${n}`)),
      provider: nullProvider,
      transport: { maxPaths: Math.max(2, addresses.length), congestionControl: cc },
    })._unsafeUnwrap();
    const node = this.sim.attach(client, addresses, { name: `client-${n}` });
    const connection = client.connect(this.sim.nowMs, addresses[0]!, SERVER)._unsafeUnwrap();
    const flow = new Flow(name, connection, new Sink(connection), node, addresses);
    this.flows.push(flow);
    this.runUntil(() => flow.clientSink.connected && flow.server !== undefined, this.sim.nowMs + 10_000);
    for (let i = 1; i < addresses.length; i++) {
      let id: number | undefined;
      this.runUntil(() => (id = connection.openPath(this.sim.nowMs, addresses[i]!, SERVER)) !== undefined, this.sim.nowMs + 10_000);
      if (id !== i) throw new Error(`path ${i} opened as ${id}`);
    }
    node.wake();
    this.runUntil(() => connection.paths.every((p) => p.validated), this.sim.nowMs + 10_000);
    // A path given up on (say, its validation timed out) would leave the scenario with fewer paths than it says.
    if (connection.paths.length !== addresses.length) throw new Error(`${name}: ${connection.paths.length} of ${addresses.length} paths validated`);
    flow.serverSink!.keep = false;
    return flow;
  }

  /** Delivers events and reads on every connection, and keeps every client's send buffer full. */
  pump(): void {
    for (let e = this.server.pollEvent(); e !== undefined; e = this.server.pollEvent()) this.unmatched.push(e.connection);
    // A server connection has its path (the client's address) once the first packet is processed.
    for (let i = this.unmatched.length - 1; i >= 0; i--) {
      const c = this.unmatched[i]!;
      const host = c.paths[0]?.remote.host;
      const flow = this.flows.find((f) => f.addresses[0]!.host === host);
      if (flow === undefined) continue;
      flow.server = c;
      flow.serverSink = new Sink(c);
      this.unmatched.splice(i, 1);
    }
    for (const f of this.flows) {
      if (f.clientSink.connected) while (f.connection.bufferedBytes < 16 << 20) f.connection.write(CHUNK);
      if (f.clientSink.pump(this.sim.nowMs)) f.node.wake();
      if (f.serverSink?.pump(this.sim.nowMs) === true) this.serverNode.wake();
    }
  }

  /** Runs until `done` holds or virtual time `deadlineMs` (throws then). */
  runUntil(done: () => boolean, deadlineMs: number): void {
    this.sim.runUntil(
      () => {
        this.pump();
        return done();
      },
      { limitMs: deadlineMs - this.sim.nowMs },
    );
  }

  /** Runs to virtual time `atMs`, calling `sample` every `everyMs` (if given). */
  runTo(atMs: number, sample?: (nowMs: number) => void, everyMs = 100): void {
    let next = this.sim.nowMs;
    this.runUntil(() => {
      if (sample !== undefined && this.sim.nowMs >= next) {
        sample(this.sim.nowMs);
        next += everyMs;
      }
      return this.sim.nowMs >= atMs;
    }, atMs + 1);
  }

  /** A link (one direction) that nothing is routed through yet. */
  link(name: string, rateBps: number, delayMs: number, queueBytes: number): Link {
    return this.sim.createLink({ name, rateBps, delayMs, queueBytes });
  }

  /**
   * Routes each of `hosts` to the server through `link`, each behind its own
   * access link with {@link accessJitterMs} of jitter, in order (why: {@link ACCESS_JITTER_MS}).
   */
  routeToServer(hosts: readonly string[], link: Link): void {
    if (this.accessJitterMs <= 0) {
      this.sim.route(hosts, SERVER.host, link);
      return;
    }
    for (const host of hosts) {
      const access = this.sim.createLink({ name: `access-${host}`, jitterMs: this.accessJitterMs });
      this.sim.route(host, SERVER.host, [access, link]);
    }
  }
}

/** Client address `i` of client `c` (distinct hosts; the server is 10.0.0.2). */
export function addr(c: number, i: number): SocketAddress {
  return { host: `10.${c + 1}.${i}.1`, port: 40_000 + i };
}

/** Bytes of one bandwidth-delay product. */
export function bdpBytes(rateBps: number, rttMs: number): number {
  return Math.round((rateBps / 8) * (rttMs / 1000));
}

/** A reverse link with no rate limit (ACKs): `delayMs` one way, routed server -> `hosts`. */
function ackLinks(world: CcWorld, hosts: readonly string[], delayMs: number, name: string): void {
  const back = world.sim.createLink({ name, delayMs });
  world.sim.route(SERVER.host, hosts, back);
}

/** Measured figures of a scenario; everything in virtual time. */
export interface Sample {
  readonly tMs: number;
  /** Per flow, per path: cwnd bytes. */
  readonly cwnd: number[][];
  /** Per flow: bytes delivered so far. */
  readonly delivered: number[];
  /** Per flow, per path: stream bytes sent so far. */
  readonly pathBytes: number[][];
  /** Per flow, per path: packets sent and packets declared lost so far. */
  readonly packets: { sent: number; lost: number }[][];
}

function sampler(world: CcWorld, out: Sample[]): (nowMs: number) => void {
  return (nowMs) => {
    out.push({
      tMs: nowMs,
      cwnd: world.flows.map((f) => f.connection.paths.map((p) => p.cc.cwnd)),
      delivered: world.flows.map((f) => f.deliveredBytes),
      pathBytes: world.flows.map((f) => f.addresses.map((_, i) => f.pathBytes(i))),
      packets: world.flows.map((f) => f.connection.paths.map((p) => ({ sent: p.stats.packetsSent, lost: p.stats.packetsLost }))),
    });
  };
}

export const SHARED_RATE_BPS = 20e6;
export const SHARED_RTT_MS = 40;
/**
 * Virtual length of a shared-bottleneck or two-connection run, ms; goodput
 * is measured after the first 10 s. Two flows' sawtooths meet at random
 * phases and a loss event is a large step, so a short measurement is mostly
 * noise: LIA's ratio at the shared bottleneck ranged 0.90-1.27 over seeds
 * 1-10 measured over 190 s, 0.96-1.09 over 590 s (docs/cc.md).
 */
export const LONG_RUN_MS = 600_000;

/**
 * The seeds a coupled-cc test asserts, 1 to n: n is `MPT_CC_SEEDS` when set
 * (`npm run test:cc` sets 10), else `fallback` (what `npm test` can afford).
 */
export function ccSeeds(fallback: number): number[] {
  const n = Number(process.env.MPT_CC_SEEDS ?? fallback);
  if (!Number.isInteger(n) || n < 1) throw new Error(`MPT_CC_SEEDS must be a positive integer, not ${process.env.MPT_CC_SEEDS}`);
  return Array.from({ length: n }, (_, i) => i + 1);
}

export interface SharedResult {
  /** Multipath goodput / single-path goodput over the measurement interval. */
  readonly ratio: number;
  readonly multipathBps: number;
  readonly singleBps: number;
  readonly samples: Sample[];
}

/**
 * A 2-path connection whose paths both cross one 20 Mbit/s bottleneck (40 ms
 * RTT, one-BDP drop-tail queue) against one single-path connection of the
 * same algorithm (a coupled one with one path is Reno). Both start within
 * START_SPREAD_MS of each other; goodput measured over [warmupMs, durationMs].
 */
export function sharedBottleneck(
  cc: CongestionControlName,
  seed: number,
  durationMs = LONG_RUN_MS,
  warmupMs = 10_000,
  accessJitterMs = ACCESS_JITTER_MS,
): SharedResult {
  const world = new CcWorld(seed, accessJitterMs);
  const mp = [addr(0, 0), addr(0, 1)];
  const sp = [addr(1, 0)];
  const bottleneck = world.link('bottleneck', SHARED_RATE_BPS, SHARED_RTT_MS / 2, bdpBytes(SHARED_RATE_BPS, SHARED_RTT_MS));
  world.routeToServer([...mp, ...sp].map((a) => a.host), bottleneck);
  ackLinks(world, [...mp, ...sp].map((a) => a.host), SHARED_RTT_MS / 2, 'acks');
  const samples: Sample[] = [];
  const a = world.connect('multipath', mp, cc);
  const b = world.connect('single', sp, cc);
  const start = world.sim.nowMs;
  let a0 = 0;
  let b0 = 0;
  world.runTo(start + warmupMs, sampler(world, samples));
  a0 = a.deliveredBytes;
  b0 = b.deliveredBytes;
  const t0 = world.sim.nowMs;
  world.runTo(start + durationMs, sampler(world, samples));
  const seconds = (world.sim.nowMs - t0) / 1000;
  const multipathBps = ((a.deliveredBytes - a0) * 8) / seconds;
  const singleBps = ((b.deliveredBytes - b0) * 8) / seconds;
  return { ratio: multipathBps / singleBps, multipathBps, singleBps, samples };
}

/** Two disjoint paths: client address i of each listed client crosses link i (forward), one-BDP queue each. */
function disjointPaths(world: CcWorld, rates: readonly number[], rttMs: number, clients: readonly number[]): Link[] {
  const links = rates.map((rate, i) => world.link(`path-${i}`, rate, rttMs / 2, bdpBytes(rate, rttMs)));
  links.forEach((l, i) => world.routeToServer(clients.map((c) => addr(c, i).host), l));
  ackLinks(world, clients.flatMap((c) => rates.map((_, i) => addr(c, i).host)), rttMs / 2, 'acks');
  return links;
}

export const BEST_PATH_RATES = [10e6, 2e6] as const;
export const BEST_PATH_RTT_MS = 40;

export interface BestPathResult {
  /** Two-path goodput / goodput of the 10 Mbit/s path alone. */
  readonly ratio: number;
  readonly multipathBps: number;
  readonly aloneBps: number;
  readonly samples: Sample[];
}

/** Goodput over [warmupMs, durationMs] of one connection over `rates.length` disjoint paths. */
function disjointGoodput(cc: CongestionControlName, seed: number, rates: readonly number[], durationMs: number, warmupMs: number, samples: Sample[]): number {
  const world = new CcWorld(seed);
  disjointPaths(world, rates, BEST_PATH_RTT_MS, [0]);
  const flow = world.connect('multipath', rates.map((_, i) => addr(0, i)), cc);
  const start = world.sim.nowMs;
  world.runTo(start + warmupMs, sampler(world, samples));
  const d0 = flow.deliveredBytes;
  const t0 = world.sim.nowMs;
  world.runTo(start + durationMs, sampler(world, samples));
  return ((flow.deliveredBytes - d0) * 8) / ((world.sim.nowMs - t0) / 1000);
}

/** Disjoint 10 and 2 Mbit/s paths (40 ms RTT each) against the 10 Mbit/s path alone, same algorithm. */
export function noWorseThanBest(cc: CongestionControlName, seed: number, durationMs = 20_000, warmupMs = 5_000): BestPathResult {
  const samples: Sample[] = [];
  const multipathBps = disjointGoodput(cc, seed, BEST_PATH_RATES, durationMs, warmupMs, samples);
  const aloneBps = disjointGoodput(cc, seed, [BEST_PATH_RATES[0]], durationMs, warmupMs, []);
  return { ratio: multipathBps / aloneBps, multipathBps, aloneBps, samples };
}

export const BALANCE_RATE_BPS = 10e6;
export const BALANCE_RTT_MS = 40;

/** How long a balance run may go on after its 10 s window to show where the split settles, ms (see {@link balance}). */
export const BALANCE_SETTLE_MS = 30_000;

export interface BalanceResult {
  /** Share of the multipath connection's stream bytes sent on path 2 in the window after the competitor starts. */
  readonly shareOnPath2: number;
  /** The same share over the `settleMs` after that window; undefined when `settleMs` is 0. */
  readonly settledShareOnPath2: number | undefined;
  readonly samples: Sample[];
}

/**
 * Two disjoint 10 Mbit/s paths, equal RTT; the 2-path connection runs alone
 * for `soloMs`, then a single-path connection (same algorithm) starts on
 * path 1; returns the share of the multipath connection's new bytes that
 * ride on path 2 over the `windowMs` after that, and (if `settleMs` > 0) over
 * the `settleMs` after the window: where the split settles once the
 * newcomer's start is over.
 */
export function balance(cc: CongestionControlName, seed: number, soloMs = 5_000, windowMs = 10_000, settleMs = 0): BalanceResult {
  const world = new CcWorld(seed);
  disjointPaths(world, [BALANCE_RATE_BPS, BALANCE_RATE_BPS], BALANCE_RTT_MS, [0, 1]);
  const samples: Sample[] = [];
  const mp = world.connect('multipath', [addr(0, 0), addr(0, 1)], cc);
  world.runTo(world.sim.nowMs + soloMs, sampler(world, samples));
  world.connect('single', [addr(1, 0)], cc);
  /** Share of the stream bytes `mp` sends on path 2 over the next `ms`. */
  const shareOver = (ms: number): number => {
    const p1 = mp.pathBytes(0);
    const p2 = mp.pathBytes(1);
    world.runTo(world.sim.nowMs + ms, sampler(world, samples));
    const d1 = mp.pathBytes(0) - p1;
    const d2 = mp.pathBytes(1) - p2;
    return d2 / (d1 + d2);
  };
  const shareOnPath2 = shareOver(windowMs);
  const settledShareOnPath2 = settleMs > 0 ? shareOver(settleMs) : undefined;
  return { shareOnPath2, settledShareOnPath2, samples };
}

export interface PairResult {
  /** Goodput of the first coupled connection / the second's. */
  readonly ratio: number;
  readonly firstBps: number;
  readonly secondBps: number;
  readonly samples: Sample[];
}

/** Two 2-path connections over the same two disjoint 10 Mbit/s paths (40 ms RTT): goodput ratio over [warmupMs, durationMs]. */
export function twoCoupled(cc: CongestionControlName, seed: number, durationMs = LONG_RUN_MS, warmupMs = 10_000): PairResult {
  const world = new CcWorld(seed);
  disjointPaths(world, [BALANCE_RATE_BPS, BALANCE_RATE_BPS], BALANCE_RTT_MS, [0, 1]);
  const samples: Sample[] = [];
  const a = world.connect('first', [addr(0, 0), addr(0, 1)], cc);
  const b = world.connect('second', [addr(1, 0), addr(1, 1)], cc);
  const start = world.sim.nowMs;
  world.runTo(start + warmupMs, sampler(world, samples));
  const a0 = a.deliveredBytes;
  const b0 = b.deliveredBytes;
  const t0 = world.sim.nowMs;
  world.runTo(start + durationMs, sampler(world, samples));
  const s = (world.sim.nowMs - t0) / 1000;
  const firstBps = ((a.deliveredBytes - a0) * 8) / s;
  const secondBps = ((b.deliveredBytes - b0) * 8) / s;
  return { ratio: firstBps / secondBps, firstBps, secondBps, samples };
}
