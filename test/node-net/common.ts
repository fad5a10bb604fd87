/**
 * Our own small stand-ins for the helpers of Node's test/common that the
 * rewritten tests use: call-count checks are verified when the process exits
 * (a miscount sets a non-zero exit code and says which function and where).
 */
import assert from 'node:assert';
import type { AddressInfo } from 'node:net';
import os from 'node:os';

interface Expectation {
  name: string;
  where: string;
  calls: number;
  exact?: number;
  atLeast?: number;
}

const expectations: Expectation[] = [];

function callSite(): string {
  const line = new Error().stack?.split('\n')[3] ?? '';
  return line.trim();
}

process.on('exit', (code) => {
  if (code !== 0) return;
  const failed = expectations.filter((e) => (e.exact !== undefined ? e.calls !== e.exact : e.calls < (e.atLeast ?? 0)));
  for (const e of failed) {
    const wanted = e.exact !== undefined ? `exactly ${e.exact}` : `at least ${e.atLeast ?? 0}`;
    console.error(`Mismatched ${e.name} function calls. Expected ${wanted}, actual ${e.calls}. ${e.where}`);
  }
  if (failed.length > 0) process.exitCode = 1;
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Fn = (...args: any[]) => any;
const noop: Fn = () => {};

function track<F extends Fn>(fn: F, expectation: Expectation): F {
  expectations.push(expectation);
  return function (this: unknown, ...args: unknown[]) {
    expectation.calls++;
    return fn.apply(this, args);
  } as F;
}

/** `fn` (default a no-op) must be called exactly `exact` times (default 1) before exit. */
export function mustCall<F extends Fn = Fn>(fn?: F, exact = 1): F {
  const f = (fn ?? noop) as F;
  return track(f, { name: f.name || '<anonymous>', where: callSite(), calls: 0, exact });
}

/** `fn` must be called at least `minimum` times (default 1) before exit. */
export function mustCallAtLeast<F extends Fn = Fn>(fn?: F, minimum = 1): F {
  const f = (fn ?? noop) as F;
  return track(f, { name: f.name || '<anonymous>', where: callSite(), calls: 0, atLeast: minimum });
}

/** A function that fails the test if it is ever called. */
export function mustNotCall(message = 'function should not have been called'): Fn {
  const where = callSite();
  return (...args: unknown[]) => {
    const shown = args.map((a) => (a instanceof Error ? `${a.name}: ${a.message} (code ${String((a as NodeJS.ErrnoException).code)})` : String(a)));
    assert.fail(`${message} at ${where}; called with ${shown.join(', ')}`);
  };
}

/** A callback `(err, ...results)` that must be called once, without an error; `fn` gets the results. */
export function mustSucceed<F extends Fn = Fn>(fn?: F): Fn {
  return mustCall(function (this: unknown, err: unknown, ...args: unknown[]) {
    assert.ifError(err);
    return fn?.apply(this, args);
  });
}

/** A callback that must be called `exact` times (default 1) with an error whose properties match `expected`. */
export function expectsError(expected: Record<string, unknown>, exact = 1): Fn {
  return mustCall((error: unknown) => {
    assert.ok(error instanceof Error, `expected an Error, got ${String(error)}`);
    const e = error as unknown as Record<string, unknown>;
    for (const [key, value] of Object.entries(expected)) {
      if (value instanceof RegExp) assert.match(String(e[key]), value, `error.${key}`);
      else assert.deepStrictEqual(e[key], value, `error.${key}: ${String(e[key])} (message: ${String(e.message)})`);
    }
  }, exact);
}

/** Loopback IPv4, as common.localhostIPv4. */
export const localhostIPv4 = '127.0.0.1';

/** Whether this host has IPv6 loopback (::1), as common.hasIPv6. */
export const hasIPv6 = Object.values(os.networkInterfaces()).some((list) => list?.some((a) => a.family === 'IPv6' && a.internal));

/** The port of a listening server (or anything with address()), as `server.address().port`. */
export function portOf(server: { address(): unknown }): number {
  return (server.address() as AddressInfo).port;
}

/** The AddressInfo of a listening server, as `server.address()`. */
export function addressOf(server: { address(): unknown }): AddressInfo {
  return server.address() as AddressInfo;
}
