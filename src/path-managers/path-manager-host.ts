import type { PathManager, PathManagerContext, PathManagerFactory } from './path-manager.js';

/**
 * Calls a plugin's hooks for the engine. A hook that throws is caught: the
 * error is reported through `onError` and counted, and the connection lives
 * on, since a buggy policy must not take the transport down with it.
 * @module
 */

/** What the host reports when a hook throws. */
export interface PathManagerFailure {
  /** The plugin's name. */
  readonly pathManager: string;
  /** The hook that threw, e.g. `onPathFailed`. */
  readonly hook: string;
  /** What it threw. */
  readonly error: unknown;
}

/** The name of a path-manager hook. */
export type PathManagerHook = Exclude<keyof PathManager, 'name'>;

/** A hook's arguments after the context. */
export type PathManagerHookArgs<K extends PathManagerHook> =
  NonNullable<PathManager[K]> extends (ctx: PathManagerContext, ...rest: infer R) => void ? R : never;

/** One connection's path manager, with every hook call guarded. */
export class PathManagerHost {
  /** The plugin instance for this connection. */
  readonly pathManager: PathManager;
  /** Hooks that threw so far. */
  failures = 0;

  constructor(
    factory: PathManagerFactory,
    private readonly ctx: PathManagerContext,
    private readonly onError: (failure: PathManagerFailure) => void,
  ) {
    this.pathManager = typeof factory === 'function' ? factory() : factory;
  }

  /** Calls `hook` if the plugin has it; a throw is reported, never propagated. */
  notify<K extends PathManagerHook>(hook: K, ...args: PathManagerHookArgs<K>): void {
    const fn = this.pathManager[hook] as ((ctx: PathManagerContext, ...rest: unknown[]) => void) | undefined;
    if (fn === undefined) return;
    try {
      fn.call(this.pathManager, this.ctx, ...args);
    } catch (error) {
      this.failures++;
      this.onError({ pathManager: this.pathManager.name, hook, error });
    }
  }
}
