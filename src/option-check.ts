import { MptError, MptErrorCode } from './errors.js';

/**
 * Checking options objects: the Node API's options and the built-in path managers' settings fail at
 * once, with an ERR_MPT_INVALID_CONFIG that names the option, instead of being ignored or failing
 * later. Unknown keys are errors too, with the nearest known key suggested for a near miss.
 * @module
 */

/**
 * @internal
 * Checks one option's value: undefined when it is fine, else the problem as a sentence that starts with
 * `name` (the option's name as the message shows it, e.g. `failure.ptoCount`). Undefined values never
 * reach a check.
 */
export type Check = (value: unknown, name: string) => string | undefined;

/** @internal The checks of an options object, by key. */
export type OptionSpec = Readonly<Record<string, Check>>;

/** @internal How a value reads in a message. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return 'a symbol';
  if (value instanceof Uint8Array) return `a ${value.constructor.name} of ${value.length} bytes`;
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return String(value);
}

/** @internal An MptError with code ERR_MPT_INVALID_CONFIG. */
export function invalidConfig(message: string): MptError {
  return new MptError(MptErrorCode.InvalidConfig, message);
}

/** @internal A boolean. */
export const bool: Check = (v, name) => (typeof v === 'boolean' ? undefined : `${name} must be a boolean, got ${describe(v)}`);

/** @internal A function. */
export const func: Check = (v, name) => (typeof v === 'function' ? undefined : `${name} must be a function, got ${describe(v)}`);

/** @internal A string. */
export const str: Check = (v, name) => (typeof v === 'string' ? undefined : `${name} must be a string, got ${describe(v)}`);

/** @internal One of these values. */
export function oneOf(values: readonly unknown[]): Check {
  return (v, name) => (values.includes(v) ? undefined : `${name} must be one of ${values.map(describe).join(', ')}, got ${describe(v)}`);
}

/** @internal A finite number, optionally a whole one, within bounds. */
export function num(bounds: { readonly min?: number; readonly max?: number; readonly integer?: boolean } = {}): Check {
  const { min, max, integer = false } = bounds;
  const kind = integer ? 'an integer' : 'a number';
  const range =
    min !== undefined && max !== undefined ? ` from ${min} to ${max}` : min !== undefined ? ` >= ${min}` : max !== undefined ? ` <= ${max}` : '';
  return (v, name) => {
    const ok =
      typeof v === 'number' && Number.isFinite(v) && (!integer || Number.isInteger(v)) && (min === undefined || v >= min) && (max === undefined || v <= max);
    return ok ? undefined : `${name} must be ${kind}${range}, got ${describe(v)}`;
  };
}

/** @internal A Uint8Array (a Buffer is one), of exactly `length` bytes if given. */
export function bytes(length?: number): Check {
  return (v, name) => {
    if (v instanceof Uint8Array && (length === undefined || v.length === length)) return undefined;
    return `${name} must be a Uint8Array${length === undefined ? '' : ` of ${length} bytes`}, got ${describe(v)}`;
  };
}

/** @internal An array whose every item passes `item`. */
export function arrayOf(item: Check, what: string): Check {
  return (v, name) => {
    if (!Array.isArray(v)) return `${name} must be an array of ${what}, got ${describe(v)}`;
    for (let i = 0; i < v.length; i++) {
      const problem = item(v[i], `${name}[${i}]`);
      if (problem !== undefined) return problem;
    }
    return undefined;
  };
}

/** @internal Passes when any of the checks passes; else `${name} must be ${what}`. */
export function either(what: string, ...checks: readonly Check[]): Check {
  return (v, name) => (checks.some((check) => check(v, name) === undefined) ? undefined : `${name} must be ${what}, got ${describe(v)}`);
}

/** @internal A plain object whose keys `spec` checks (unknown keys are problems too). */
export function object(spec: OptionSpec): Check {
  return (v, name) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return `${name} must be an object, got ${describe(v)}`;
    return findProblem(v, spec, `${name}.`);
  };
}

/**
 * @internal
 * The first problem of an options object, as a message, or undefined: an unknown key (with the nearest
 * known key when it is a near miss), a key of `unsupported` (its value the reason) whose value is not
 * undefined, or a value its check refuses. Undefined values of known keys are fine.
 */
export function findProblem(options: object, spec: OptionSpec, prefix = '', unsupported: Readonly<Record<string, string>> = {}): string | undefined {
  const record = options as Record<string, unknown>;
  for (const key of Object.keys(options)) {
    const value = record[key];
    const check = Object.hasOwn(spec, key) ? spec[key] : undefined;
    if (check !== undefined) {
      if (value === undefined) continue;
      const problem = check(value, `${prefix}${key}`);
      if (problem !== undefined) return problem;
      continue;
    }
    if (Object.hasOwn(unsupported, key)) {
      if (value === undefined) continue;
      return `node:net's option ${prefix}${key} is not supported by mpt: ${unsupported[key] as string}`;
    }
    const near = nearest(key, Object.keys(spec));
    return `unknown option ${prefix}${key}${near === undefined ? '' : ` (did you mean ${prefix}${near}?)`}`;
  }
  return undefined;
}

/**
 * @internal
 * Throws ERR_MPT_INVALID_CONFIG, its message starting with `where` (e.g. `connect()`), for the first
 * problem {@link findProblem} finds; `options` must be an object (or undefined).
 */
export function checkOptions(where: string, options: unknown, spec: OptionSpec, unsupported?: Readonly<Record<string, string>>): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw invalidConfig(`${where}: the options must be an object, got ${describe(options)}`);
  }
  const problem = findProblem(options, spec, '', unsupported);
  if (problem !== undefined) throw invalidConfig(`${where}: ${problem}`);
}

/**
 * @internal
 * The candidate nearest to `name` when it is a near miss: same letters in another case, or a
 * case-insensitive edit distance (Levenshtein) of at most a third of the name's length (at least 1,
 * at most 3), or one a prefix of the other over at least 4 letters. Undefined when none is near.
 */
export function nearest(name: string, candidates: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const c = candidate.toLowerCase();
    let d = editDistance(lower, c);
    const shorter = Math.min(lower.length, c.length);
    if (shorter >= 4 && (c.startsWith(lower) || lower.startsWith(c))) d = Math.min(d, 1.5);
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  const allowed = Math.min(3, Math.max(1, Math.floor(name.length / 3)));
  return bestDistance <= allowed || bestDistance === 1.5 ? best : undefined;
}

/** @internal The Levenshtein distance between two strings. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + cost);
    }
    previous = current;
  }
  return previous[b.length] as number;
}
