/**
 * The congestion group of a connection from the `congestionControl`
 * configuration value (a built-in name or a {@link CongestionControlFactory}),
 * the groups of the uncoupled algorithms, and validation of that value.
 * @module
 */
import { err, ok, type Result } from 'neverthrow';
import { MptError, MptErrorCode } from '../errors.js';
import type {
  CcPathInfo,
  CongestionControlFactory,
  CongestionControlName,
  CongestionController,
  CongestionGroup,
} from './congestion-controller.js';
import { BaliaGroup } from './balia.js';
import { CubicController } from './cubic.js';
import { LiaGroup } from './lia.js';
import { OliaGroup } from './olia.js';
import { RenoController } from './reno.js';

/** Every built-in congestion-control name, in the order docs list them. */
export const CONGESTION_CONTROL_NAMES: readonly CongestionControlName[] = Object.freeze(['olia', 'lia', 'balia', 'cubic', 'reno']);

/**
 * The congestion group of one connection, from a built-in name or a
 * {@link CongestionControlFactory} (see groupFromFactory below). Coupled
 * algorithms (olia, lia, balia) get a fresh group whose controllers share
 * the state of every path of the connection; reno and cubic run one
 * independent instance per path ("uncoupled", so a connection with n paths
 * may take up to n flows' share of a shared bottleneck) and share one
 * stateless group.
 */
export function createCongestionGroup(choice: CongestionControlName | CongestionControlFactory): CongestionGroup {
  if (typeof choice !== 'string') return groupFromFactory(choice);
  switch (choice) {
    case 'olia':
      return new OliaGroup();
    case 'lia':
      return new LiaGroup();
    case 'balia':
      return new BaliaGroup();
    case 'cubic':
      return CUBIC_GROUP;
    case 'reno':
      return RENO_GROUP;
  }
}

// Uncoupled groups hold no state, so one frozen object per algorithm serves
// every connection.
const RENO_GROUP: CongestionGroup = Object.freeze({
  createController: (info: CcPathInfo): CongestionController => new RenoController(info),
});
const CUBIC_GROUP: CongestionGroup = Object.freeze({
  createController: (info: CcPathInfo): CongestionController => new CubicController(info),
});

/**
 * A factory's group: the group itself, or what the function returns. A function that throws or returns
 * no {@link CongestionGroup} gives the default ('olia'): a policy's bug must not take the transport down.
 */
function groupFromFactory(factory: CongestionControlFactory): CongestionGroup {
  if (typeof factory !== 'function') return factory;
  try {
    const made: unknown = factory();
    if (isCongestionGroup(made)) return made;
  } catch {
    // Falls through to the default.
  }
  return new OliaGroup();
}

/** Whether `value` is a {@link CongestionGroup}: an object with a `createController` method. */
export function isCongestionGroup(value: unknown): value is CongestionGroup {
  return typeof value === 'object' && value !== null && typeof (value as { createController?: unknown }).createController === 'function';
}

/** True when `name` is one of {@link CONGESTION_CONTROL_NAMES}. */
export function isCongestionControlName(name: unknown): name is CongestionControlName {
  return typeof name === 'string' && (CONGESTION_CONTROL_NAMES as readonly string[]).includes(name);
}

/**
 * Validates a configured algorithm: a built-in name, a {@link CongestionGroup} or a function (not called
 * here: it runs once per connection, and what it returns is checked then). Err is an {@link MptError}
 * with code `ERR_MPT_INVALID_CONFIG` naming what is accepted.
 */
export function parseCongestionControl(value: unknown): Result<CongestionControlName | CongestionControlFactory, MptError> {
  if (isCongestionControlName(value) || typeof value === 'function' || isCongestionGroup(value)) return ok(value as CongestionControlName | CongestionControlFactory);
  const accepted = `${CONGESTION_CONTROL_NAMES.join(', ')}, a CongestionGroup (an object with a createController method) or a function that returns one`;
  if (typeof value === 'string') return err(new MptError(MptErrorCode.InvalidConfig, `unknown congestion control ${JSON.stringify(value)}; expected one of ${accepted}`));
  const got = value === null ? 'null' : typeof value === 'object' ? 'an object without createController' : typeof value;
  return err(new MptError(MptErrorCode.InvalidConfig, `congestionControl must be one of ${accepted}, got ${got}`));
}
