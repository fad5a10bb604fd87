import { err, ok, type Result } from 'neverthrow';
import { MptError, MptErrorCode } from '../../errors.js';

/** A message token of a Noise handshake pattern (Noise rev 34 §7.1). */
export type Token = 'e' | 's' | 'ee' | 'es' | 'se' | 'ss' | 'psk';

/** A Noise handshake pattern with its modifiers applied (Noise rev 34 §7, §9). */
export interface HandshakePattern {
  /** Pattern name with modifiers, e.g. `XXpsk3`. */
  readonly name: string;
  /** Tokens the initiator "sent" before the handshake (pre-message, §7.1). */
  readonly initiatorPreMessage: readonly ('e' | 's')[];
  /** Tokens the responder "sent" before the handshake (pre-message, §7.1). */
  readonly responderPreMessage: readonly ('e' | 's')[];
  /** Handshake messages in order; even indexes are sent by the initiator. */
  readonly messages: readonly (readonly Token[])[];
  /** One-way pattern (§7.4): only the initiator ever sends. */
  readonly oneWay: boolean;
  /** Number of `psk` tokens; non-zero switches on PSK handling of `e` (§9.2). */
  readonly pskCount: number;
}

// The pattern table in the spec's own notation: pre-messages, then "...",
// then messages separated by "|". One-way patterns are §7.4, fundamental
// interactive ones §7.5, deferred ones §7.6 (all of rev 34 but the fallback
// patterns, which need a pre-message ephemeral and a restart).
const TABLE: Readonly<Record<string, string>> = {
  N: '<- s ... -> e, es',
  K: '-> s | <- s ... -> e, es, ss',
  X: '<- s ... -> e, es, s, ss',
  NN: '-> e | <- e, ee',
  NK: '<- s ... -> e, es | <- e, ee',
  NX: '-> e | <- e, ee, s, es',
  KN: '-> s ... -> e | <- e, ee, se',
  KK: '-> s | <- s ... -> e, es, ss | <- e, ee, se',
  KX: '-> s ... -> e | <- e, ee, se, s, es',
  XN: '-> e | <- e, ee | -> s, se',
  XK: '<- s ... -> e, es | <- e, ee | -> s, se',
  XX: '-> e | <- e, ee, s, es | -> s, se',
  IN: '-> e, s | <- e, ee, se',
  IK: '<- s ... -> e, es, s, ss | <- e, ee, se',
  IX: '-> e, s | <- e, ee, se, s, es',
  NK1: '<- s ... -> e | <- e, ee, es',
  NX1: '-> e | <- e, ee, s | -> es',
  X1N: '-> e | <- e, ee | -> s | <- se',
  X1K: '<- s ... -> e, es | <- e, ee | -> s | <- se',
  XK1: '<- s ... -> e | <- e, ee, es | -> s, se',
  X1K1: '<- s ... -> e | <- e, ee, es | -> s | <- se',
  X1X: '-> e | <- e, ee, s, es | -> s | <- se',
  XX1: '-> e | <- e, ee, s | -> es, s, se',
  X1X1: '-> e | <- e, ee, s | -> es, s | <- se',
  K1N: '-> s ... -> e | <- e, ee | -> se',
  K1K: '-> s | <- s ... -> e, es | <- e, ee | -> se',
  KK1: '-> s | <- s ... -> e | <- e, ee, se, es',
  K1K1: '-> s | <- s ... -> e | <- e, ee, es | -> se',
  K1X: '-> s ... -> e | <- e, ee, s, es | -> se',
  KX1: '-> s ... -> e | <- e, ee, se, s | -> es',
  K1X1: '-> s ... -> e | <- e, ee, s | -> se, es',
  I1N: '-> e, s | <- e, ee | -> se',
  I1K: '<- s ... -> e, es, s | <- e, ee | -> se',
  IK1: '<- s ... -> e, s | <- e, ee, se, es',
  I1K1: '<- s ... -> e, s | <- e, ee, es | -> se',
  I1X: '-> e, s | <- e, ee, s, es | -> se',
  IX1: '-> e, s | <- e, ee, se, s | -> es',
  I1X1: '-> e, s | <- e, ee, s | -> se, es',
};

const ONE_WAY = new Set(['N', 'K', 'X']);

function tokens(list: string): string[] {
  return list
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
}

function parseTable(name: string, notation: string): HandshakePattern {
  const [pre, body] = notation.includes('...') ? notation.split('...') : ['', notation];
  const initiatorPreMessage: ('e' | 's')[] = [];
  const responderPreMessage: ('e' | 's')[] = [];
  for (const line of (pre ?? '').split('|')) {
    const t = line.trim();
    if (t.length === 0) continue;
    const target = t.startsWith('->') ? initiatorPreMessage : responderPreMessage;
    for (const tok of tokens(t.slice(2))) target.push(tok as 'e' | 's');
  }
  const messages = (body ?? '').split('|').map((line) => tokens(line.trim().slice(2)) as Token[]);
  return { name, initiatorPreMessage, responderPreMessage, messages, oneWay: ONE_WAY.has(name), pskCount: 0 };
}

const BASE_PATTERNS: ReadonlyMap<string, HandshakePattern> = new Map(
  Object.entries(TABLE).map(([name, notation]) => [name, parseTable(name, notation)]),
);

/** Names of the base patterns this implementation knows (without modifiers). */
export const BASE_PATTERN_NAMES: readonly string[] = Object.freeze(Object.keys(TABLE));

function invalid(message: string): Result<never, MptError> {
  return err(new MptError(MptErrorCode.InvalidConfig, message));
}

/**
 * Resolves a pattern name with optional psk modifiers, e.g. `IK`, `XXpsk3`,
 * `NNpsk0+psk2`. `pskN` puts a `psk` token at the start of the first message
 * when N is 0 and at the end of message N otherwise (§9.2). Unknown patterns
 * and other modifiers (fallback) fail with ERR_MPT_INVALID_CONFIG.
 */
export function resolvePattern(fullName: string): Result<HandshakePattern, MptError> {
  const at = fullName.indexOf('psk');
  const baseName = at < 0 ? fullName : fullName.slice(0, at);
  const base = BASE_PATTERNS.get(baseName);
  if (base === undefined) return invalid(`unknown Noise handshake pattern: ${fullName}`);
  if (at < 0) return ok(base);
  const messages = base.messages.map((m) => [...m]);
  const seen = new Set<number>();
  for (const modifier of fullName.slice(at).split('+')) {
    const m = /^psk(\d{1,2})$/.exec(modifier);
    const n = m?.[1] === undefined ? NaN : Number(m[1]);
    if (!Number.isInteger(n) || seen.has(n) || n > messages.length) {
      return invalid(`bad Noise pattern modifier "${modifier}" in ${fullName}`);
    }
    seen.add(n);
    if (n === 0) messages[0]?.unshift('psk');
    else messages[n - 1]?.push('psk');
  }
  return ok({ ...base, name: fullName, messages, pskCount: seen.size });
}

/** The cipher and pattern named by a full Noise protocol name. */
export interface ProtocolName {
  /** The full name, e.g. `Noise_IK_25519_AESGCM_SHA256`. */
  readonly name: string;
  /** The resolved handshake pattern. */
  readonly pattern: HandshakePattern;
  /** Noise cipher name (§12.3, §12.4). */
  readonly cipher: 'AESGCM' | 'ChaChaPoly';
}

/**
 * Parses `Noise_<pattern>_25519_<AESGCM|ChaChaPoly>_SHA256` (§8). Only the
 * 25519 DH and SHA256 hash are implemented; anything else fails with
 * ERR_MPT_INVALID_CONFIG.
 */
export function parseProtocolName(name: string): Result<ProtocolName, MptError> {
  const parts = name.split('_');
  if (parts.length !== 5 || parts[0] !== 'Noise' || parts[2] !== '25519' || parts[4] !== 'SHA256') {
    return invalid(`unsupported Noise protocol name: ${name}`);
  }
  const cipher = parts[3];
  if (cipher !== 'AESGCM' && cipher !== 'ChaChaPoly') return invalid(`unsupported Noise cipher in ${name}`);
  return resolvePattern(parts[1] ?? '').map((pattern) => ({ name, pattern, cipher }));
}
