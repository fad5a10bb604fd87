import type { DatagramEndpoint, Transmit } from '../core/datagram-endpoint.js';
import { formatAddress, type SocketAddress } from '../core/socket-address.js';
import { DELIVER_EVENT, SimDatagram } from './datagram.js';
import { SimulationError } from './errors.js';
import { EventQueue } from './event-queue.js';
import {
  ACTION_EVENT,
  ActionEvent,
  SERVICE_EVENT,
  ServiceEvent,
  TIMER_EVENT,
  TX_DONE_EVENT,
  TimerEvent,
  type SimEvent,
} from './events.js';
import type { LinkOptions } from './link-options.js';
import { Link } from './link.js';
import { canonical, lookup, remove, store, type AddressMap, type Binding } from './address-table.js';
import { NodeState, type NodeControl, type SimNode } from './node.js';
import { Rng } from './rng.js';
import type { DropCause, EndpointStats, LinkStats, NetworkDropCause, SimStats } from './stats.js';
import type { TraceRecord, TraceSink, TraceType } from './trace.js';

/**
 * The simulator: a virtual clock, an event queue, the links and routes
 * between hosts, and the endpoints it drives through the sans-IO contract
 * (docs/design.md §2.1).
 *
 * The loop is the one a real driver runs, with virtual time: after any input
 * to an endpoint (a datagram, a timer, a scheduled action) drain its
 * pollTransmit, route each datagram into its first link, and ask for its next
 * timeout; then jump the clock to the earliest pending event. Nothing reads
 * the wall clock or Math.random, and equal-time events run in the order they
 * were scheduled, so equal seeds give identical runs.
 * @module
 */

/** Options of a {@link Simulator}. */
export interface SimulatorOptions {
  /** Seed of the simulation's random streams; any safe integer. Default 1. */
  readonly seed?: number;
  /**
   * Most events, or datagrams drained from one endpoint, allowed at a single
   * virtual instant before the run fails as a livelock. Default 100 000.
   */
  readonly maxEventsPerInstant?: number;
  /** Receives a record of every send, delivery, drop, timeout and action. Off by default (and then free). */
  readonly trace?: TraceSink;
}

/** Options of {@link Simulator.runUntil}. */
export interface RunUntilOptions {
  /** Give up (throw a `time-limit` {@link SimulationError}) after this much virtual time, ms. */
  readonly limitMs: number;
}

/** Options of {@link Simulator.createLink}: the link's behaviour plus its name. */
export interface CreateLinkOptions extends LinkOptions {
  /**
   * Unique name, the key of its stats and the label of its random streams.
   * Default `link-<n>`; name links whose draws must stay put when the
   * scenario around them changes.
   */
  readonly name?: string;
}

/** The two directions made by {@link Simulator.twoWayLink}. */
export interface TwoWayLink {
  /** Carries hostA -> hostB. */
  readonly forward: Link;
  /** Carries hostB -> hostA. */
  readonly reverse: Link;
}

/** Options of {@link Simulator.rebind}. */
export interface RebindOptions {
  /** The new public host, when the NAT also changes address; routes must exist for it. Default: unchanged. */
  readonly newHost?: string;
}

/** Options of {@link Simulator.attach}. */
export interface AttachOptions {
  /** Unique name, the key of its stats. Default `endpoint-<n>`. */
  readonly name?: string;
}

/** Size of the transmit buffer: the largest UDP payload over IPv6, which the contract promises is enough. */
const TRANSMIT_BUFFER_BYTES = 65_527;
/**
 * Datagram copies are carved out of slabs of this size: allocating one
 * ArrayBuffer per datagram costs more than the rest of the simulator's work
 * on it. A slab is freed when every datagram in it is garbage, so an endpoint
 * that keeps a received datagram pins at most one slab.
 */
const SLAB_BYTES = 64 * 1024;
/** Datagrams above this get their own buffer rather than wasting most of a slab. */
const MAX_SLAB_DATAGRAM_BYTES = 16 * 1024;
const DEFAULT_SEED = 1;
const DEFAULT_MAX_EVENTS_PER_INSTANT = 100_000;
const NO_ROUTE: readonly Link[] = Object.freeze([]);

function asList<T>(value: T | readonly T[]): readonly T[] {
  return Array.isArray(value) ? (value as readonly T[]) : [value as T];
}

/** A deterministic network simulator driving {@link DatagramEndpoint}s over virtual links. */
export class Simulator {
  private now = 0;
  private readonly events = new EventQueue<SimEvent>();
  private readonly rng: Rng;
  private readonly maxEventsPerInstant: number;
  private readonly trace: TraceSink | undefined;
  private readonly nodes: NodeState[] = [];
  private readonly nodeNames = new Set<string>();
  private readonly links = new Map<string, Link>();
  /** source host -> destination host -> chain of links. */
  private readonly routes = new Map<string, Map<string, readonly Link[]>>();
  /** Bindings by the endpoint's own (local) address: validates sources. */
  private readonly outbound: AddressMap<Binding> = new Map();
  /** Bindings by external address: finds the receiver of a datagram. */
  private readonly inbound: AddressMap<Binding> = new Map();
  private readonly buffer = new Uint8Array(TRANSMIT_BUFFER_BYTES);
  private slab = new ArrayBuffer(SLAB_BYTES);
  private slabOffsetBytes = 0;
  private readonly networkDrops: Record<NetworkDropCause, number> = {
    'no-route': 0,
    'no-socket': 0,
    'unbound-source': 0,
  };
  private running = false;
  private eventCount = 0;
  private instantEvents = 0;
  private nextDatagramId = 0;
  /** What SimNode handles call back into; kept off the public surface. */
  private readonly control: NodeControl = {
    wake: (node) => this.events.push(new ServiceEvent(node), this.now),
    bind: (node, address) => this.bindAddress(node, address),
    unbind: (node, address) => this.unbindAddress(node, address),
  };

  /** A simulator at virtual time 0 with no endpoints, links or routes. */
  constructor(options: SimulatorOptions = {}) {
    this.rng = new Rng(options.seed ?? DEFAULT_SEED);
    const max = options.maxEventsPerInstant ?? DEFAULT_MAX_EVENTS_PER_INSTANT;
    if (!(Number.isInteger(max) && max > 0)) throw new RangeError(`maxEventsPerInstant must be a positive integer, got ${max}`);
    this.maxEventsPerInstant = max;
    this.trace = options.trace;
  }

  /** The virtual time now, ms since the simulation started at 0. */
  get nowMs(): number {
    return this.now;
  }

  // ---- topology -------------------------------------------------------------

  /**
   * Attaches an endpoint owning the given local addresses. It is first
   * serviced (drained, timer armed) when the next run starts.
   */
  attach(endpoint: DatagramEndpoint, addresses: readonly SocketAddress[], options: AttachOptions = {}): SimNode {
    const name = options.name ?? `endpoint-${this.nodes.length}`;
    if (this.nodeNames.has(name)) throw new Error(`an endpoint named "${name}" is already attached`);
    const node = new NodeState(name, endpoint, this.control);
    for (const address of addresses) this.bindAddress(node, address);
    this.nodeNames.add(name);
    this.nodes.push(node);
    return node.handle;
  }

  private bindAddress(node: NodeState, address: SocketAddress): void {
    const bound = canonical(address);
    if (lookup(this.outbound, bound.host, bound.port) !== undefined || lookup(this.inbound, bound.host, bound.port) !== undefined) {
      throw new Error(`address ${formatAddress(bound)} is already bound`);
    }
    const binding: Binding = { address: bound, node, external: bound };
    store(this.outbound, bound.host, bound.port, binding);
    store(this.inbound, bound.host, bound.port, binding);
    node.addresses.push(bound);
  }

  private unbindAddress(node: NodeState, address: SocketAddress): void {
    const binding = lookup(this.outbound, address.host, address.port);
    if (binding === undefined || binding.node !== node) {
      throw new Error(`address ${formatAddress(address)} is not bound to endpoint "${node.name}"`);
    }
    remove(this.outbound, address.host, address.port);
    remove(this.inbound, binding.external.host, binding.external.port);
    node.addresses.splice(node.addresses.indexOf(binding.address), 1);
  }

  /** Creates a link that carries nothing until {@link Simulator.route} sends traffic through it. */
  createLink(options: CreateLinkOptions = {}): Link {
    const name = options.name ?? `link-${this.links.size}`;
    if (this.links.has(name)) throw new Error(`a link named "${name}" already exists`);
    const link = new Link(name, options, this.rng.fork(`link:${name}`), this.events);
    this.links.set(name, link);
    return link;
  }

  /** Creates a link named `<fromHost>-><toHost>` (unless named in options) and routes fromHost -> toHost through it. */
  link(fromHost: string, toHost: string, options: CreateLinkOptions = {}): Link {
    const link = this.createLink({ name: `${fromHost}->${toHost}`, ...options });
    this.route(fromHost, toHost, link);
    return link;
  }

  /** Two links, one per direction, between two hosts; `reverseOptions` defaults to `options`. */
  twoWayLink(hostA: string, hostB: string, options: LinkOptions = {}, reverseOptions: LinkOptions = options): TwoWayLink {
    return { forward: this.link(hostA, hostB, options), reverse: this.link(hostB, hostA, reverseOptions) };
  }

  /**
   * Routes every (from, to) host pair through `links`, in order: a datagram
   * crosses each link in turn. Several pairs may share a link (a shared
   * bottleneck). Replaces an earlier route of the same pair; datagrams
   * already in flight keep the route they started on.
   */
  route(fromHosts: string | readonly string[], toHosts: string | readonly string[], links: Link | readonly Link[]): void {
    const chain = Object.freeze([...asList(links)]);
    if (chain.length === 0) throw new RangeError('a route needs at least one link (use unroute to remove one)');
    for (const link of chain) {
      if (this.links.get(link.name) !== link) throw new Error(`link "${link.name}" belongs to another simulator`);
    }
    for (const from of asList(fromHosts)) {
      let byDestination = this.routes.get(from);
      if (byDestination === undefined) {
        byDestination = new Map();
        this.routes.set(from, byDestination);
      }
      for (const to of asList(toHosts)) byDestination.set(to, chain);
    }
  }

  /** Removes the routes of every (from, to) pair: their datagrams are then dropped as 'no-route'. */
  unroute(fromHosts: string | readonly string[], toHosts: string | readonly string[]): void {
    for (const from of asList(fromHosts)) {
      const byDestination = this.routes.get(from);
      if (byDestination === undefined) continue;
      for (const to of asList(toHosts)) byDestination.delete(to);
    }
  }

  /**
   * An independent random stream for test or endpoint code (connection IDs,
   * keys in tests), derived from the simulation's seed and `label` only.
   */
  random(label: string): Rng {
    return this.rng.fork(`user:${label}`);
  }

  // ---- scheduled actions ----------------------------------------------------

  /**
   * Runs `action` at virtual time `timeMs` (not in the past), after the
   * events already scheduled for that instant. Every endpoint is serviced
   * right after it, so an action may write to a connection.
   */
  at(timeMs: number, action: () => void, label = 'action'): void {
    if (!(timeMs >= this.now) || timeMs === Infinity) {
      throw new RangeError(`cannot schedule at ${timeMs} ms: the virtual time is already ${this.now} ms`);
    }
    this.events.push(new ActionEvent(action, label), timeMs);
  }

  /** Runs `action` `delayMs` from now; see {@link Simulator.at}. */
  after(delayMs: number, action: () => void, label = 'action'): void {
    this.at(this.now + delayMs, action, label);
  }

  /** Blackholes `link` from `fromMs` until `toMs` (virtual times). */
  blackhole(link: Link, fromMs: number, toMs: number): void {
    if (!(toMs >= fromMs)) throw new RangeError(`blackhole window ends (${toMs} ms) before it starts (${fromMs} ms)`);
    this.at(fromMs, () => link.configure({ blackhole: true }), `blackhole ${link.name} on`);
    this.at(toMs, () => link.configure({ blackhole: false }), `blackhole ${link.name} off`);
  }

  /**
   * NAT rebinding: from `atMs` on, datagrams the endpoint sends from
   * host:port leave with source port `newPort` (and host `newHost` if given),
   * so their receivers see a new remote address. Datagrams to the new public
   * address reach the endpoint's socket host:port, which never learns of the
   * change; datagrams to the old public address find no mapping and are
   * dropped as 'no-socket', as after a real NAT's mapping expired. Rebinding
   * again moves the mapping again.
   */
  rebind(host: string, port: number, newPort: number, atMs: number, options: RebindOptions = {}): void {
    const external = canonical({ host: options.newHost ?? host, port: newPort });
    this.at(atMs, () => this.applyRebind(host, port, external), `rebind ${host}:${port} -> ${formatAddress(external)}`);
  }

  private applyRebind(host: string, port: number, external: SocketAddress): void {
    const binding = lookup(this.outbound, host, port);
    if (binding === undefined) throw new Error(`cannot rebind ${host}:${port}: no endpoint is bound there`);
    const taken = lookup(this.inbound, external.host, external.port);
    if (taken !== undefined && taken !== binding) throw new Error(`cannot rebind to ${formatAddress(external)}: in use`);
    remove(this.inbound, binding.external.host, binding.external.port);
    binding.external = external;
    store(this.inbound, external.host, external.port, binding);
  }

  // ---- running --------------------------------------------------------------

  /** Runs for `durationMs` of virtual time: every event due up to now + durationMs, then the clock stands there. */
  runFor(durationMs: number): void {
    if (!(durationMs >= 0 && durationMs < Infinity)) throw new RangeError(`durationMs must be finite and >= 0, got ${durationMs}`);
    const deadlineMs = this.now + durationMs;
    this.beginRun();
    try {
      this.loop(deadlineMs, undefined);
      this.now = deadlineMs;
    } finally {
      this.running = false;
    }
  }

  /**
   * Runs until `predicate()` holds, checking it before the first event and
   * after every event. Returns the virtual time that took, ms (0 if it held
   * at once). Throws a {@link SimulationError}: `time-limit` when limitMs
   * passes first (the clock then stands at the limit), `idle` when nothing
   * is left to happen, `livelock` when time stops advancing.
   */
  runUntil(predicate: () => boolean, options: RunUntilOptions): number {
    const { limitMs } = options;
    if (!(limitMs >= 0 && limitMs < Infinity)) throw new RangeError(`limitMs must be finite and >= 0, got ${limitMs}`);
    const startMs = this.now;
    const deadlineMs = startMs + limitMs;
    this.beginRun();
    try {
      if (predicate() || this.loop(deadlineMs, predicate)) return this.now - startMs;
      if (this.events.size === 0) {
        throw new SimulationError(
          'idle',
          this.now,
          `runUntil: nothing left to happen at ${this.now} ms (no datagram in flight, no timer, no action) and the predicate is still false`,
        );
      }
      this.now = deadlineMs;
      throw new SimulationError('time-limit', this.now, `runUntil: the predicate did not hold within ${limitMs} ms of virtual time`);
    } finally {
      this.running = false;
    }
  }

  /** A snapshot of every counter. */
  stats(): SimStats {
    const links: Record<string, LinkStats> = {};
    for (const [name, link] of this.links) links[name] = link.stats();
    const endpoints: Record<string, EndpointStats> = {};
    for (const node of this.nodes) endpoints[node.name] = node.stats();
    return {
      nowMs: this.now,
      events: this.eventCount,
      links,
      endpoints,
      network: { dropped: { ...this.networkDrops } },
    };
  }

  private beginRun(): void {
    if (this.running) throw new Error('the simulator is already running (run methods cannot be called from inside a run)');
    this.running = true;
    // Test code may have written to connections since the last run.
    this.serviceAll();
  }

  /** Processes events due up to deadlineMs. Returns true as soon as the predicate holds. */
  private loop(deadlineMs: number, predicate: (() => boolean) | undefined): boolean {
    const events = this.events;
    for (;;) {
      const event = events.peek();
      if (event === undefined || event.timeMs > deadlineMs) return false;
      events.pop();
      if (event.kind === TIMER_EVENT && event.cancelled) continue;
      if (event.timeMs > this.now) {
        this.now = event.timeMs;
        this.instantEvents = 0;
      }
      if (++this.instantEvents > this.maxEventsPerInstant) throw this.livelock(`the last was ${describe(event)}`);
      this.eventCount++;
      this.dispatch(event);
      if (predicate !== undefined && predicate()) return true;
    }
  }

  private dispatch(event: SimEvent): void {
    switch (event.kind) {
      case DELIVER_EVENT:
        this.handleArrival(event);
        break;
      case TX_DONE_EVENT:
        event.link.handleTxDone(this.now);
        break;
      case TIMER_EVENT:
        this.handleTimer(event);
        break;
      case ACTION_EVENT:
        if (this.trace !== undefined) this.emit('action', undefined, undefined, undefined, undefined, event.label);
        event.run();
        this.serviceAll();
        break;
      case SERVICE_EVENT:
        this.service(event.node);
        break;
    }
  }

  private handleArrival(datagram: SimDatagram): void {
    const link = datagram.route[datagram.hop]!;
    if (!link.exit(datagram)) {
      if (this.trace !== undefined) this.emit('drop', datagram, undefined, link.name, 'blackhole');
      return;
    }
    const nextHop = datagram.hop + 1;
    if (nextHop < datagram.route.length) {
      this.enterLink(datagram, nextHop);
      return;
    }
    const binding = lookup(this.inbound, datagram.toHost, datagram.toPort);
    if (binding === undefined) {
      this.networkDrop(datagram, 'no-socket');
      return;
    }
    const node = binding.node;
    node.datagramsReceived++;
    node.bytesReceived += datagram.bytes.length;
    if (this.trace !== undefined) this.emit('deliver', datagram, node.name);
    node.endpoint.handleDatagram(this.now, binding.address, datagram.from, datagram.bytes);
    this.service(node);
  }

  private handleTimer(event: TimerEvent): void {
    const node = event.node;
    node.timer = undefined;
    // The deadline may have moved later since this event was queued: then this is only a re-arm.
    const deadlineMs = node.endpoint.nextTimeout();
    if (deadlineMs !== undefined && deadlineMs <= this.now) {
      node.timeouts++;
      if (this.trace !== undefined) this.emit('timeout', undefined, node.name);
      node.endpoint.handleTimeout(this.now);
    }
    this.service(node);
  }

  private serviceAll(): void {
    for (const node of this.nodes) this.service(node);
  }

  /** Drains the endpoint's output into the network, then re-arms its timer. */
  private service(node: NodeState): void {
    const endpoint = node.endpoint;
    const buffer = this.buffer;
    let drained = 0;
    for (;;) {
      const transmit = endpoint.pollTransmit(this.now, buffer);
      if (transmit === undefined) break;
      if (++drained > this.maxEventsPerInstant) {
        throw this.livelock(`endpoint "${node.name}" emitted ${drained} datagrams in one drain (pollTransmit never returns undefined?)`);
      }
      this.send(node, transmit);
    }
    this.armTimer(node);
  }

  private send(node: NodeState, transmit: Transmit): void {
    const length = transmit.length;
    if (!(Number.isInteger(length) && length >= 0 && length <= TRANSMIT_BUFFER_BYTES)) {
      throw new RangeError(`endpoint "${node.name}" returned a datagram length of ${length}`);
    }
    const bytes = this.copyOut(length);
    node.datagramsSent++;
    node.bytesSent += length;
    const id = this.nextDatagramId++;
    const { local, remote } = transmit;
    const binding = lookup(this.outbound, local.host, local.port);
    if (binding === undefined || binding.node !== node) {
      this.networkDrops['unbound-source']++;
      if (this.trace !== undefined) {
        this.record('drop', id, length, canonical(local), canonical(remote), node.name, undefined, 'unbound-source', undefined);
      }
      return;
    }
    const from = binding.external;
    const route = this.routes.get(from.host)?.get(remote.host);
    const datagram = new SimDatagram(id, bytes, from, remote.host, remote.port, route ?? NO_ROUTE, this.now);
    if (this.trace !== undefined) this.emit('send', datagram, node.name);
    if (route === undefined) {
      this.networkDrop(datagram, 'no-route');
      return;
    }
    this.enterLink(datagram, 0);
  }

  /** A copy of the first `length` bytes of the transmit buffer, which is reused for the next datagram. */
  private copyOut(length: number): Uint8Array {
    if (length > MAX_SLAB_DATAGRAM_BYTES) return this.buffer.slice(0, length);
    if (this.slabOffsetBytes + length > SLAB_BYTES) {
      this.slab = new ArrayBuffer(SLAB_BYTES);
      this.slabOffsetBytes = 0;
    }
    const bytes = new Uint8Array(this.slab, this.slabOffsetBytes, length);
    bytes.set(this.buffer.subarray(0, length));
    // 8-byte alignment, so an endpoint may lay wider typed arrays over what it receives.
    this.slabOffsetBytes += (length + 7) & ~7;
    return bytes;
  }

  private enterLink(datagram: SimDatagram, hop: number): void {
    datagram.hop = hop;
    const link = datagram.route[hop]!;
    const cause = link.enter(datagram, this.now);
    if (cause !== undefined && this.trace !== undefined) this.emit('drop', datagram, undefined, link.name, cause);
  }

  /**
   * Makes sure a timer event is queued no later than the endpoint's
   * deadline. A later deadline keeps the queued event (it re-arms when it
   * fires); an earlier one replaces it.
   */
  private armTimer(node: NodeState): void {
    const deadlineMs = node.endpoint.nextTimeout();
    if (deadlineMs === undefined) return;
    // A deadline in the past is due now; the livelock guard catches one that never advances.
    const timeMs = deadlineMs < this.now ? this.now : deadlineMs;
    const pending = node.timer;
    if (pending !== undefined) {
      if (pending.timeMs <= timeMs) return;
      pending.cancelled = true;
    }
    const timer = new TimerEvent(node);
    node.timer = timer;
    this.events.push(timer, timeMs);
  }

  private networkDrop(datagram: SimDatagram, cause: NetworkDropCause): void {
    this.networkDrops[cause]++;
    if (this.trace !== undefined) this.emit('drop', datagram, undefined, undefined, cause);
  }

  private livelock(detail: string): SimulationError {
    return new SimulationError(
      'livelock',
      this.now,
      `livelock: more than ${this.maxEventsPerInstant} events at virtual time ${this.now} ms without the clock advancing; ${detail}`,
    );
  }

  private emit(
    type: TraceType,
    datagram: SimDatagram | undefined,
    endpoint: string | undefined,
    link?: string,
    cause?: DropCause,
    label?: string,
  ): void {
    if (datagram === undefined) {
      this.record(type, undefined, undefined, undefined, undefined, endpoint, link, cause, label);
    } else {
      const to: SocketAddress = { host: datagram.toHost, port: datagram.toPort };
      this.record(type, datagram.id, datagram.bytes.length, datagram.from, to, endpoint, link, cause, label);
    }
  }

  private record(
    type: TraceType,
    datagramId: number | undefined,
    length: number | undefined,
    from: SocketAddress | undefined,
    to: SocketAddress | undefined,
    endpoint: string | undefined,
    link: string | undefined,
    cause: DropCause | undefined,
    label: string | undefined,
  ): void {
    const record: TraceRecord = { timeMs: this.now, type, datagramId, length, from, to, endpoint, link, cause, label };
    this.trace?.(record);
  }
}

function describe(event: SimEvent): string {
  switch (event.kind) {
    case DELIVER_EVENT:
      return `the arrival of datagram #${event.id} on link "${event.route[event.hop]?.name ?? '?'}"`;
    case TX_DONE_EVENT:
      return `the end of a serialisation on link "${event.link.name}"`;
    case TIMER_EVENT:
      return `a timer of endpoint "${event.node.name}", whose nextTimeout() is ${String(event.node.endpoint.nextTimeout())} (does handleTimeout fail to move it past now?)`;
    case ACTION_EVENT:
      return `the action "${event.label}"`;
    case SERVICE_EVENT:
      return `a wake of endpoint "${event.node.name}"`;
  }
}
