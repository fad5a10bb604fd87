import { backup } from './backup.js';
import { fullmesh } from './fullmesh.js';
import type { PathManagerFactory } from '../core/path-manager.js';
import { POLICY_PRESETS, policy, type PolicyPresetName } from './policy.js';

/**
 * The built-in path managers by name, for the `pathManager` option of `connect()` and
 * `createServer()`: `pathManager: 'backup'` is `pathManager: backup()`.
 * @module
 */

/**
 * A built-in path manager by name, each with its defaults:
 * - `fullmesh`: {@link fullmesh} within the connection's `maxPaths` (the default when `maxPaths` > 1);
 * - `backup`: {@link backup} (hot backup paths from the other local addresses, traffic on the first);
 * - `none`: no path manager: the connection keeps its first path only (the default with `maxPaths: 1`);
 * - `handover`, `interactive`, `aggregate`: {@link policy} with that preset ({@link POLICY_PRESETS}).
 */
export type PathManagerName = 'fullmesh' | 'backup' | 'none' | PolicyPresetName;

/** Every {@link PathManagerName}. */
export const PATH_MANAGER_NAMES: readonly PathManagerName[] = Object.freeze([
  'fullmesh',
  'backup',
  'none',
  ...(Object.keys(POLICY_PRESETS) as PolicyPresetName[]),
]);

/** Whether `name` is a {@link PathManagerName}. */
export function isPathManagerName(name: unknown): name is PathManagerName {
  return typeof name === 'string' && (PATH_MANAGER_NAMES as readonly string[]).includes(name);
}

/**
 * The path manager a name stands for, with that manager's defaults; `maxPaths` (the connection's) goes
 * to fullmesh. Undefined for `none`.
 */
export function pathManagerByName(name: PathManagerName, options: { readonly maxPaths?: number | undefined } = {}): PathManagerFactory | undefined {
  switch (name) {
    case 'none':
      return undefined;
    case 'fullmesh':
      return fullmesh(options.maxPaths === undefined ? {} : { maxPaths: options.maxPaths });
    case 'backup':
      return backup();
    default:
      return policy(name);
  }
}
