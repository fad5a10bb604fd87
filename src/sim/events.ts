import type { SimDatagram } from './datagram.js';
import type { NodeState } from './node.js';

/**
 * The kinds of event the simulator schedules. Each is a small object with a
 * numeric `kind` tag, so the run loop dispatches with a switch instead of
 * calling a closure per event.
 * @module
 */

/** Event kind: a link finished serialising its head datagram. */
export const TX_DONE_EVENT = 1;
/** Event kind: an endpoint's timer is due. */
export const TIMER_EVENT = 2;
/** Event kind: a scheduled action ({@link Simulator.at}). */
export const ACTION_EVENT = 3;
/** Event kind: drain an endpoint's output and re-arm its timer (SimNode.wake). */
export const SERVICE_EVENT = 4;

/**
 * A link's transmitter as its {@link TxDoneEvent} names it: declared here, by the event, so the event
 * needs nothing of the link's module (the simulator's `Link` is one).
 */
export interface Transmitter {
  /** The link's name, for traces and errors. */
  readonly name: string;
  /** The datagram being serialised is fully on the wire at `nowMs`. */
  handleTxDone(nowMs: number): void;
}

/** A link's end-of-serialisation event; each link owns exactly one and reuses it. */
export class TxDoneEvent {
  /** Event kind tag. */
  readonly kind = TX_DONE_EVENT;
  /** Due time, virtual ms; set by the event queue. */
  timeMs = 0;
  /** Tie-break; set by the event queue. */
  seq = 0;
  /** @param link the link whose transmitter this is */
  constructor(readonly link: Transmitter) {}
}

/**
 * An endpoint timer. Re-arming to a later time keeps the pending event (it
 * fires early, sees the endpoint's deadline moved and re-arms), while
 * re-arming earlier cancels it; so the queue holds no pile of stale timers
 * even when every ACK pushes a deadline out.
 */
export class TimerEvent {
  /** Event kind tag. */
  readonly kind = TIMER_EVENT;
  /** Due time, virtual ms; set by the event queue. */
  timeMs = 0;
  /** Tie-break; set by the event queue. */
  seq = 0;
  /** Set when superseded by an earlier timer: the run loop then skips it. */
  cancelled = false;
  /** @param node the endpoint it belongs to */
  constructor(readonly node: NodeState) {}
}

/** A user or internal action at a virtual time. Rare, so a closure is fine here. */
export class ActionEvent {
  /** Event kind tag. */
  readonly kind = ACTION_EVENT;
  /** Due time, virtual ms; set by the event queue. */
  timeMs = 0;
  /** Tie-break; set by the event queue. */
  seq = 0;
  /** @param run what to do; @param label names the action in traces */
  constructor(
    readonly run: () => void,
    readonly label: string,
  ) {}
}

/** A request to service an endpoint at the current time. */
export class ServiceEvent {
  /** Event kind tag. */
  readonly kind = SERVICE_EVENT;
  /** Due time, virtual ms; set by the event queue. */
  timeMs = 0;
  /** Tie-break; set by the event queue. */
  seq = 0;
  /** @param node the endpoint to service */
  constructor(readonly node: NodeState) {}
}

/** Everything the simulator's event queue holds. */
export type SimEvent = SimDatagram | TxDoneEvent | TimerEvent | ActionEvent | ServiceEvent;
