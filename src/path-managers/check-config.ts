import { arrayOf, bool, checkOptions, describe, either, invalidConfig, nearest, num, object, oneOf, str, type Check, type OptionSpec } from '../option-check.js';
import type { InterfaceType } from '../core/path-manager.js';

/**
 * The settings of the built-in path managers, checked when the factory is called (`fullmesh({...})`,
 * `backup({...})`, `policy({...})`): a bad value or an unknown key throws ERR_MPT_INVALID_CONFIG at
 * once, naming it, instead of failing later in a hook (a 'pathManagerError' event) or being ignored.
 * @module
 */

/** @internal The most paths a connection may have (TransportConfig.maxPaths' bound). */
const MAX_PATHS = 256;

const INTERFACE_TYPES: readonly InterfaceType[] = ['loopback', 'ethernet', 'wifi', 'cellular', 'vpn', 'other'];

const maxPaths = num({ min: 1, max: MAX_PATHS, integer: true });
const ms = num({ min: 0 });
const share = num({ min: 0, max: 1 });

/** @internal What {@link fullmesh} takes. */
export const FULLMESH_OPTIONS: OptionSpec = {
  maxPaths,
  retryDelayMs: ms,
  advertise: bool,
  maxAttempts: num({ min: 1, integer: true }),
};

/** @internal What {@link backup} takes. */
export const BACKUP_OPTIONS: OptionSpec = {
  mode: oneOf(['hot', 'cold']),
  primary: str,
  failure: object({
    ptoCount: num({ min: 1, integer: true }),
    rttAboveMs: ms,
    lossAbove: share,
    samples: num({ min: 1, integer: true }),
  }),
  returnToPrimary: bool,
  returnAfterMs: ms,
};

const interfaceType = oneOf(INTERFACE_TYPES);

/** @internal One policy rule. */
const RULE: OptionSpec = {
  interfaceType: either(`an interface type (${INTERFACE_TYPES.join(', ')}) or an array of them`, interfaceType, arrayOf(interfaceType, 'interface types')),
  interfaceName: either('a string or an array of strings', str, arrayOf(str, 'strings')),
  family: oneOf(['ipv4', 'ipv6']),
  metered: bool,
  rttAboveMs: ms,
  lossAbove: share,
  use: oneOf(['primary', 'backup', 'never']),
};

const rule: Check = (v, name) => {
  const problem = object(RULE)(v, name);
  if (problem !== undefined) return problem;
  return (v as { use?: unknown }).use === undefined ? `${name}.use is required (one of "primary", "backup", "never")` : undefined;
};

/** @internal What {@link policy} takes as a config object (`preset` is checked on its own, to list the presets). */
export const POLICY_OPTIONS: OptionSpec = {
  preset: str,
  name: str,
  rules: arrayOf(rule, 'rules'),
  maxPaths,
  duplication: (v, name) => {
    const problem = object({ lossTolerance: share, maxPaths })(v, name);
    if (problem !== undefined) return problem;
    return (v as { lossTolerance?: unknown }).lossTolerance === undefined ? `${name}.lossTolerance is required (0..1)` : undefined;
  },
};

/** @internal Throws ERR_MPT_INVALID_CONFIG for bad {@link fullmesh} settings. */
export function checkFullmeshOptions(options: unknown): void {
  checkOptions('fullmesh()', options, FULLMESH_OPTIONS);
}

/** @internal Throws ERR_MPT_INVALID_CONFIG for bad {@link backup} settings. */
export function checkBackupOptions(options: unknown): void {
  checkOptions('backup()', options, BACKUP_OPTIONS);
}

/**
 * @internal
 * Throws ERR_MPT_INVALID_CONFIG for a {@link policy} argument that is no preset name (listing them) or
 * a config object with a bad value, an unknown key, an unknown `preset`, or neither `rules` nor `preset`.
 */
export function checkPolicyConfig(config: unknown, presets: readonly string[]): void {
  const unknownPreset = (name: unknown, where: string): Error => {
    const near = typeof name === 'string' ? nearest(name, presets) : undefined;
    return invalidConfig(
      `policy(): unknown ${where}${describe(name)}${near === undefined ? '' : ` (did you mean ${JSON.stringify(near)}?)`}; the presets are ${presets.map((p) => JSON.stringify(p)).join(', ')}`,
    );
  };
  if (typeof config === 'string') {
    if (!presets.includes(config)) throw unknownPreset(config, 'preset ');
    return;
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw invalidConfig(`policy(): takes a preset name (${presets.join(', ')}) or a config object, got ${describe(config)}`);
  }
  checkOptions('policy()', config, POLICY_OPTIONS);
  const { preset, rules } = config as { preset?: unknown; rules?: unknown };
  if (preset !== undefined && !presets.includes(preset as string)) throw unknownPreset(preset, 'preset ');
  if (preset === undefined && rules === undefined) throw invalidConfig('policy(): the config needs rules (or a preset to take them from)');
}
