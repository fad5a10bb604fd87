import { inspect } from 'node:util';

/**
 * The argument and state errors node:net throws, made as Node makes them, so code written against
 * node:net (and Node's own tests) sees the same `code`, class and message from mpt: a RangeError,
 * TypeError or Error with a `code` property, whose stack starts `RangeError [ERR_SOCKET_BAD_PORT]: ...`.
 * They are not {@link MptError}s: these are Node's codes, thrown synchronously for a wrong argument or
 * call, never emitted for a failed connection.
 * @module
 */

/** The node:net error codes mpt throws or hands to callbacks. */
export type NetErrorCode =
  | 'ERR_SOCKET_BAD_PORT'
  | 'ERR_INVALID_ARG_TYPE'
  | 'ERR_INVALID_ARG_VALUE'
  | 'ERR_INVALID_IP_ADDRESS'
  | 'ERR_MISSING_ARGS'
  | 'ERR_OUT_OF_RANGE'
  | 'ERR_SERVER_ALREADY_LISTEN'
  | 'ERR_SERVER_NOT_RUNNING';

/** An error of one of Node's classes carrying a node:net `code`. */
export type NetError = (Error | RangeError | TypeError) & {
  /** Node's code, e.g. ERR_SOCKET_BAD_PORT. */
  readonly code: NetErrorCode;
};

type ErrorClass = ErrorConstructor | RangeErrorConstructor | TypeErrorConstructor;

/** As Node's internal errors: the class's name, the code in the stack's first line and in toString(). */
function make(Base: ErrorClass, code: NetErrorCode, message: string, caller: (...args: never[]) => unknown): NetError {
  const error = new Base(message) as Error & { code: NetErrorCode };
  // The stack's header is written when it is captured: capture it under the name "RangeError [CODE]",
  // then drop the own name so `name` is the class's again (what Node itself does).
  error.name = `${Base.name} [${code}]`;
  Error.captureStackTrace(error, caller);
  // V8 formats the stack when it is first read: read it now, under that name.
  void error.stack;
  delete (error as { name?: string }).name;
  Object.defineProperty(error, 'code', { value: code, enumerable: true, writable: true, configurable: true });
  Object.defineProperty(error, 'toString', {
    value(this: Error) {
      return `${this.name} [${code}]: ${this.message}`;
    },
    enumerable: false,
    writable: true,
    configurable: true,
  });
  return error;
}

/** How Node describes a wrong value in its messages ("type number (-1)", "null", "an instance of Foo"). */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'function' && value.name !== '') return `function ${value.name}`;
  if (typeof value === 'object') {
    const name = (value as { constructor?: { name?: string } }).constructor?.name;
    if (name !== undefined && name !== '') return `an instance of ${name}`;
    return inspect(value, { depth: -1 });
  }
  let shown = inspect(value, { colors: false });
  if (shown.length > 28) shown = `${shown.slice(0, 25)}...`;
  return `type ${typeof value} (${shown})`;
}

/** ERR_SOCKET_BAD_PORT (RangeError): `name` is 'Port' for connect(), 'options.port' for listen(). */
export function badPortError(name: string, port: unknown, allowZero = true): NetError {
  return make(RangeError, 'ERR_SOCKET_BAD_PORT', `${name} should be ${allowZero ? '>=' : '>'} 0 and < 65536. Received ${describeValue(port)}.`, badPortError);
}

/** ERR_INVALID_ARG_TYPE (TypeError): `name` with a dot is a property ("options.port"), else an argument. */
export function invalidArgTypeError(name: string, expected: string | readonly string[], actual: unknown): NetError {
  const types: readonly string[] = typeof expected === 'string' ? [expected] : expected;
  const kind = name.includes('.') ? 'property' : 'argument';
  // Node: a lower-case name is a type ("of type number"), a capitalised one a class ("an instance of AbortSignal").
  const only = types[0] as string;
  const what =
    types.length === 1
      ? only[0] === only[0]?.toUpperCase()
        ? `an instance of ${only}`
        : `of type ${only}`
      : `one of type ${types.slice(0, -1).join(', ')} or ${types[types.length - 1] as string}`;
  return make(TypeError, 'ERR_INVALID_ARG_TYPE', `The "${name}" ${kind} must be ${what}. Received ${describeValue(actual)}`, invalidArgTypeError);
}

/** ERR_INVALID_ARG_VALUE (TypeError). */
export function invalidArgValueError(name: string, value: unknown, reason = 'is invalid'): NetError {
  let shown = inspect(value);
  if (shown.length > 128) shown = `${shown.slice(0, 128)}...`;
  const kind = name.includes('.') ? 'property' : 'argument';
  return make(TypeError, 'ERR_INVALID_ARG_VALUE', `The ${kind} '${name}' ${reason}. Received ${shown}`, invalidArgValueError);
}

/** ERR_INVALID_IP_ADDRESS (TypeError). */
export function invalidIpAddressError(address: unknown): NetError {
  return make(TypeError, 'ERR_INVALID_IP_ADDRESS', `Invalid IP address: ${String(address)}`, invalidIpAddressError);
}

/** ERR_MISSING_ARGS (TypeError), for net's `The "options" or "port" or "path" argument must be specified`. */
export function missingArgsError(...alternatives: readonly string[]): NetError {
  const names = alternatives.map((a) => `"${a}"`).join(' or ');
  return make(TypeError, 'ERR_MISSING_ARGS', `The ${names} argument must be specified`, missingArgsError);
}

/** ERR_OUT_OF_RANGE (RangeError): `range` as "a non-negative finite number". */
export function outOfRangeError(name: string, range: string, value: unknown): NetError {
  return make(RangeError, 'ERR_OUT_OF_RANGE', `The value of "${name}" is out of range. It must be ${range}. Received ${inspect(value)}`, outOfRangeError);
}

/** ERR_SERVER_ALREADY_LISTEN (Error): listen() on a server that listens. */
export function serverAlreadyListenError(): NetError {
  return make(Error, 'ERR_SERVER_ALREADY_LISTEN', 'Listen method has been called more than once without closing.', serverAlreadyListenError);
}

/** ERR_SERVER_NOT_RUNNING (Error): close() on a server that does not listen (handed to its callback). */
export function serverNotRunningError(): NetError {
  return make(Error, 'ERR_SERVER_NOT_RUNNING', 'Server is not running.', serverNotRunningError);
}

/**
 * Node's validatePort: a number or a non-blank numeric string, an integer in 0..65535 (1.. without
 * `allowZero`); returns it as a number, or throws ERR_SOCKET_BAD_PORT.
 */
export function validatePort(port: unknown, name = 'Port', allowZero = true): number {
  if (
    (typeof port !== 'number' && typeof port !== 'string') ||
    (typeof port === 'string' && port.trim().length === 0) ||
    +port !== +port >>> 0 ||
    +port > 0xffff ||
    (+port === 0 && !allowZero)
  ) {
    throw badPortError(name, port, allowZero);
  }
  return +port | 0;
}

/** Node's check of a timer duration (socket.setTimeout's `msecs`): a non-negative finite number. */
export function validateTimeout(ms: unknown, name = 'msecs'): number {
  if (typeof ms !== 'number') throw invalidArgTypeError(name, 'number', ms);
  if (ms < 0 || !Number.isFinite(ms)) throw outOfRangeError(name, 'a non-negative finite number', ms);
  return ms;
}
