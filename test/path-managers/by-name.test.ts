// The built-in path managers by name (the `pathManager` option's strings): each name stands for its
// manager with that manager's defaults; fullmesh takes the connection's maxPaths; 'none' is no manager.
import { describe, expect, test } from 'vitest';
import { isPathManagerName, PATH_MANAGER_NAMES, pathManagerByName, POLICY_PRESETS, type PathManager, type PathManagerFactory } from '../../src/index.js';
import { resolvePathManager } from '../../src/node/options.js';

const instance = (factory: PathManagerFactory | undefined): PathManager | undefined => (typeof factory === 'function' ? factory() : factory);

describe('pathManagerByName', () => {
  test('the names: fullmesh, backup, none and the policy presets', () => {
    expect(PATH_MANAGER_NAMES).toEqual(['fullmesh', 'backup', 'none', ...Object.keys(POLICY_PRESETS)]);
    for (const name of PATH_MANAGER_NAMES) expect(isPathManagerName(name)).toBe(true);
    for (const other of ['Backup', 'mesh', '', 5, undefined, {}]) expect(isPathManagerName(other)).toBe(false);
  });

  test('each name makes its manager', () => {
    expect(instance(pathManagerByName('fullmesh'))?.name).toBe('fullmesh');
    expect(instance(pathManagerByName('backup'))?.name).toBe('backup');
    expect(pathManagerByName('none')).toBeUndefined();
    expect(instance(pathManagerByName('handover'))?.name).toBe('handover');
    expect(instance(pathManagerByName('interactive'))?.name).toBe('interactive');
    expect(instance(pathManagerByName('aggregate'))?.name).toBe('aggregate');
  });
});

describe('resolvePathManager (what connect() and createServer() run)', () => {
  test('a name resolves to its manager; fullmesh within the connection maxPaths', () => {
    expect(instance(resolvePathManager('backup', 8))?.name).toBe('backup');
    expect(instance(resolvePathManager('fullmesh', 1))?.name).toBe('fullmesh');
    expect(resolvePathManager('none', 8)).toBeUndefined();
  });

  test('a plugin is used as given; nothing given: fullmesh when maxPaths > 1, none with 1', () => {
    const plugin: PathManager = { name: 'mine' };
    expect(resolvePathManager(plugin, 8)).toBe(plugin);
    expect(instance(resolvePathManager(undefined, 8))?.name).toBe('fullmesh');
    expect(resolvePathManager(undefined, 1)).toBeUndefined();
  });
});
