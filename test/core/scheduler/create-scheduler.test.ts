import { describe, expect, it } from 'vitest';
import { resolveTransportConfig } from '../../../src/core/config.js';
import { createScheduler, isScheduler, isSchedulerName, parseScheduler, roundRobinScheduler, SCHEDULER_NAMES } from '../../../src/core/scheduler/index.js';
import { MptError } from '../../../src/errors.js';

describe('scheduler registry and the scheduler transport setting', () => {
  it('creates a fresh scheduler of each name', () => {
    expect(SCHEDULER_NAMES).toEqual(['minrtt', 'roundrobin', 'redundant']);
    for (const name of SCHEDULER_NAMES) {
      const s = createScheduler(name);
      expect(s.name).toBe(name);
      expect(s.redundant).toBe(name === 'redundant');
      expect(createScheduler(name)).not.toBe(s);
    }
  });

  it('defaults to minrtt and rejects unknown names', () => {
    expect(resolveTransportConfig()._unsafeUnwrap().scheduler).toBe('minrtt');
    expect(resolveTransportConfig({ scheduler: 'redundant' })._unsafeUnwrap().scheduler).toBe('redundant');
    for (const bad of ['fastest', 'MinRTT', 3, null, {}]) {
      expect(isSchedulerName(bad)).toBe(false);
      expect(parseScheduler(bad).isErr()).toBe(true);
      const r = resolveTransportConfig({ scheduler: bad });
      expect(r.isErr()).toBe(true);
      const e = r._unsafeUnwrapErr();
      expect(e).toBeInstanceOf(MptError);
      expect(e.code).toBe('ERR_MPT_INVALID_CONFIG');
      expect(e.message).toContain('minrtt, roundrobin, redundant');
    }
  });

  it('accepts a factory function without calling it, and calls it once per scheduler made', () => {
    let called = 0;
    const factory = () => {
      called++;
      return roundRobinScheduler();
    };
    expect(parseScheduler(factory)._unsafeUnwrap()).toBe(factory);
    expect(resolveTransportConfig({ scheduler: factory })._unsafeUnwrap().scheduler).toBe(factory);
    expect(called).toBe(0);
    const a = createScheduler(factory);
    const b = createScheduler(factory);
    expect(called).toBe(2);
    expect(a.name).toBe('roundrobin');
    expect(a).not.toBe(b);
  });

  it('rejects a scheduler object (one per connection is needed: give a function), naming what is accepted', () => {
    const message = parseScheduler(roundRobinScheduler())._unsafeUnwrapErr().message;
    expect(message).toContain('scheduler must be one of minrtt, roundrobin, redundant or a function that returns a Scheduler (one per connection), got object');
  });

  it('falls back to minrtt when the factory throws or returns no scheduler', () => {
    expect(
      createScheduler(() => {
        throw new Error('broken');
      }).name,
    ).toBe('minrtt');
    // Every member but the reinjection rule.
    const incomplete = { name: 'mine', redundant: false, order() {}, carriesData: () => true, onDataSent() {}, copyFrom: () => Infinity };
    expect(isScheduler(incomplete)).toBe(false);
    expect(createScheduler(() => incomplete as never).name).toBe('minrtt');
    expect(isScheduler(roundRobinScheduler())).toBe(true);
  });
});
