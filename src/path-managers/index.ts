/**
 * Path managers: the plugin interface and the built-in managers.
 * @module
 */
export type {
  InterfaceInfo,
  InterfaceType,
  LocalInterface,
  PathCloseReason,
  PathManager,
  PathManagerContext,
  PathManagerFactory,
  PathStatsSample,
  PathView,
} from '../core/path-manager.js';
export { PathManagerHost, type PathManagerFailure, type PathManagerHook, type PathManagerHookArgs } from '../core/path-manager-host.js';
export { fullmesh, type FullmeshOptions } from './fullmesh.js';
export { backup, type BackupFailure, type BackupOptions } from './backup.js';
export { isPathManagerName, PATH_MANAGER_NAMES, pathManagerByName, type PathManagerName } from './by-name.js';
export { POLICY_PRESETS, policy, type DuplicationConfig, type PolicyConfig, type PolicyPresetName, type PolicyRole, type PolicyRule } from './policy.js';
