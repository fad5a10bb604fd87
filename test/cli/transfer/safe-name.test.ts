// A received file never lands outside the receiver's folder (src/cli/transfer/safe-name.ts).
import { describe, expect, it } from 'vitest';
import { FALLBACK_NAME, safeFileName } from '../../../src/cli/transfer/safe-name.js';

describe('safeFileName', () => {
  it('keeps only the last path component, of either separator', () => {
    expect(safeFileName('report.pdf')).toBe('report.pdf');
    expect(safeFileName('../../etc/passwd')).toBe('passwd');
    expect(safeFileName('/abs/path/x.bin')).toBe('x.bin');
    expect(safeFileName('..\\..\\Windows\\win.ini')).toBe('win.ini');
    expect(safeFileName('C:evil.txt')).toBe('Cevil.txt');
    expect(safeFileName('.bashrc')).toBe('.bashrc');
  });

  it('leaves nothing of dot names, control characters or trailing dots and spaces', () => {
    for (const name of ['..', '.', '...', 'a/..', 'dir/', '', '\u0000', '. .']) expect(safeFileName(name)).toBe(FALLBACK_NAME);
    expect(safeFileName('a\nb\u0007c')).toBe('abc');
    expect(safeFileName('name. . ')).toBe('name');
  });

  it('cuts a long name to 255 bytes of UTF-8 without splitting a character', () => {
    const cut = safeFileName('é'.repeat(200));
    expect(Buffer.byteLength(cut, 'utf8')).toBe(254);
    expect(cut).toBe('é'.repeat(127));
  });
});
