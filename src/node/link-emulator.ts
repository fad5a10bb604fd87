import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { promises as dnsPromises, lookup as dnsLookup, type LookupOneOptions } from 'node:dns';
import { isIP, isIPv6 } from 'node:net';
import { performance } from 'node:perf_hooks';
import { DEFAULT_LINK_CONFIG, applyLinkOptions, effectiveQueueBytes, type BurstLossOptions, type LinkConfig, type LinkOptions } from '../sim/link-options.js';
import { LinkAdmission } from '../sim/admission.js';
import { EventQueue } from '../sim/event-queue.js';
import { Fifo } from '../sim/fifo.js';
import { Rng } from '../sim/rng.js';

/**
 * {@link LinkEmulator}: a userspace UDP relay that gives a path its own
 * delay, jitter, loss, rate and queue between loopback addresses, for
 * real-UDP end-to-end tests, the demo and benchmarks on machines without
 * netem.
 *
 * The relay listens on a front address (say 127.0.0.2:P) and forwards every
 * datagram to a back address (the real server, say 127.0.0.1:S), and the
 * replies back to their sender. Like a NAT, it gives each client address
 * its own outbound socket toward the server, bound on a configurable local
 * address (say 127.0.0.3), so the server sees a distinct source per client
 * and per relay, and can be made to see a new one ({@link LinkEmulator.rebind}).
 *
 * Each direction applies the simulator's link pipeline (the same options,
 * validated by the same code, see `mpt/sim` LinkOptions), in real time:
 *
 *     down -> mtu -> burst loss -> random loss -> rate + drop-tail queue
 *       -> delay + jitter (+ reorder delay) -> duplication -> (down at exit)
 *
 * Timing: each direction keeps one timer, armed for its earliest event
 * (end of a serialisation or a due arrival); times are computed on a
 * sub-millisecond virtual timeline from performance.now(), so a rate holds
 * even when a timer fires late and handles many datagrams at once. Node
 * timers have millisecond granularity: a datagram leaves within about a
 * millisecond of its due time (up to TIMER_SLACK_MS, 1 ms, early).
 * Randomness comes from a seeded PRNG, one stream per feature and direction,
 * so the same datagrams in the same order meet the same fate.
 * @module
 */

/** A datagram due within this many ms of now is sent now rather than after one more timer turn. */
export const TIMER_SLACK_MS = 1;

/** Default socket buffer size asked of the kernel for every relay socket, bytes (Linux caps it at net.core.rmem_max). */
const DEFAULT_SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;

/** Default PRNG seed. */
const DEFAULT_SEED = 1;

/** The two directions of a relay: from the clients toward the server, and back. */
export type LinkDirection = 'toServer' | 'toClient';

/** Why the relay dropped a datagram, in the order the pipeline checks. */
export type LinkEmulatorDropCause = 'down' | 'mtu' | 'burst' | 'loss' | 'queue';

/**
 * Impairments of one direction. Every field is optional; the defaults give
 * a perfect, instant link. The semantics are the simulator's LinkOptions
 * (`blackhole` there is `down` here).
 */
export type LinkImpairments = Omit<LinkOptions, 'blackhole'> & {
  /** When true the direction drops everything: datagrams entering it and datagrams due to leave it. Default false. */
  readonly down?: boolean;
};

/**
 * A change of impairments: the top-level fields apply to both directions,
 * then `toServer` and `toClient` to one direction each (they win over the
 * top-level ones). Fields left out keep their values.
 */
export interface LinkImpairmentChanges extends LinkImpairments {
  /** Impairments of the client-to-server direction only. */
  readonly toServer?: LinkImpairments | undefined;
  /** Impairments of the server-to-client direction only. */
  readonly toClient?: LinkImpairments | undefined;
}

/** Options of {@link createLinkEmulator}: the addresses, then the initial impairments. */
export interface LinkEmulatorOptions extends LinkImpairmentChanges {
  /** Where the real server listens: the address every client datagram is forwarded to. */
  readonly backHost: string;
  /** The real server's UDP port. */
  readonly backPort: number;
  /** Address the relay listens on (clients send here). Default '127.0.0.1'. */
  readonly frontHost?: string | undefined;
  /** Port the relay listens on; default 0 (any, see {@link LinkEmulator.port}). */
  readonly frontPort?: number | undefined;
  /** Local address of the per-client outbound sockets: the source the server sees. Default `frontHost`. */
  readonly outboundHost?: string | undefined;
  /** PRNG seed: equal seeds and equal traffic give equal drops, jitter and reordering. Default 1. */
  readonly seed?: number | undefined;
  /** Kernel receive and send buffer asked for every relay socket, bytes. Default 4 MiB. */
  readonly socketBufferBytes?: number | undefined;
  /**
   * Forget a client mapping (and close its outbound socket) after this long
   * without a datagram from the client, ms, as a NAT expires its mappings;
   * the client's next datagram gets a new outbound port. Default 0: never.
   */
  readonly mappingIdleMs?: number | undefined;
}

/** Counters of one direction. Every datagram that entered is forwarded, dropped, or still in the relay. */
export interface LinkDirectionStats {
  /** Datagrams received for this direction (before any drop). */
  readonly datagramsIn: number;
  /** Bytes received for this direction. */
  readonly bytesIn: number;
  /** Datagrams sent on (duplicates included). */
  readonly datagramsForwarded: number;
  /** Bytes sent on (duplicates included). */
  readonly bytesForwarded: number;
  /** Extra copies made by duplication. */
  readonly datagramsDuplicated: number;
  /** Datagrams dropped, by cause. */
  readonly dropped: Readonly<Record<LinkEmulatorDropCause, number>>;
  /** Bytes dropped, all causes together. */
  readonly bytesDropped: number;
  /** Bytes waiting in the drop-tail queue now (behind the datagram being serialised). */
  readonly queueBytes: number;
  /** Most bytes ever waiting in the queue. */
  readonly maxQueueBytes: number;
  /** Datagrams inside the relay now (being serialised, queued or in their delay). */
  readonly datagramsInside: number;
}

/** A snapshot of a relay's counters; a plain copy. */
export interface LinkEmulatorStats {
  /** Client-to-server direction. */
  readonly toServer: LinkDirectionStats;
  /** Server-to-client direction. */
  readonly toClient: LinkDirectionStats;
  /** Client mappings alive now. */
  readonly clients: number;
  /** Client mappings ever created. */
  readonly mappingsCreated: number;
  /** Mappings given a new outbound socket by {@link LinkEmulator.rebind}. */
  readonly rebinds: number;
  /** Mappings forgotten after `mappingIdleMs`. */
  readonly mappingsExpired: number;
  /** Socket errors seen (a failed send, an outbound bind that failed); the relay carries on. */
  readonly socketErrors: number;
}

/** One client mapping, as {@link LinkEmulator.clients} lists it. */
export interface LinkEmulatorClient {
  /** The client's address, as the relay sees it. */
  readonly address: string;
  /** The client's port. */
  readonly port: number;
  /** Local address of its outbound socket: the source address the server sees. */
  readonly outboundHost: string;
  /** Port of its outbound socket (0 until bound): the source port the server sees. */
  readonly outboundPort: number;
}

/** What {@link LinkEmulator.rebind} changes. */
export interface LinkRebindOptions {
  /** Rebind only this client's mapping; default every mapping. */
  readonly client?: { readonly address: string; readonly port: number } | undefined;
  /** Bind the new outbound sockets on this address (an address change rather than a port change); default the current one. */
  readonly outboundHost?: string | undefined;
}

/**
 * A running relay; create it with {@link createLinkEmulator}. Change it at
 * run time with {@link configure}, {@link setDown} and {@link rebind}; read
 * {@link stats}; {@link close} it to free every socket and timer.
 */
export class LinkEmulator {
  /** Address clients send to. */
  readonly host: string;
  /** Port clients send to (the bound one when 0 was asked). */
  readonly port: number;
  /** Where client datagrams are forwarded. */
  readonly backHost: string;
  /** The server's port. */
  readonly backPort: number;

  readonly #front: UdpSocket;
  /** `backHost` resolved once, so no send waits for a lookup. */
  readonly #backAddress: string;
  readonly #toServer: Lane;
  readonly #toClient: Lane;
  readonly #mappings = new Map<string, Mapping>();
  readonly #socketBufferBytes: number;
  readonly #mappingIdleMs: number;
  #outboundHost: string;
  #sweepTimer: NodeJS.Timeout | undefined = undefined;
  /** The mapping of the last client datagram: most datagrams come from the same client as the one before. */
  #lastMapping: Mapping | undefined = undefined;
  #closed = false;
  #closing: Promise<void> | undefined = undefined;
  #mappingsCreated = 0;
  #rebinds = 0;
  #mappingsExpired = 0;
  #socketErrors = 0;
  readonly #onSocketError = (): void => {
    this.#socketErrors++;
  };

  /** Use {@link createLinkEmulator}. @internal */
  constructor(front: UdpSocket, options: LinkEmulatorOptions, backAddress: string, toServer: LinkConfig, toClient: LinkConfig) {
    const bound = front.address();
    this.host = bound.address;
    this.port = bound.port;
    this.backHost = options.backHost;
    this.backPort = options.backPort;
    this.#front = front;
    this.#backAddress = backAddress;
    this.#outboundHost = options.outboundHost ?? bound.address;
    this.#socketBufferBytes = options.socketBufferBytes ?? DEFAULT_SOCKET_BUFFER_BYTES;
    this.#mappingIdleMs = options.mappingIdleMs ?? 0;
    const rng = new Rng(options.seed ?? DEFAULT_SEED);
    this.#toServer = new Lane(toServer, rng.fork('toServer'), (packet) => {
      // A mapping that expired while its datagrams were inside: nowhere to send them from.
      if (packet.mapping.expired) return;
      try {
        packet.mapping.socket.send(packet.data, this.backPort, this.#backAddress);
      } catch {
        this.#socketErrors++;
      }
    });
    this.#toClient = new Lane(toClient, rng.fork('toClient'), (packet) => {
      try {
        this.#front.send(packet.data, packet.mapping.clientPort, packet.mapping.clientAddress);
      } catch {
        this.#socketErrors++;
      }
    });
    front.on('error', this.#onSocketError);
    front.on('message', (data: Buffer, from: RemoteInfo) => this.#fromClient(data, from));
    if (this.#mappingIdleMs > 0) {
      this.#sweepTimer = setInterval(() => this.#sweep(), Math.max(50, this.#mappingIdleMs / 4));
    }
  }

  /** Whether {@link close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** The impairments in effect in one direction. */
  impairments(direction: LinkDirection): Required<Omit<LinkImpairments, 'burstLoss' | 'queueBytes'>> & {
    readonly burstLoss: Required<BurstLossOptions> | undefined;
    readonly queueBytes: number;
  } {
    const config = this.#lane(direction).config;
    return {
      delayMs: config.delayMs,
      jitterMs: config.jitterMs,
      reorder: config.reorder,
      lossRate: config.lossRate,
      burstLoss: config.burstLoss,
      rateBps: config.rateBps,
      queueBytes: effectiveQueueBytes(config),
      reorderRate: config.reorderRate,
      reorderDelayMs: config.reorderDelayMs,
      duplicateRate: config.duplicateRate,
      mtuBytes: config.mtuBytes,
      down: config.blackhole,
    };
  }

  /**
   * Changes some impairments now; the others keep their values. Both
   * directions are validated before either changes: a RangeError names the
   * bad option and leaves the relay as it was. Datagrams already past a
   * stage keep what it gave them (the one being serialised finishes at the
   * old rate, those in their delay keep their due time), but `down` also
   * catches datagrams on their way out.
   */
  configure(changes: LinkImpairmentChanges): void {
    const toServer = resolveDirection(this.#toServer.config, changes, changes.toServer);
    const toClient = resolveDirection(this.#toClient.config, changes, changes.toClient);
    this.#toServer.reconfigure(toServer);
    this.#toClient.reconfigure(toClient);
  }

  /** Takes the link down (drops everything, as a blackhole) or brings it back up; both directions unless one is named. */
  setDown(down: boolean, direction?: LinkDirection): void {
    if (direction === undefined) this.configure({ down });
    else this.configure({ [direction]: { down } });
  }

  /**
   * Gives client mappings a new outbound socket, so the server sees their
   * datagrams come from a new port (and address, with `outboundHost`), as
   * after a NAT rebinding. The old sockets close at once: server datagrams
   * to the old port are lost. Datagrams still inside the relay leave from
   * the new socket. Resolves when the new sockets are bound.
   */
  async rebind(options: LinkRebindOptions = {}): Promise<void> {
    if (this.#closed) return;
    if (options.outboundHost !== undefined) this.#outboundHost = options.outboundHost;
    const chosen: Mapping[] = [];
    if (options.client === undefined) chosen.push(...this.#mappings.values());
    else {
      const mapping = this.#mappings.get(mappingKey(options.client.address, options.client.port));
      if (mapping !== undefined) chosen.push(mapping);
    }
    const bound: Promise<void>[] = [];
    for (const mapping of chosen) {
      const old = mapping.socket;
      bound.push(this.#openOutbound(mapping));
      old.close();
      this.#rebinds++;
    }
    await Promise.all(bound);
  }

  /** The client mappings alive now. */
  clients(): LinkEmulatorClient[] {
    return [...this.#mappings.values()].map((m) => ({
      address: m.clientAddress,
      port: m.clientPort,
      outboundHost: m.outboundHost,
      outboundPort: m.outboundPort,
    }));
  }

  /** A snapshot of the counters. */
  stats(): LinkEmulatorStats {
    return {
      toServer: this.#toServer.stats(),
      toClient: this.#toClient.stats(),
      clients: this.#mappings.size,
      mappingsCreated: this.#mappingsCreated,
      rebinds: this.#rebinds,
      mappingsExpired: this.#mappingsExpired,
      socketErrors: this.#socketErrors,
    };
  }

  /**
   * Stops the relay: discards every datagram inside it, stops its timers and
   * closes its sockets. Resolves when every socket has closed. Idempotent.
   */
  close(): Promise<void> {
    if (this.#closing !== undefined) return this.#closing;
    this.#closed = true;
    this.#toServer.stop();
    this.#toClient.stop();
    if (this.#sweepTimer !== undefined) clearInterval(this.#sweepTimer);
    this.#sweepTimer = undefined;
    const sockets = [this.#front, ...[...this.#mappings.values()].map((m) => m.socket)];
    this.#mappings.clear();
    this.#lastMapping = undefined;
    this.#closing = Promise.all(sockets.map(closeSocket)).then(() => undefined);
    return this.#closing;
  }

  #lane(direction: LinkDirection): Lane {
    return direction === 'toServer' ? this.#toServer : this.#toClient;
  }

  #fromClient(data: Buffer, from: RemoteInfo): void {
    if (this.#closed) return;
    let mapping = this.#lastMapping;
    if (mapping === undefined || mapping.clientPort !== from.port || mapping.clientAddress !== from.address) {
      const key = mappingKey(from.address, from.port);
      mapping = this.#mappings.get(key);
      if (mapping === undefined) mapping = this.#createMapping(key, from);
      this.#lastMapping = mapping;
    }
    const now = performance.now();
    mapping.lastActiveMs = now;
    this.#toServer.enter(data, mapping, now);
  }

  #createMapping(key: string, from: RemoteInfo): Mapping {
    const mapping = new Mapping(key, from.address, from.port);
    this.#mappings.set(key, mapping);
    this.#mappingsCreated++;
    // Not awaited: dgram queues sends made while the socket binds.
    void this.#openOutbound(mapping);
    return mapping;
  }

  /** Opens and binds a new outbound socket for `mapping` and makes it current. */
  #openOutbound(mapping: Mapping): Promise<void> {
    const host = this.#outboundHost;
    const socket = createSocket({
      type: isIPv6(host) ? 'udp6' : 'udp4',
      recvBufferSize: this.#socketBufferBytes,
      sendBufferSize: this.#socketBufferBytes,
      lookup: literalLookup,
    });
    mapping.socket = socket;
    mapping.outboundHost = host;
    mapping.outboundPort = 0;
    socket.on('error', this.#onSocketError);
    socket.on('message', (data: Buffer) => {
      // Full-cone filtering: whatever reaches the mapping's port goes back to its client.
      if (this.#closed || mapping.socket !== socket) return;
      this.#toClient.enter(data, mapping, performance.now());
    });
    return new Promise<void>((resolve) => {
      const done = (): void => {
        socket.off('listening', done);
        socket.off('error', done);
        if (mapping.socket === socket) {
          try {
            mapping.outboundPort = socket.address().port;
          } catch {
            // closed before it bound (relay closed or rebound again)
          }
        }
        resolve();
      };
      socket.once('listening', done);
      socket.once('error', done);
      socket.bind(0, host);
    });
  }

  #sweep(): void {
    const oldest = performance.now() - this.#mappingIdleMs;
    for (const [key, mapping] of this.#mappings) {
      if (mapping.lastActiveMs >= oldest) continue;
      this.#mappings.delete(key);
      if (this.#lastMapping === mapping) this.#lastMapping = undefined;
      this.#mappingsExpired++;
      mapping.expired = true;
      mapping.socket.close();
    }
  }
}

/**
 * Starts a relay: binds its front socket, then resolves with the running
 * {@link LinkEmulator}. Rejects with a RangeError for a bad impairment and
 * with the bind error when the front address cannot be bound.
 *
 * @example
 * ```ts
 * const path = await createLinkEmulator({
 *   frontHost: '127.0.0.2', backHost: '127.0.0.1', backPort: server.port, outboundHost: '127.0.0.3',
 *   delayMs: 20, rateBps: 20e6, toServer: { lossRate: 0.01 },
 * });
 * const socket = connect({ host: path.host, port: path.port });
 * path.setDown(true); // outage
 * ```
 */
export async function createLinkEmulator(options: LinkEmulatorOptions): Promise<LinkEmulator> {
  const toServer = resolveDirection(DEFAULT_LINK_CONFIG, options, options.toServer);
  const toClient = resolveDirection(DEFAULT_LINK_CONFIG, options, options.toClient);
  if (!Number.isInteger(options.backPort) || options.backPort < 1 || options.backPort > 65_535) {
    throw new RangeError(`backPort must be a port number, got ${options.backPort}`);
  }
  if (options.mappingIdleMs !== undefined && !(options.mappingIdleMs >= 0 && options.mappingIdleMs < Infinity)) {
    throw new RangeError(`mappingIdleMs must be a finite number >= 0, got ${options.mappingIdleMs}`);
  }
  const host = options.frontHost ?? '127.0.0.1';
  const backAddress = isIP(options.backHost) !== 0 ? options.backHost : (await dnsPromises.lookup(options.backHost)).address;
  const bufferBytes = options.socketBufferBytes ?? DEFAULT_SOCKET_BUFFER_BYTES;
  const front = createSocket({
    type: isIPv6(host) ? 'udp6' : 'udp4',
    recvBufferSize: bufferBytes,
    sendBufferSize: bufferBytes,
    lookup: literalLookup,
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error): void => {
      front.close();
      reject(error);
    };
    front.once('error', onError);
    front.bind(options.frontPort ?? 0, host, () => {
      front.off('error', onError);
      resolve();
    });
  });
  return new LinkEmulator(front, options, backAddress, toServer, toClient);
}

/** `base` with the shared changes, then the direction's own, applied and validated (throws RangeError). */
function resolveDirection(base: LinkConfig, shared: LinkImpairments, own: LinkImpairments | undefined): LinkConfig {
  let config = applyLinkOptions(base, toLinkOptions(shared));
  if (own !== undefined) config = applyLinkOptions(config, toLinkOptions(own));
  return config;
}

/** Our impairments as the simulator's LinkOptions; `burstLoss` only when present, so absent means unchanged. */
function toLinkOptions(i: LinkImpairments): Parameters<typeof applyLinkOptions>[1] {
  const base = {
    ...(i.delayMs !== undefined && { delayMs: i.delayMs }),
    ...(i.jitterMs !== undefined && { jitterMs: i.jitterMs }),
    ...(i.reorder !== undefined && { reorder: i.reorder }),
    ...(i.lossRate !== undefined && { lossRate: i.lossRate }),
    ...(i.rateBps !== undefined && { rateBps: i.rateBps }),
    ...(i.queueBytes !== undefined && { queueBytes: i.queueBytes }),
    ...(i.reorderRate !== undefined && { reorderRate: i.reorderRate }),
    ...(i.reorderDelayMs !== undefined && { reorderDelayMs: i.reorderDelayMs }),
    ...(i.duplicateRate !== undefined && { duplicateRate: i.duplicateRate }),
    ...(i.mtuBytes !== undefined && { mtuBytes: i.mtuBytes }),
    ...(i.down !== undefined && { blackhole: i.down }),
  };
  return 'burstLoss' in i ? { ...base, burstLoss: i.burstLoss } : base;
}

/**
 * dgram resolves the destination of every send through its `lookup`, by
 * default dns.lookup, which answers even an IP literal a tick later through
 * a closure: about 3 us a datagram here, a quarter of a relay's cost. We
 * only ever send to literals (client sources, and the back address resolved
 * once), so answer those at once and leave names to dns.lookup.
 */
function literalLookup(
  hostname: string,
  options: LookupOneOptions,
  callback: (error: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  const family = isIP(hostname);
  if (family !== 0) callback(null, hostname, family);
  else dnsLookup(hostname, options, callback);
}

function mappingKey(address: string, port: number): string {
  return `${address}|${port}`;
}

function closeSocket(socket: UdpSocket): Promise<void> {
  return new Promise<void>((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve(); // already closed (by a rebind or an expiry)
    }
  });
}

/** One client as the NAT sees it: its address and its outbound socket toward the server. */
class Mapping {
  /** Map key, `address|port`. */
  readonly key: string;
  /** The client's address. */
  readonly clientAddress: string;
  /** The client's port. */
  readonly clientPort: number;
  /** The current outbound socket; replaced by a rebind. Set right after construction. */
  socket!: UdpSocket;
  /** Local address of the outbound socket. */
  outboundHost = '';
  /** Local port of the outbound socket, 0 until bound. */
  outboundPort = 0;
  /** performance.now() of the client's last datagram, ms. */
  lastActiveMs = 0;
  /** Set when the mapping expired: its socket is closed. */
  expired = false;

  constructor(key: string, clientAddress: string, clientPort: number) {
    this.key = key;
    this.clientAddress = clientAddress;
    this.clientPort = clientPort;
  }
}

/** A datagram inside a lane. */
class Packet {
  /** The payload, as received (never modified, so a duplicate can share it). */
  readonly data: Buffer;
  /** The client it belongs to (its source or its destination). */
  readonly mapping: Mapping;
  /** While serialised: when it is fully on the wire; then: when it is due out of the relay. performance.now() ms. */
  timeMs = 0;
  /** Tie-break of equal due times, written by the delay line's queue: first in, first out. */
  seq = 0;

  constructor(data: Buffer, mapping: Mapping) {
    this.data = data;
    this.mapping = mapping;
  }
}

/** Mutable drop counters, one per cause. */
type DropCounters = Record<LinkEmulatorDropCause, number>;

/**
 * One direction of a relay: the link pipeline in real time with one timer.
 * Two stages: a serialiser (the datagram on the wire plus a drop-tail FIFO
 * behind it) and a delay line (a min-heap on due time). Stage transitions
 * are computed on the virtual timeline, not at the moment a timer happens to
 * run, so a late timer costs latency but not rate.
 */
class Lane {
  config: LinkConfig;
  private queueLimitBytes: number;
  private readonly send: (packet: Packet) => void;
  private readonly admission: LinkAdmission;
  private readonly jitterRng: Rng;
  private readonly reorderRng: Rng;
  private readonly duplicateRng: Rng;

  /** The datagram being serialised, if any (its timeMs is its end of serialisation). */
  private transmitting: Packet | undefined = undefined;
  private readonly queue = new Fifo<Packet>();
  private queuedBytes = 0;
  private readonly line = new EventQueue<Packet>();
  private lastArrivalMs = -Infinity;

  private timer: NodeJS.Timeout | undefined = undefined;
  private timerDueMs = Infinity;
  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.timerDueMs = Infinity;
    this.run(performance.now());
  };
  private stopped = false;

  private datagramsIn = 0;
  private bytesIn = 0;
  private datagramsForwarded = 0;
  private bytesForwarded = 0;
  private datagramsDuplicated = 0;
  private bytesDropped = 0;
  private maxQueueBytes = 0;
  private readonly dropped: DropCounters = { down: 0, mtu: 0, burst: 0, loss: 0, queue: 0 };

  constructor(config: LinkConfig, rng: Rng, send: (packet: Packet) => void) {
    this.config = config;
    this.queueLimitBytes = effectiveQueueBytes(config);
    this.send = send;
    this.admission = new LinkAdmission(rng.fork('loss'), rng.fork('burst'));
    this.jitterRng = rng.fork('jitter');
    this.reorderRng = rng.fork('reorder');
    this.duplicateRng = rng.fork('duplicate');
  }

  reconfigure(config: LinkConfig): void {
    this.config = config;
    this.queueLimitBytes = effectiveQueueBytes(config);
  }

  /** A datagram arrives at `nowMs`. */
  enter(data: Buffer, mapping: Mapping, nowMs: number): void {
    if (this.stopped) return;
    const config = this.config;
    const length = data.length;
    this.datagramsIn++;
    this.bytesIn += length;
    const refused = this.admission.verdict(config, length);
    if (refused !== undefined) return this.drop(refused === 'blackhole' ? 'down' : refused, length);
    // Bring the serialiser up to now first, so the queue holds what it really holds now.
    this.advance(nowMs);
    const packet = new Packet(data, mapping);
    if (this.transmitting === undefined) {
      if (config.rateBps === Infinity) this.propagate(packet, nowMs);
      else this.startTransmit(packet, nowMs);
    } else {
      if (this.queuedBytes + length > this.queueLimitBytes) return this.drop('queue', length);
      this.queue.push(packet);
      this.queuedBytes += length;
      if (this.queuedBytes > this.maxQueueBytes) this.maxQueueBytes = this.queuedBytes;
    }
    this.deliver(nowMs);
  }

  /** Discards everything and cancels the timer; the lane ignores datagrams from now on. */
  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.transmitting = undefined;
    this.queue.clear();
    this.queuedBytes = 0;
    this.line.clear();
  }

  stats(): LinkDirectionStats {
    return {
      datagramsIn: this.datagramsIn,
      bytesIn: this.bytesIn,
      datagramsForwarded: this.datagramsForwarded,
      bytesForwarded: this.bytesForwarded,
      datagramsDuplicated: this.datagramsDuplicated,
      dropped: { ...this.dropped },
      bytesDropped: this.bytesDropped,
      queueBytes: this.queuedBytes,
      maxQueueBytes: this.maxQueueBytes,
      datagramsInside: (this.transmitting === undefined ? 0 : 1) + this.queue.length + this.line.size,
    };
  }

  private run(nowMs: number): void {
    if (this.stopped) return;
    this.advance(nowMs);
    this.deliver(nowMs);
  }

  /** Completes every serialisation that ended by `nowMs`, each starting the next at the moment the previous ended. */
  private advance(nowMs: number): void {
    let done = this.transmitting;
    while (done !== undefined && done.timeMs <= nowMs) {
      const endMs = done.timeMs;
      this.transmitting = undefined;
      this.propagate(done, endMs);
      const next = this.queue.shift();
      if (next !== undefined) {
        this.queuedBytes -= next.data.length;
        this.startTransmit(next, endMs);
      }
      done = this.transmitting;
    }
  }

  private startTransmit(packet: Packet, startMs: number): void {
    // A rate changed to Infinity while datagrams waited: they go through at once.
    packet.timeMs = startMs + (packet.data.length * 8 * 1000) / this.config.rateBps;
    this.transmitting = packet;
  }

  /** Gives `packet` its due time out of the relay and puts it in the delay line; maybe a duplicate too. */
  private propagate(packet: Packet, nowMs: number): void {
    const config = this.config;
    let dueMs = nowMs + config.delayMs;
    if (config.jitterMs > 0) dueMs += this.jitterRng.nextFloat() * config.jitterMs;
    if (!config.reorder) {
      if (dueMs < this.lastArrivalMs) dueMs = this.lastArrivalMs;
      this.lastArrivalMs = dueMs;
    }
    // Not recorded in the in-order clamp: later datagrams must be free to overtake this one.
    if (config.reorderRate > 0 && this.reorderRng.chance(config.reorderRate)) dueMs += config.reorderDelayMs;
    this.line.push(packet, dueMs);
    if (config.duplicateRate > 0 && this.duplicateRng.chance(config.duplicateRate)) {
      this.datagramsDuplicated++;
      const copy = new Packet(packet.data, packet.mapping);
      this.line.push(copy, dueMs);
    }
  }

  /** Sends every datagram due by `nowMs` (within the timer slack), then arms the timer for the next event. */
  private deliver(nowMs: number): void {
    const limitMs = nowMs + TIMER_SLACK_MS;
    let packet = this.line.peek();
    while (packet !== undefined && packet.timeMs <= limitMs) {
      this.line.pop();
      const length = packet.data.length;
      if (this.config.blackhole) this.drop('down', length);
      else {
        this.datagramsForwarded++;
        this.bytesForwarded += length;
        this.send(packet);
      }
      packet = this.line.peek();
    }
    let nextMs = packet === undefined ? Infinity : packet.timeMs;
    if (this.transmitting !== undefined && this.transmitting.timeMs < nextMs) nextMs = this.transmitting.timeMs;
    this.arm(nextMs, nowMs);
  }

  /** One timer per lane: re-armed only when the next event moves earlier than the armed one. */
  private arm(dueMs: number, nowMs: number): void {
    if (dueMs === Infinity) {
      if (this.timer !== undefined) clearTimeout(this.timer);
      this.timer = undefined;
      this.timerDueMs = Infinity;
      return;
    }
    if (this.timer !== undefined && this.timerDueMs <= dueMs) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timerDueMs = dueMs;
    this.timer = setTimeout(this.onTimer, Math.max(1, Math.floor(dueMs - nowMs)));
  }

  private drop(cause: LinkEmulatorDropCause, length: number): void {
    this.dropped[cause]++;
    this.bytesDropped += length;
  }
}

