import { describe, expect, it } from 'vitest';
import {
  CONGESTION_CONTROL_NAMES,
  createCongestionGroup,
  CubicController,
  isCongestionControlName,
  isCongestionGroup,
  OliaGroup,
  parseCongestionControl,
  RenoController,
  type CongestionGroup,
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

describe('congestion control by factory', () => {
  const reno = createCongestionGroup('reno');

  it('accepts a congestion group or a function, without calling the function', () => {
    let called = 0;
    const factory = () => {
      called++;
      return reno;
    };
    expect(parseCongestionControl(reno)._unsafeUnwrap()).toBe(reno);
    expect(parseCongestionControl(factory)._unsafeUnwrap()).toBe(factory);
    expect(called).toBe(0);
    expect(isCongestionGroup(reno)).toBe(true);
    expect(isCongestionGroup({ createController: 1 })).toBe(false);
  });

  it('says what is wrong with an object that is no group', () => {
    const message = parseCongestionControl({ createControler: () => reno })._unsafeUnwrapErr().message;
    expect(message).toContain('congestionControl must be one of olia');
    expect(message).toContain('a function that returns one, got an object without createController');
  });

  it('makes the group from the factory: the object itself, or a fresh call of the function per connection', () => {
    expect(createCongestionGroup(reno)).toBe(reno);
    const made: CongestionGroup[] = [];
    const factory = () => {
      const g = new OliaGroup();
      made.push(g);
      return g;
    };
    expect(createCongestionGroup(factory)).toBe(made[0]);
    expect(createCongestionGroup(factory)).toBe(made[1]);
    expect(made[0]).not.toBe(made[1]);
  });

  it('falls back to the default (olia) when the function throws or returns no group', () => {
    expect(
      createCongestionGroup(() => {
        throw new Error('broken');
      }),
    ).toBeInstanceOf(OliaGroup);
    expect(createCongestionGroup((() => ({})) as never)).toBeInstanceOf(OliaGroup);
  });
});
