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
    let made: PathManager;
    try {
      made = typeof factory === 'function' ? factory() : factory;
    } catch (error) {
      // A factory that throws leaves the connection without a policy, not without a connection.
      this.failures++;
      onError({ pathManager: typeof factory === 'function' ? factory.name || 'factory' : 'factory', hook: 'factory', error });
      made = { name: 'none' };
    }
    this.pathManager = made;
  }

  /**
   * Calls `hook` if the plugin has it. A throw is reported, never propagated; so is the rejection of
   * a hook written `async` (its promise is not awaited: hooks run to completion one after another).
   */
  notify<K extends PathManagerHook>(hook: K, ...args: PathManagerHookArgs<K>): void {
    const fn = this.pathManager[hook] as ((ctx: PathManagerContext, ...rest: unknown[]) => unknown) | undefined;
    if (fn === undefined) return;
    try {
      const result = fn.call(this.pathManager, this.ctx, ...args);
      if (isThenable(result)) result.then(undefined, (error: unknown) => this.report(hook, error));
    } catch (error) {
      this.report(hook, error);
    }
  }

  private report(hook: string, error: unknown): void {
    this.failures++;
    this.onError({ pathManager: this.pathManager.name, hook, error });
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
