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
  /** Loss recovery: probe timeouts without an ACK since, and the smoothed RTT in ms. */
  readonly loss: { readonly ptoCount: number; readonly rtt: { readonly smoothedRttMs: number } };
}

/**
 * Decides how a connection spreads packets over its paths. `pollTransmit`
 * asks for an {@link order} and offers each path in turn the next packet; the
 * first path with something due (its own ACKs, probes and challenges, or
 * connection-level frames and stream data where {@link carriesData} allows and
 * its window and pacer have room) sends it. Nothing here allocates per packet.
 */
export interface Scheduler {
  /** Which scheduler this is. */
  readonly name: SchedulerName;
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
}
