// Where the mpt command keeps its files (src/cli/config-dir.ts).
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configDir, ensureConfigDir } from '../../src/cli/config-dir.js';

describe('configDir', () => {
  it('prefers MPT_CONFIG_DIR, then XDG_CONFIG_HOME (absolute only), then ~/.config; APPDATA on Windows', () => {
    expect(configDir({ MPT_CONFIG_DIR: '/x/mpt', XDG_CONFIG_HOME: '/xdg' }, 'linux', '/home/u')).toBe('/x/mpt');
    expect(configDir({ MPT_CONFIG_DIR: '', XDG_CONFIG_HOME: '/xdg' }, 'linux', '/home/u')).toBe(join('/xdg', 'mpt'));
    expect(configDir({ XDG_CONFIG_HOME: 'relative' }, 'darwin', '/home/u')).toBe(join('/home/u', '.config', 'mpt'));
    expect(configDir({}, 'linux', '/home/u')).toBe(join('/home/u', '.config', 'mpt'));
    expect(configDir({ APPDATA: 'C:\\Users\\u\\AppData\\Roaming', XDG_CONFIG_HOME: '/xdg' }, 'win32', 'C:\\Users\\u')).toBe(join('C:\\Users\\u\\AppData\\Roaming', 'mpt'));
    expect(configDir({ MPT_CONFIG_DIR: 'D:\\mpt' }, 'win32', 'C:\\Users\\u')).toBe('D:\\mpt');
  });

  it('creates the folder with mode 0700 (POSIX) and leaves an existing one alone', () => {
    const root = mkdtempSync(join(tmpdir(), 'mpt-config-'));
    try {
      const dir = ensureConfigDir(join(root, 'a', 'mpt'));
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      expect(ensureConfigDir(dir)).toBe(dir);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
