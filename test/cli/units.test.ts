// How sizes, rates and durations are printed (src/cli/units.ts).
import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, formatRate, formatShare } from '../../src/cli/units.js';

describe('units', () => {
  it('prints binary sizes, rates, durations and shares', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(5 * 1024 * 1024)).toBe('5.0 MiB');
    expect(formatBytes(3 * 1024 ** 3)).toBe('3.0 GiB');
    expect(formatRate(2048)).toBe('2.0 KiB/s');
    expect(formatRate(Number.NaN)).toBe('0 B/s');
    expect(formatDuration(349.6)).toBe('350 ms');
    expect(formatDuration(2100)).toBe('2.10 s');
    expect(formatShare(1, 3)).toBe('33%');
    expect(formatShare(1, 0)).toBe('0%');
  });
});
