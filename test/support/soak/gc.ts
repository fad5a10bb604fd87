/**
 * A full garbage collection on demand: `global.gc` when Node runs with --expose-gc, else the same
 * function obtained by turning the flag on at run time (V8 hands it to contexts made after that).
 * @module
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gcFunction: (() => void) | undefined;

/** Runs a full, synchronous garbage collection. */
export function collectGarbage(): void {
  if (gcFunction === undefined) {
    const exposed = (globalThis as { gc?: () => void }).gc;
    if (exposed !== undefined) gcFunction = exposed;
    else {
      setFlagsFromString('--expose-gc');
      gcFunction = runInNewContext('gc') as () => void;
    }
  }
  gcFunction();
}

/**
 * Collects twice with turns of the event loop between and after, so that objects released by pending
 * callbacks are gone too and the finalizers of what was collected have run.
 */
export async function settleAndCollect(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  collectGarbage();
  await new Promise((resolve) => setTimeout(resolve, 10));
  collectGarbage();
  await new Promise((resolve) => setTimeout(resolve, 10));
}
