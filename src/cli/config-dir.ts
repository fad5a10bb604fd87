import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

/**
 * Where the `mpt` command keeps its files (the default key pair `id` and `id.pub`, `known_hosts`).
 * @module
 */

/** The environment variables {@link configDir} reads, for tests and callers that pass their own. */
export interface ConfigDirEnv {
  readonly MPT_CONFIG_DIR?: string | undefined;
  readonly XDG_CONFIG_HOME?: string | undefined;
  readonly APPDATA?: string | undefined;
}

/**
 * The `mpt` command's configuration folder: `$MPT_CONFIG_DIR` when set (not empty); on Windows
 * `%APPDATA%\mpt`; elsewhere `$XDG_CONFIG_HOME/mpt` when that is an absolute path (as the XDG base
 * directory specification asks), else `~/.config/mpt`. Nothing is created: see {@link ensureConfigDir}.
 */
export function configDir(env: ConfigDirEnv = process.env, platform: NodeJS.Platform = process.platform, home: string = homedir()): string {
  const own = env.MPT_CONFIG_DIR;
  if (own !== undefined && own !== '') return own;
  if (platform === 'win32') {
    const appData = env.APPDATA;
    return join(appData !== undefined && appData !== '' ? appData : join(home, 'AppData', 'Roaming'), 'mpt');
  }
  const xdg = env.XDG_CONFIG_HOME;
  if (xdg !== undefined && isAbsolute(xdg)) return join(xdg, 'mpt');
  return join(home, '.config', 'mpt');
}

/**
 * Creates `dir` (and missing parents) if it does not exist, with mode 0700 (only its owner may list
 * or enter it: it holds the default private key); an existing folder is left as it is. Returns `dir`.
 */
export function ensureConfigDir(dir: string = configDir()): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}
