/**
 * The Scheduler interface: which path is offered the next packet, which
 * paths may carry stream data, and whether stream data goes out once or on
 * every path (docs/architecture.md, Engine: Schedulers). A scheduler holds
 * per-connection state (a round-robin cursor, redundant copy cursors), so
 * each connection has its own.
 * @module
 */

/** The built-in schedulers, by the name the `scheduler` transport setting takes. */
export type SchedulerName = 'minrtt' | 'roundrobin' | 'redundant';

/**
 * A scheduler given as code rather than by name, for the `scheduler` transport setting: a function
 * the engine calls once per connection for that connection's own {@link Scheduler} (a scheduler keeps
 * per-connection state, so one object is never shared), as MPTCP's scheduler ops are one table whose
 * state lives per connection. A function that throws, or returns something without the
 * {@link Scheduler} methods, leaves that connection with the default scheduler ('minrtt').
 */
export type SchedulerFactory = () => Scheduler;

/** What a scheduler reads of a path; the engine's `Path` has all of it. */
export interface SchedulerPath {
  /** Path id: unique and never reused within a connection. */
  readonly id: number;
  /** Whether the path's address answered a challenge, so it may carry stream data. */
  readonly validated: boolean;
  /** Backup (PATH_STATUS): used only when no available path can send. */
  readonly backup: boolean;
  /** Declared failed (consecutive probe timeouts without an answer). */
  readonly failed: boolean;
  /** Abandoned: gets nothing more. */
  readonly closed: boolean;
  /** Whether we hold a connection ID of the peer's for the path, so it can send at all. */
  readonly hasRemoteCid: boolean;
  /** Probe timeouts in a row without an ACK since (above 0: the path is potentially failed). */
  readonly ptoCount: number;
  /** Smoothed RTT, ms. */
  readonly srttMs: number;
}

/**
 * Decides how a connection spreads packets over its paths. `pollTransmit`
 * asks for an {@link order} and offers each path in turn the next packet; the
 * first path with something due (its own ACKs, probes and challenges, or
 * connection-level frames and stream data where {@link carriesData} allows and
 * its window and pacer have room) sends it. Nothing here allocates per packet.
 */
export interface Scheduler {
  /** Which scheduler this is: a {@link SchedulerName} for the built-in ones, any name for others. */
  readonly name: string;
  /**
   * Whether stream data sent on one path is also sent on every other path
   * that may carry data: each such path sends its own copy of every stream
   * byte not yet acknowledged ({@link copyFrom} tracks how far it got).
   */
  readonly redundant: boolean;
  /**
   * Writes into `out` (reused; resized to fit) the paths to offer the next
   * packet to, first to last. Closed paths are left out: they get nothing.
   * Also fixes what {@link carriesData} answers until the next call.
   */
  order<P extends SchedulerPath>(paths: readonly P[], out: P[]): void;
  /**
   * Whether `path` may carry stream data in the order last computed: it is
   * validated and open, and a backup only when no available path answers,
   * a failed one only when no other path answers.
   */
  carriesData(path: SchedulerPath): boolean;
  /**
   * `path` sent a packet with stream bytes ending at `endOffset`: a
   * retransmission of bytes reported lost, or else bytes it had not sent
   * before (new data, or its copy of data another path sent).
   */
  onDataSent(path: SchedulerPath, endOffset: number, retransmission: boolean): void;
  /**
   * Redundant: the stream offset from which `path` still owes its copy of data
   * sent on other paths (bytes acknowledged meanwhile are skipped, not copied).
   * Others: Infinity (nothing is copied).
   */
  copyFrom(path: SchedulerPath): number;
  /**
   * Reinjection: whether a PTO probe on `path` may carry stream data. When a path stops answering, the
   * connection queues its outstanding data again for the other paths; a probe that took that data back
   * into the silent path would delay it, so the built-in schedulers answer with `probeMayCarryData`
   * (false while the path is silent and another validated path still answers, docs/architecture.md).
   * `paths` is every path of the connection. Answering true always sends probes with data, as on one path.
   */
  probeMayCarryData(path: SchedulerPath, paths: readonly SchedulerPath[]): boolean;
}
