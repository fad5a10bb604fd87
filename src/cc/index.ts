/**
 * Congestion control: the per-path controller interface, the uncoupled
 * NewReno and CUBIC controllers, the coupled LIA, OLIA and BALIA groups, and the pacer. See docs/cc.md.
 * @module
 */
export type {
  CcPathInfo,
  CongestionControlFactory,
  CongestionControlName,
  CongestionController,
  CongestionGroup,
  RttSample,
} from './congestion-controller.js';
export { RenoController, type RenoOptions } from './reno.js';
export { CoupledController, CoupledGroup, type CoupledOptions } from './coupled.js';
export { LiaGroup, liaAlpha } from './lia.js';
export { OliaGroup, oliaAlpha } from './olia.js';
export { BALIA_MAX_DECREASE_ALPHA, BaliaGroup, baliaAlpha, baliaRateMax, baliaRateSum } from './balia.js';
export {
  HYSTART_CSS_GROWTH_DIVISOR,
  HYSTART_CSS_ROUNDS,
  HYSTART_MAX_RTT_THRESH_MS,
  HYSTART_MIN_RTT_DIVISOR,
  HYSTART_MIN_RTT_THRESH_MS,
  HYSTART_N_RTT_SAMPLE,
  HyStartPlusPlus,
  hystartRttThresholdMs,
  type HyStartPhase,
} from './hystart.js';
export { CUBIC_ALPHA, CUBIC_BETA, CUBIC_C, CubicController, type CubicOptions } from './cubic.js';
export { QueueBacklog, RANDOM_LOSS_BACKLOG_SEGMENTS, RANDOM_LOSS_BETA } from './queue-backlog.js';
export { PACING_GAIN, PACING_QUANTUM_MS, Pacer, pacingRateBytesPerMs } from './pacer.js';
export {
  CONGESTION_CONTROL_NAMES,
  createCongestionGroup,
  isCongestionControlName,
  isCongestionGroup,
  parseCongestionControl,
} from './congestion-group.js';
export { initialWindowBytes, minimumWindowBytes, RENO_LOSS_REDUCTION_FACTOR } from './window.js';
