import { describe, expect, it } from 'vitest';
import {
  CONGESTION_CONTROL_NAMES,
  createCongestionGroup,
  CubicController,
  isCongestionControlName,
  parseCongestionControl,
  RenoController,
} from '../../src/cc/index.js';
import { MptError } from '../../src/errors.js';

const INFO = { maxDatagramSizeBytes: 1200, nowMs: 0 };
const RTT = { latestMs: 50, smoothedMs: 50, minMs: 50 };

describe('createCongestionGroup', () => {
  it('makes an independent controller of the named algorithm per path', () => {
    for (const [name, type] of [
      ['reno', RenoController],
      ['cubic', CubicController],
    ] as const) {
      const group = createCongestionGroup(name);
      const a = group.createController(INFO);
      const b = group.createController(INFO);
      expect(a).toBeInstanceOf(type);
      expect(a).not.toBe(b);
      a.onAck(10, 1, 1200, RTT, false);
      a.onCongestionEvent(20, 15, 1200, false);
      expect(a.cwnd).not.toBe(b.cwnd);
      expect(b.cwnd).toBe(12_000);
      expect(b.ssthresh).toBe(Number.POSITIVE_INFINITY);
      a.close();
      b.close();
    }
  });
});

describe('parseCongestionControl', () => {
  it('accepts the built-in names', () => {
    expect(CONGESTION_CONTROL_NAMES).toEqual(['olia', 'lia', 'balia', 'cubic', 'reno']);
    for (const name of CONGESTION_CONTROL_NAMES) {
      expect(isCongestionControlName(name)).toBe(true);
      expect(parseCongestionControl(name)._unsafeUnwrap()).toBe(name);
    }
  });

  it('rejects anything else with ERR_MPT_INVALID_CONFIG', () => {
    for (const bad of ['bbr', 'Reno', '', 42, undefined, null, { name: 'reno' }]) {
      expect(isCongestionControlName(bad)).toBe(false);
      const result = parseCongestionControl(bad);
      expect(result.isErr()).toBe(true);
      const error = result._unsafeUnwrapErr();
      expect(error).toBeInstanceOf(MptError);
      expect(error.code).toBe('ERR_MPT_INVALID_CONFIG');
      expect(error.message).toContain('olia, lia, balia, cubic, reno');
    }
  });
});
