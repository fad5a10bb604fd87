import type { DatagramEndpoint } from '../core/datagram-endpoint.js';
import type { SocketAddress } from '../core/socket-address.js';
import type { EndpointStats } from './stats.js';

/**
 * An endpoint attached to the simulator: the public handle ({@link SimNode})
 * and the simulator's private bookkeeping for it ({@link NodeState}), kept
 * apart so tests cannot poke the counters the simulator relies on.
 * @module
 */

/** What a {@link SimNode} asks of the simulator. Internal. */
export interface NodeControl {
  /** Schedule a service (drain + timer re-arm) of the node at the current time. */
  wake(node: NodeState): void;
  /** Bind `address` to the node. */
  bind(node: NodeState, address: SocketAddress): void;
  /** Unbind `address` from the node. */
  unbind(node: NodeState, address: SocketAddress): void;
}

/** A timer event queued for a node, as the node keeps it (the simulator's `TimerEvent` is one). Internal. */
export interface PendingTimer {
  /** When it is due, virtual ms. */
  readonly timeMs: number;
  /** Set when an earlier timer supersedes it: the run loop then skips it. */
  cancelled: boolean;
}

/** The simulator's private state of an attached endpoint. Internal. */
export class NodeState {
  /** The pending timer event, if one is queued. */
  timer: PendingTimer | undefined = undefined;
  /** Datagrams emitted. */
  datagramsSent = 0;
  /** Bytes emitted. */
  bytesSent = 0;
  /** Datagrams handed in. */
  datagramsReceived = 0;
  /** Bytes handed in. */
  bytesReceived = 0;
  /** handleTimeout calls. */
  timeouts = 0;
  /** Local addresses bound now, canonical frozen objects. */
  readonly addresses: SocketAddress[] = [];
  /** The public handle. */
  readonly handle: SimNode;

  /**
   * @param name unique endpoint name
   * @param endpoint the driven endpoint
   * @param control the simulator
   */
  constructor(
    readonly name: string,
    readonly endpoint: DatagramEndpoint,
    control: NodeControl,
  ) {
    this.handle = new SimNode(this, control);
  }

  /** A snapshot of the counters. */
  stats(): EndpointStats {
    return {
      name: this.name,
      datagramsSent: this.datagramsSent,
      bytesSent: this.bytesSent,
      datagramsReceived: this.datagramsReceived,
      bytesReceived: this.bytesReceived,
      timeouts: this.timeouts,
    };
  }
}

/** An endpoint attached with {@link Simulator.attach}. */
export class SimNode {
  readonly #state: NodeState;
  readonly #control: NodeControl;

  /**
   * Returned by {@link Simulator.attach}.
   * @internal
   */
  constructor(state: NodeState, control: NodeControl) {
    this.#state = state;
    this.#control = control;
  }

  /** Unique name, the key of its entry in {@link SimStats.endpoints}. */
  get name(): string {
    return this.#state.name;
  }

  /** The endpoint this node drives. */
  get endpoint(): DatagramEndpoint {
    return this.#state.endpoint;
  }

  /** The local addresses bound to the endpoint now (a copy). */
  get addresses(): readonly SocketAddress[] {
    return [...this.#state.addresses];
  }

  /** A snapshot of the endpoint's counters. */
  stats(): EndpointStats {
    return this.#state.stats();
  }

  /**
   * Tells the simulator the endpoint may have something to send now, e.g.
   * after code outside the simulator's callbacks wrote to one of its
   * connections. Runs and scheduled actions already service every endpoint
   * when they start, so this is only needed in unusual set-ups.
   */
  wake(): void {
    this.#control.wake(this.#state);
  }

  /** Binds another local address to the endpoint (an interface comes up). */
  addAddress(address: SocketAddress): void {
    this.#control.bind(this.#state, address);
  }

  /**
   * Unbinds a local address (an interface goes down): datagrams to it are
   * dropped as 'no-socket', sends from it as 'unbound-source'.
   */
  removeAddress(address: SocketAddress): void {
    this.#control.unbind(this.#state, address);
  }
}
