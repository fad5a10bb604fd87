// A stand-in for the engine's Path with just what a scheduler reads.
import type { SchedulerPath } from '../../../src/core/scheduler/index.js';

export interface FakePath extends SchedulerPath {
  validated: boolean;
  backup: boolean;
  failed: boolean;
  closed: boolean;
  ptoCount: number;
  srttMs: number;
}

export function fakePath(id: number, srttMs: number, state: Partial<Pick<FakePath, 'validated' | 'backup' | 'failed' | 'closed'>> & { ptoCount?: number } = {}): FakePath {
  return {
    id,
    validated: state.validated ?? true,
    backup: state.backup ?? false,
    failed: state.failed ?? false,
    closed: state.closed ?? false,
    hasRemoteCid: true,
    ptoCount: state.ptoCount ?? 0,
    srttMs,
  };
}

export function ids(paths: readonly SchedulerPath[]): number[] {
  return paths.map((p) => p.id);
}
