/**
 * A set of integers kept as sorted, disjoint, non-adjacent half-open ranges
 * [start, end), in two parallel number arrays (no object per range). Used for
 * stream offsets: acknowledged and lost byte ranges of the send buffer.
 * Operations are O(log n) to find plus O(n) to splice, with n the number of
 * ranges, which stays small (one per hole).
 * @module
 */
export class RangeSet {
  private readonly starts: number[];
  private readonly ends: number[];

  /** An empty set. */
  constructor() {
    this.starts = [];
    this.ends = [];
  }

  /** Number of disjoint ranges. */
  get rangeCount(): number {
    return this.starts.length;
  }

  /** Whether the set is empty. */
  get isEmpty(): boolean {
    return this.starts.length === 0;
  }

  /** Start (inclusive) of range `i`, 0 <= i < rangeCount. */
  start(i: number): number {
    return this.starts[i] as number;
  }

  /** End (exclusive) of range `i`, 0 <= i < rangeCount. */
  end(i: number): number {
    return this.ends[i] as number;
  }

  /** Total count of integers in the set. */
  get totalLength(): number {
    let sum = 0;
    for (let i = 0; i < this.starts.length; i++) sum += (this.ends[i] as number) - (this.starts[i] as number);
    return sum;
  }

  /** Index of the first range with end > x (rangeCount if none): the range containing x, or the next one above. */
  indexAfter(x: number): number {
    let lo = 0;
    let hi = this.ends.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.ends[mid] as number) <= x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Whether x is in the set. */
  contains(x: number): boolean {
    const i = this.indexAfter(x);
    return i < this.starts.length && (this.starts[i] as number) <= x;
  }

  /** Adds [start, end). Returns how many integers were not in the set before. */
  insert(start: number, end: number): number {
    if (end <= start) return 0;
    const n = this.starts.length;
    // Fast path: append past the last range (in-order acknowledgement).
    if (n === 0 || start > (this.ends[n - 1] as number)) {
      this.starts.push(start);
      this.ends.push(end);
      return end - start;
    }
    // First range that overlaps or touches [start, end): its end >= start.
    const i = this.indexAfter(start - 1);
    let j = i;
    let newStart = start;
    let newEnd = end;
    let covered = 0;
    while (j < n && (this.starts[j] as number) <= end) {
      const s = this.starts[j] as number;
      const e = this.ends[j] as number;
      covered += Math.max(0, Math.min(e, end) - Math.max(s, start));
      if (s < newStart) newStart = s;
      if (e > newEnd) newEnd = e;
      j++;
    }
    this.starts.splice(i, j - i, newStart);
    this.ends.splice(i, j - i, newEnd);
    return end - start - covered;
  }

  /** Removes [start, end). Returns how many integers were removed. */
  remove(start: number, end: number): number {
    if (end <= start) return 0;
    const n = this.starts.length;
    const i = this.indexAfter(start);
    let j = i;
    let removed = 0;
    while (j < n && (this.starts[j] as number) < end) {
      removed += Math.min(this.ends[j] as number, end) - Math.max(this.starts[j] as number, start);
      j++;
    }
    if (j === i) return 0;
    const firstStart = this.starts[i] as number;
    const lastEnd = this.ends[j - 1] as number;
    // Up to two pieces survive: the part of the first range below start and of the last range above end.
    if (firstStart < start && lastEnd > end) {
      this.starts.splice(i, j - i, firstStart, end);
      this.ends.splice(i, j - i, start, lastEnd);
    } else if (firstStart < start) {
      this.starts.splice(i, j - i, firstStart);
      this.ends.splice(i, j - i, start);
    } else if (lastEnd > end) {
      this.starts.splice(i, j - i, end);
      this.ends.splice(i, j - i, lastEnd);
    } else {
      this.starts.splice(i, j - i);
      this.ends.splice(i, j - i);
    }
    return removed;
  }

  /** Removes the first range and returns nothing; no-op when empty. */
  shift(): void {
    this.starts.shift();
    this.ends.shift();
  }

  /** Empties the set. */
  clear(): void {
    this.starts.length = 0;
    this.ends.length = 0;
  }
}
