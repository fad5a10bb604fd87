/**
 * A binary min-heap of deadlines: the endpoint keeps one entry per connection, keyed by the
 * connection's next timeout, so the earliest deadline is known in O(1) and only the entries
 * whose deadline passed are visited when time advances. Each entry remembers its place in the
 * heap, so changing or removing one costs O(log n) with no search.
 * @module
 */

/** One value in a {@link TimerQueue}, with its deadline and its place in the heap. */
export class TimerEntry<T> {
  /** What the deadline belongs to. */
  readonly value: T;
  /** The deadline while queued (ms); meaningless while not queued. */
  deadlineMs = 0;
  /** The entry's index in the heap, or -1 while not queued. */
  index = -1;

  /** An entry for `value`, not queued yet. */
  constructor(value: T) {
    this.value = value;
  }

  /** Whether the entry is in its queue. */
  get queued(): boolean {
    return this.index >= 0;
  }
}

/** A min-heap of {@link TimerEntry}s ordered by deadline. */
export class TimerQueue<T> {
  private readonly heap: TimerEntry<T>[] = [];

  /** Entries queued. */
  get size(): number {
    return this.heap.length;
  }

  /** The entry with the earliest deadline, or undefined when empty. */
  peek(): TimerEntry<T> | undefined {
    return this.heap[0];
  }

  /** The earliest deadline, or undefined when empty. */
  nextDeadline(): number | undefined {
    return this.heap[0]?.deadlineMs;
  }

  /**
   * Queues `entry` at `deadlineMs`, or moves it there if already queued; an undefined deadline
   * removes it. A deadline that is not a number (NaN) is treated as undefined.
   */
  set(entry: TimerEntry<T>, deadlineMs: number | undefined): void {
    if (deadlineMs === undefined || Number.isNaN(deadlineMs)) return this.remove(entry);
    if (entry.index < 0) {
      entry.deadlineMs = deadlineMs;
      entry.index = this.heap.length;
      this.heap.push(entry);
      this.up(entry.index);
      return;
    }
    if (deadlineMs === entry.deadlineMs) return;
    const earlier = deadlineMs < entry.deadlineMs;
    entry.deadlineMs = deadlineMs;
    if (earlier) this.up(entry.index);
    else this.down(entry.index);
  }

  /** Takes `entry` out of the queue (nothing if it is not queued). */
  remove(entry: TimerEntry<T>): void {
    const i = entry.index;
    if (i < 0) return;
    entry.index = -1;
    const last = this.heap.pop() as TimerEntry<T>;
    if (last === entry) return;
    this.heap[i] = last;
    last.index = i;
    this.down(i);
    this.up(last.index);
  }

  /** Removes and returns the earliest entry if its deadline is at or before `nowMs`. */
  popDue(nowMs: number): TimerEntry<T> | undefined {
    const top = this.heap[0];
    if (top === undefined || top.deadlineMs > nowMs) return undefined;
    this.remove(top);
    return top;
  }

  /** Calls `fn` for every entry whose deadline is at or before `nowMs` (in no particular order); `fn` must not change the queue. */
  forEachDue(nowMs: number, fn: (entry: TimerEntry<T>) => void): void {
    this.visitDue(0, nowMs, fn);
  }

  private visitDue(i: number, nowMs: number, fn: (entry: TimerEntry<T>) => void): void {
    const entry = this.heap[i];
    if (entry === undefined || entry.deadlineMs > nowMs) return; // heap order: nothing below is due either
    fn(entry);
    this.visitDue(2 * i + 1, nowMs, fn);
    this.visitDue(2 * i + 2, nowMs, fn);
  }

  private up(i: number): void {
    const heap = this.heap;
    const entry = heap[i] as TimerEntry<T>;
    while (i > 0) {
      const parentIndex = (i - 1) >> 1;
      const parent = heap[parentIndex] as TimerEntry<T>;
      if (parent.deadlineMs <= entry.deadlineMs) break;
      heap[i] = parent;
      parent.index = i;
      i = parentIndex;
    }
    heap[i] = entry;
    entry.index = i;
  }

  private down(i: number): void {
    const heap = this.heap;
    const n = heap.length;
    const entry = heap[i] as TimerEntry<T>;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && (heap[right] as TimerEntry<T>).deadlineMs < (heap[left] as TimerEntry<T>).deadlineMs ? right : left;
      const smaller = heap[child] as TimerEntry<T>;
      if (smaller.deadlineMs >= entry.deadlineMs) break;
      heap[i] = smaller;
      smaller.index = i;
      i = child;
    }
    heap[i] = entry;
    entry.index = i;
  }
}
