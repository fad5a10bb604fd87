import { describe, expect, it } from 'vitest';
import { resolveTransportConfig } from '../../../src/core/config.js';
import { createScheduler, isSchedulerName, parseScheduler, SCHEDULER_NAMES } from '../../../src/core/scheduler/index.js';
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
});
