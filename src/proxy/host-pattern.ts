/**
 * Host-name patterns of the converter's destination policy: an exact name ('example.com') or every name
 * under one ('*.example.com'). Names compare without regard to case or a trailing dot.
 * @module
 */

/** One pattern. */
export interface HostPattern {
  /** The name, lower case, without a trailing dot (for a wildcard: the part after '*.'). */
  readonly name: string;
  /** Whether the pattern was '*.name': it matches names under `name`, at any depth, not `name` itself. */
  readonly wildcard: boolean;
  /** As written, for messages. */
  readonly text: string;
}

const LABEL = /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/;

/** The pattern `text` names, or undefined if it is not a host name or '*.' and one. */
export function parseHostPattern(text: string): HostPattern | undefined {
  const wildcard = text.startsWith('*.');
  const name = normalizeHostName(wildcard ? text.slice(2) : text);
  if (name.length === 0 || name.length > 253) return undefined;
  if (!name.split('.').every((label) => LABEL.test(label))) return undefined;
  return { name, wildcard, text };
}

/** Whether `pattern` matches the host name `host`. */
export function hostPatternMatches(pattern: HostPattern, host: string): boolean {
  const name = normalizeHostName(host);
  return pattern.wildcard ? name.endsWith(`.${pattern.name}`) : name === pattern.name;
}

/** `host` in lower case without its trailing dot, as names compare. */
export function normalizeHostName(host: string): string {
  const lower = host.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}
