/**
 * Path managers: the plugin interface and the built-in managers.
 * @module
 */
export type { PathCloseReason, PathManager, PathManagerContext, PathManagerFactory, PathStatsSample, PathView } from './path-manager.js';
export { PathManagerHost, type PathManagerFailure, type PathManagerHook, type PathManagerHookArgs } from './path-manager-host.js';
export { fullmesh, type FullmeshOptions } from './fullmesh.js';
