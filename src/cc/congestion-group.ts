/**
 * Congestion groups for the uncoupled algorithms, and validation of the
 * `congestionControl` configuration value.
 * @module
 */
import { err, ok, type Result } from 'neverthrow';
import { MptError, MptErrorCode } from '../errors.js';
import type {
  CcPathInfo,
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
 * The congestion group of one connection. Coupled algorithms (olia, lia,
 * balia) get a fresh group whose controllers share the state of every path
 * of the connection; reno and cubic run one independent instance per path
 * ("uncoupled", so a connection with n paths may take up to n flows' share
 * of a shared bottleneck) and share one stateless group.
 */
export function createCongestionGroup(name: CongestionControlName): CongestionGroup {
  switch (name) {
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

/** True when `name` is one of {@link CONGESTION_CONTROL_NAMES}. */
export function isCongestionControlName(name: unknown): name is CongestionControlName {
  return typeof name === 'string' && (CONGESTION_CONTROL_NAMES as readonly string[]).includes(name);
}

/**
 * Validates a configured algorithm name. Err is an {@link MptError} with
 * code `ERR_MPT_INVALID_CONFIG` naming the accepted values.
 */
export function parseCongestionControl(name: unknown): Result<CongestionControlName, MptError> {
  if (isCongestionControlName(name)) return ok(name);
  const shown = typeof name === 'string' ? JSON.stringify(name) : typeof name;
  return err(
    new MptError(
      MptErrorCode.InvalidConfig,
      `unknown congestion control ${shown}; expected one of ${CONGESTION_CONTROL_NAMES.join(', ')}`,
    ),
  );
}
