/**
 * One sample of what a process holds: heap after a full GC, memory outside the heap, open file
 * descriptors, active handles and timers by type, and how many of the objects the soak watches are
 * still alive (not collected).
 * @module
 */
import { readdirSync } from 'node:fs';
import { settleAndCollect } from './gc.js';

/** What the process holds at one moment. */
export interface ResourceSample {
  /** V8 heap in use after a full GC, bytes. */
  readonly heapUsed: number;
  /** Memory of C++ objects bound to JS objects (Buffers included), bytes. */
  readonly external: number;
  /** ArrayBuffer and Buffer memory (part of `external`), bytes. */
  readonly arrayBuffers: number;
  /** Resident set size, bytes (reported, not asserted: the allocator keeps freed pages). */
  readonly rss: number;
  /** Open file descriptors (/proc/self/fd; -1 where there is none). */
  readonly fds: number;
  /** process.getActiveResourcesInfo() counted by type (UDPWRAP, Timeout, ...). */
  readonly resources: Readonly<Record<string, number>>;
  /** Watched objects still alive, by what they are. */
  readonly alive: Readonly<Record<string, number>>;
}

/** Counts open file descriptors, or -1 without /proc. */
export function countFds(): number {
  try {
    // readdirSync holds one descriptor of its own while it reads.
    return readdirSync('/proc/self/fd').length - 1;
  } catch {
    return -1;
  }
}

/**
 * Counts watched objects not yet collected, with a FinalizationRegistry (a WeakRef would do too, but
 * reading one keeps its object alive until the current job ends, which made objects counted at one
 * sample live on into the next).
 */
export class AliveCounter {
  readonly #alive = new Map<string, number>();
  readonly #registry = new FinalizationRegistry<string>((what) => this.#alive.set(what, (this.#alive.get(what) ?? 1) - 1));

  /** Watches `object`, counted under `what`. */
  track(what: string, object: object): void {
    this.#alive.set(what, (this.#alive.get(what) ?? 0) + 1);
    this.#registry.register(object, what);
  }

  /** Watched objects not yet collected, by what they are (as the finalizers that ran so far tell). */
  count(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [what, n] of this.#alive) if (n > 0) out[what] = n;
    return out;
  }
}

/** Collects garbage, then samples. */
export async function sampleResources(alive: AliveCounter): Promise<ResourceSample> {
  await settleAndCollect();
  const memory = process.memoryUsage();
  const resources: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) resources[type] = (resources[type] ?? 0) + 1;
  return {
    heapUsed: memory.heapUsed,
    external: memory.external,
    arrayBuffers: memory.arrayBuffers,
    rss: memory.rss,
    fds: countFds(),
    resources,
    alive: alive.count(),
  };
}
