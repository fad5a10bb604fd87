/**
 * A growable ring buffer used as a link's drop-tail queue. Array.shift() is
 * O(n), which a queue of thousands of datagrams cannot afford.
 * @module
 */

/** A first-in first-out queue with O(1) push and shift. */
export class Fifo<T> {
  private items: (T | undefined)[] = new Array<T | undefined>(16);
  private head = 0;
  private count = 0;

  /** Number of queued items. */
  get length(): number {
    return this.count;
  }

  /** Appends an item at the tail. */
  push(item: T): void {
    if (this.count === this.items.length) this.grow();
    this.items[(this.head + this.count) & (this.items.length - 1)] = item;
    this.count++;
  }

  /** Removes and returns the head item, or undefined when empty. */
  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined; // let the datagram's bytes be collected
    this.head = (this.head + 1) & (this.items.length - 1);
    this.count--;
    return item;
  }

  /** Removes every item. */
  clear(): void {
    while (this.count > 0) this.shift();
  }

  // Capacity stays a power of two so the index wrap is a mask, not a modulo.
  private grow(): void {
    const bigger = new Array<T | undefined>(this.items.length * 2);
    for (let i = 0; i < this.count; i++) {
      bigger[i] = this.items[(this.head + i) & (this.items.length - 1)];
    }
    this.items = bigger;
    this.head = 0;
  }
}
