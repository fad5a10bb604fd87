/**
 * Congestion control: the per-path controller interface, the uncoupled
 * NewReno and CUBIC controllers, their groups, and the pacer. See docs/cc.md.
 * @module
 */
export type {
  CcPathInfo,
  CongestionControlName,
  CongestionController,
  CongestionGroup,
  RttSample,
} from './congestion-controller.js';
export { RenoController } from './reno.js';
export { CUBIC_ALPHA, CUBIC_BETA, CUBIC_C, CubicController, type CubicOptions } from './cubic.js';
export { PACING_GAIN, Pacer, pacingRateBytesPerMs } from './pacer.js';
export {
  CONGESTION_CONTROL_NAMES,
  createCongestionGroup,
  isCongestionControlName,
  parseCongestionControl,
} from './congestion-group.js';
export { initialWindowBytes, minimumWindowBytes, RENO_LOSS_REDUCTION_FACTOR } from './window.js';
