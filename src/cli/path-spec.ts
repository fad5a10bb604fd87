/**
 * The `--path SPEC` grammar of the `mpt` command: a local address, then
 * optional comma-separated `field=value` impairments of the emulated link
 * behind it.
 *
 *     ADDRESS[,delay=20ms][,jitter=2ms][,rate=50mbit][,loss=1%][,queue=64kb][,mtu=1500]
 *
 * Units: times `us`, `ms`, `s`; rates `bit`, `kbit`, `mbit`, `gbit` (decimal: 1 kbit = 1000 bit/s,
 * as tc); sizes `b`, `kb`, `mb` (binary, as tc: 1 kb = 1024 bytes; `kib`, `mib` are accepted as the
 * same); loss in `%`. `mtu` is bytes, with or without `b`. Every field but the address is optional and
 * may appear once. Parsing never throws: it returns a Result whose error names the bad field.
 * @module
 */
import { isIP } from 'node:net';
import { err, ok, type Result } from 'neverthrow';

/** One parsed `--path` SPEC. Impairments left out are absent (the emulator's defaults: none). */
export interface PathSpec {
  /** The SPEC as given. */
  readonly text: string;
  /** The path's local address (an IP literal). */
  readonly address: string;
  /** One-way delay, ms. */
  readonly delayMs?: number;
  /** Random extra one-way delay, uniform in [0, jitterMs], ms. */
  readonly jitterMs?: number;
  /** Rate, bit/s. */
  readonly rateBps?: number;
  /** Probability that a datagram is lost, 0..1. */
  readonly lossRate?: number;
  /** Drop-tail queue, bytes. */
  readonly queueBytes?: number;
  /** Largest datagram the link carries, bytes. */
  readonly mtuBytes?: number;
}

/** The impairment fields of a SPEC, in the order the grammar lists them. */
export const PATH_SPEC_FIELDS = ['delay', 'jitter', 'rate', 'loss', 'queue', 'mtu'] as const;

/** One impairment field's name. */
export type PathSpecField = (typeof PATH_SPEC_FIELDS)[number];

/** Smallest `mtu`: an mpt handshake datagram is 1200 bytes. */
export const MIN_PATH_MTU_BYTES = 1200;
/** Largest `mtu`: the largest UDP payload. */
export const MAX_PATH_MTU_BYTES = 65_527;
/** Largest `delay` and `jitter`, ms (a minute: anything longer is a typo). */
const MAX_DELAY_MS = 60_000;
/** Largest `queue`, bytes (1 GiB). */
const MAX_QUEUE_BYTES = 1024 * 1024 * 1024;

const TIME_UNITS: Readonly<Record<string, number>> = { us: 0.001, ms: 1, s: 1000 };
const RATE_UNITS: Readonly<Record<string, number>> = { bit: 1, kbit: 1e3, mbit: 1e6, gbit: 1e9 };
const SIZE_UNITS: Readonly<Record<string, number>> = { b: 1, kb: 1024, kib: 1024, mb: 1024 * 1024, mib: 1024 * 1024 };

/** A decimal number followed by a unit of letters or '%'. */
const QUANTITY = /^(\d+(?:\.\d+)?|\.\d+)([a-z%]*)$/i;

/**
 * Splits `value` into a number and a unit from `units` (case-insensitive); an error message naming
 * `field` otherwise. `defaultUnit`, when given, is the unit of a bare number.
 */
function quantity(field: string, value: string, units: Readonly<Record<string, number>>, defaultUnit?: string): Result<number, string> {
  const expected = Object.keys(units).join(', ');
  const match = QUANTITY.exec(value);
  if (match === null) return err(`${field}: '${value}' is not a number with a unit (${expected})`);
  const unit = (match[2] ?? '').toLowerCase() || defaultUnit;
  if (unit === undefined) return err(`${field}: '${value}' needs a unit (${expected})`);
  const scale = units[unit];
  if (scale === undefined) return err(`${field}: unknown unit '${match[2]}' (expected ${expected})`);
  return ok(Number(match[1]) * scale);
}

/** Parses one field's value, checking its range; an error message naming the field otherwise. */
function fieldValue(field: PathSpecField, value: string): Result<number, string> {
  switch (field) {
    case 'delay':
    case 'jitter':
      return quantity(field, value, TIME_UNITS).andThen((ms) =>
        ms <= MAX_DELAY_MS ? ok(ms) : err(`${field}: ${value} is more than ${MAX_DELAY_MS / 1000} s`),
      );
    case 'rate':
      return quantity(field, value, RATE_UNITS).andThen((bps) => (bps >= 1 ? ok(bps) : err(`${field}: must be at least 1 bit/s, got ${value}`)));
    case 'loss': {
      if (!value.endsWith('%')) return err(`loss: '${value}' must be a percentage, e.g. 1%`);
      return quantity(field, value, { '%': 0.01 }).andThen((rate) => (rate <= 1 ? ok(rate) : err(`loss: ${value} is more than 100%`)));
    }
    case 'queue':
      return quantity(field, value, SIZE_UNITS).andThen((bytes) =>
        bytes <= MAX_QUEUE_BYTES ? ok(Math.round(bytes)) : err(`queue: ${value} is more than 1 GiB`),
      );
    case 'mtu':
      return quantity(field, value, { b: 1 }, 'b').andThen((bytes) =>
        Number.isInteger(bytes) && bytes >= MIN_PATH_MTU_BYTES && bytes <= MAX_PATH_MTU_BYTES
          ? ok(bytes)
          : err(`mtu: must be a whole number of bytes from ${MIN_PATH_MTU_BYTES} to ${MAX_PATH_MTU_BYTES}, got ${value}`),
      );
  }
}

/** The PathSpec members the impairment fields set. */
type ImpairmentKey = 'delayMs' | 'jitterMs' | 'rateBps' | 'lossRate' | 'queueBytes' | 'mtuBytes';

const SPEC_KEY: Readonly<Record<PathSpecField, ImpairmentKey>> = {
  delay: 'delayMs',
  jitter: 'jitterMs',
  rate: 'rateBps',
  loss: 'lossRate',
  queue: 'queueBytes',
  mtu: 'mtuBytes',
};

function isField(name: string): name is PathSpecField {
  return (PATH_SPEC_FIELDS as readonly string[]).includes(name);
}

/**
 * Parses a `--path` SPEC. The error, a message for people, names the bad part: an address that is not
 * an IP literal, a field without `=`, an unknown or repeated field, a value without its unit, out of
 * range or with an unknown unit. Whether the address suits the mode (loopback in local mode) is the
 * caller's to check.
 */
export function parsePathSpec(text: string): Result<PathSpec, string> {
  const [address = '', ...fields] = text.split(',').map((part) => part.trim());
  if (address === '') return err(`'${text}' has no address (expected ADDRESS[,field=value]...)`);
  if (address.includes('=')) return err(`'${text}' must start with an address, not '${address}'`);
  if (isIP(address) === 0) return err(`'${address}' is not an IP address`);
  const spec: { -readonly [K in keyof PathSpec]: PathSpec[K] } = { text, address };
  const seen = new Set<string>();
  for (const part of fields) {
    const eq = part.indexOf('=');
    if (part === '') return err(`'${text}' has an empty field`);
    if (eq <= 0) return err(`'${part}' is not field=value (fields: ${PATH_SPEC_FIELDS.join(', ')})`);
    const name = part.slice(0, eq).trim().toLowerCase();
    const value = part.slice(eq + 1).trim();
    if (!isField(name)) return err(`unknown field '${name}' (fields: ${PATH_SPEC_FIELDS.join(', ')})`);
    if (seen.has(name)) return err(`${name} given twice in '${text}'`);
    seen.add(name);
    if (value === '') return err(`${name}: no value`);
    const parsed = fieldValue(name, value);
    if (parsed.isErr()) return err(parsed.error);
    spec[SPEC_KEY[name]] = parsed.value;
  }
  return ok(spec);
}

/** Whether a SPEC has impairments beyond its address. */
export function hasImpairments(spec: PathSpec): boolean {
  return PATH_SPEC_FIELDS.some((field) => spec[SPEC_KEY[field]] !== undefined);
}

/** Whether `address` is an IPv4 loopback address (127.0.0.0/8). */
export function isIpv4Loopback(address: string): boolean {
  return isIP(address) === 4 && address.split('.')[0] === '127';
}

/** A SPEC's impairments in the SPEC's own words, e.g. `delay=20ms rate=50mbit`, or `no impairment`. */
export function describeImpairments(spec: PathSpec): string {
  const parts = spec.text.split(',').slice(1).map((part) => part.trim()).filter((part) => part !== '');
  return parts.length === 0 ? 'no impairment' : parts.join(' ');
}
