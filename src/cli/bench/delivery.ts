/**
 * What the bench knows of delivery at the receiving end: how many stream bytes the receiving
 * application got in order, and when it had them all (the end of the stream).
 * @module
 */

/** The receiving side as the bench sees it. */
export interface Delivery {
  /** Stream bytes the receiver got in order so far; undefined while the bench cannot see them (remote mode before the end). */
  deliveredBytes(): number | undefined;
  /** Resolves with the time (performance.now(), ms) the receiver had the whole stream, end included. */
  readonly complete: Promise<number>;
}
