// Colour only on a terminal, and never with NO_COLOR set to something.
import { describe, expect, it } from 'vitest';
import { benchStyle } from '../../../src/cli/bench/bench-style.js';

describe('benchStyle', () => {
  it('styles on a terminal without NO_COLOR', () => {
    const style = benchStyle(true, {});
    expect(style.heading('x')).toBe('\x1b[1mx\x1b[22m');
    expect(style.bad('x')).toBe('\x1b[31mx\x1b[39m');
    expect(benchStyle(true, { NO_COLOR: '' }).heading('x')).toContain('\x1b[');
  });

  it('is plain when stdout is not a terminal, or NO_COLOR is set', () => {
    for (const style of [benchStyle(false, {}), benchStyle(true, { NO_COLOR: '1' }), benchStyle(false, { NO_COLOR: 'yes' })]) {
      expect(style.heading('x')).toBe('x');
      expect(style.bad('x')).toBe('x');
    }
  });
});
