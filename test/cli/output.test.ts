// Terminal or not (src/cli/output.ts): colour only on a terminal without NO_COLOR, progress redrawn in
// place on a terminal and as plain lines, at most one a second per block, elsewhere.
import { describe, expect, it } from 'vitest';
import { colorEnabled, fitWidth, paint, ProgressBoard, type TextStream } from '../../src/cli/output.js';

function stream(isTTY: boolean, columns?: number): TextStream & { text: string } {
  const s = { text: '', isTTY, columns, write: (t: string) => void (s.text += t) };
  return s;
}

describe('colour', () => {
  it('is on for a terminal only, and NO_COLOR (non-empty) or TERM=dumb turns it off', () => {
    expect(colorEnabled(stream(true), {})).toBe(true);
    expect(colorEnabled(stream(false), {})).toBe(false);
    expect(colorEnabled(stream(true), { NO_COLOR: '1' })).toBe(false);
    expect(colorEnabled(stream(true), { NO_COLOR: '' })).toBe(true);
    expect(colorEnabled(stream(true), { TERM: 'dumb' })).toBe(false);
    expect(paint('ok', 'green', true)).toBe('\x1b[32mok\x1b[0m');
    expect(paint('ok', 'green', false)).toBe('ok');
  });

  it('cuts a line to the screen width without counting colour sequences', () => {
    expect(fitWidth('abcdef', 4)).toBe('abcd');
    expect(fitWidth(`a${paint('bcd', 'red', true)}ef`, 3)).toBe('a\x1b[31mbc\x1b[0m');
  });
});

describe('ProgressBoard', () => {
  it('without a terminal writes one plain line per block at most every interval, and the last line always', () => {
    let now = 0;
    const out = stream(false);
    const board = new ProgressBoard(out, { now: () => now });
    board.show('a', { summary: 'a 1', details: ['p0', 'p1'] });
    now = 500;
    board.show('a', { summary: 'a 2', details: ['p0'] });
    board.show('b', { summary: 'b 1', details: [] });
    now = 1000;
    board.show('a', { summary: 'a 3', details: [] });
    board.log('note');
    board.finish('a', { summary: 'a done', details: ['p0 final'] });
    expect(out.text).toBe('a 1; p0; p1\nb 1\na 3\nnote\na done; p0 final\n');
    expect(out.text).not.toMatch(/\x1b/);
  });

  it('on a terminal redraws every block in place and leaves a finished one above the others', () => {
    const out = stream(true, 80);
    const board = new ProgressBoard(out);
    board.show('a', { summary: 'a 1', details: ['p0'] });
    expect(out.text).toBe('a 1\x1b[K\n  p0\x1b[K\n\x1b[J');
    out.text = '';
    board.show('b', { summary: 'b 1', details: [] });
    // Back up over the two lines drawn, then both blocks.
    expect(out.text).toBe('\x1b[2A\ra 1\x1b[K\n  p0\x1b[K\nb 1\x1b[K\n\x1b[J');
    out.text = '';
    board.finish('a', { summary: 'a done', details: [] });
    expect(out.text).toBe('\x1b[3A\ra done\x1b[K\nb 1\x1b[K\n\x1b[J');
    out.text = '';
    board.log('note');
    expect(out.text).toBe('\x1b[1A\rnote\x1b[K\nb 1\x1b[K\n\x1b[J');
  });
});
