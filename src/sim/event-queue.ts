/**
 * The simulator's agenda: a binary min-heap of pending events ordered by
 * virtual time, ties broken by insertion order.
 *
 * The tie-break is what makes runs deterministic: two events due at the same
 * instant always run in the order they were scheduled, never in an order
 * that depends on heap internals. A heap, not a sorted list, because a fast
 * link keeps thousands of datagrams in flight and every one is an event.
 * Entries are the event objects themselves (a datagram in flight is its own
 * delivery event), so scheduling allocates nothing beyond the heap slot.
 * @module
 */

/** Anything the queue can hold: it writes the time and a sequence number into the entry. */
export interface Scheduled {
  /** Virtual time in ms at which the event is due. Written by {@link EventQueue.push}. */
  timeMs: number;
  /** Insertion sequence number, the tie-break for equal times. Written by {@link EventQueue.push}. */
  seq: number;
}

/** A binary min-heap on (timeMs, seq). */
export class EventQueue<T extends Scheduled> {
  private readonly heap: T[] = [];
  private nextSeq = 0;

  /** Drops every pending entry. */
  clear(): void {
    this.heap.length = 0;
  }

  /** Number of pending entries. */
  get size(): number {
    return this.heap.length;
  }

  /**
   * Schedules `entry` at `timeMs`. An entry must not be in the queue twice;
   * callers reuse an entry object only after it has been popped.
   */
  push(entry: T, timeMs: number): void {
    entry.timeMs = timeMs;
    entry.seq = this.nextSeq++;
    const heap = this.heap;
    let i = heap.length;
    heap.push(entry);
    // Sift up: move the hole towards the root while the parent is later.
    while (i > 0) {
      const parentIndex = (i - 1) >> 1;
      const parent = heap[parentIndex]!;
      if (!before(entry, parent)) break;
      heap[i] = parent;
      i = parentIndex;
    }
    heap[i] = entry;
  }

  /** The earliest entry without removing it, or undefined when empty. */
  peek(): T | undefined {
    return this.heap[0];
  }

  /** Removes and returns the earliest entry, or undefined when empty. */
  pop(): T | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    // Sift down: place `last` in the root hole and push it down past earlier children.
    const n = heap.length;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      let child = left;
      let childEntry = heap[left]!;
      if (right < n) {
        const rightEntry = heap[right]!;
        if (before(rightEntry, childEntry)) {
          child = right;
          childEntry = rightEntry;
        }
      }
      if (!before(childEntry, last)) break;
      heap[i] = childEntry;
      i = child;
    }
    heap[i] = last;
    return top;
  }
}

function before(a: Scheduled, b: Scheduled): boolean {
  return a.timeMs < b.timeMs || (a.timeMs === b.timeMs && a.seq < b.seq);
}
