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
import { CubicController } from './cubic.js';
import { RenoController } from './reno.js';

/** Every built-in congestion-control name, in the order docs list them. */
export const CONGESTION_CONTROL_NAMES: readonly CongestionControlName[] = Object.freeze(['reno', 'cubic']);

/**
 * A group whose controllers share nothing: reno and cubic run one
 * independent instance per path ("uncoupled", so a connection with n paths
 * may take up to n flows' share of a shared bottleneck). Coupled algorithms
 * (LIA, OLIA, BALIA) will hand out controllers that share this group's
 * state (issue #5).
 */
export function createCongestionGroup(name: CongestionControlName): CongestionGroup {
  return name === 'cubic' ? CUBIC_GROUP : RENO_GROUP;
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
