/**
 * Counters the simulator keeps, and the shape of the {@link SimStats}
 * snapshot. Snapshots are plain copies: keeping one and running on does not
 * change it, so a test can diff two of them.
 * @module
 */

/** Why a link dropped a datagram, in the order the link checks: see {@link LinkOptions}. */
export type LinkDropCause = 'blackhole' | 'mtu' | 'burst' | 'loss' | 'queue';

/**
 * Why the network dropped a datagram outside any link: no route between the
 * two hosts, nobody bound to the destination address (which includes a NAT
 * mapping that was rebound away), or the endpoint sent from an address it
 * does not own (as the OS would refuse a send from an unconfigured address).
 */
export type NetworkDropCause = 'no-route' | 'no-socket' | 'unbound-source';

/** Any reason a datagram did not reach an endpoint. */
export type DropCause = LinkDropCause | NetworkDropCause;

/** Counters of one link. Every datagram that entered is delivered, dropped or still in flight. */
export interface LinkStats {
  /** The link's name. */
  readonly name: string;
  /** Datagrams offered to the link (before any drop). */
  readonly datagramsIn: number;
  /** Bytes offered to the link. */
  readonly bytesIn: number;
  /** Datagrams that left the link (duplicates included). */
  readonly datagramsDelivered: number;
  /** Bytes that left the link (duplicates included). */
  readonly bytesDelivered: number;
  /** Extra copies made by duplication. */
  readonly datagramsDuplicated: number;
  /** Datagrams given the extra reorder delay. */
  readonly datagramsReorderDelayed: number;
  /** Datagrams dropped, by cause. */
  readonly dropped: Readonly<Record<LinkDropCause, number>>;
  /** Bytes dropped, all causes together. */
  readonly bytesDropped: number;
  /** Bytes waiting in the queue now (not counting the datagram being serialised). */
  readonly queueBytes: number;
  /** The most bytes ever waiting in the queue. */
  readonly maxQueueBytes: number;
}

/** Counters of one attached endpoint. */
export interface EndpointStats {
  /** The endpoint's name. */
  readonly name: string;
  /** Datagrams the endpoint emitted through pollTransmit (including those the network then dropped). */
  readonly datagramsSent: number;
  /** Bytes the endpoint emitted. */
  readonly bytesSent: number;
  /** Datagrams handed to the endpoint's handleDatagram. */
  readonly datagramsReceived: number;
  /** Bytes handed to the endpoint. */
  readonly bytesReceived: number;
  /** Calls of the endpoint's handleTimeout. */
  readonly timeouts: number;
}

/** Counters of drops outside links. */
export interface NetworkStats {
  /** Datagrams dropped by cause. */
  readonly dropped: Readonly<Record<NetworkDropCause, number>>;
}

/** A snapshot of everything the simulator counts. */
export interface SimStats {
  /** Virtual time of the snapshot, ms. */
  readonly nowMs: number;
  /** Events processed since the simulator was created. */
  readonly events: number;
  /** Per link, keyed by link name. */
  readonly links: Readonly<Record<string, LinkStats>>;
  /** Per endpoint, keyed by endpoint name. */
  readonly endpoints: Readonly<Record<string, EndpointStats>>;
  /** Drops outside links. */
  readonly network: NetworkStats;
}
