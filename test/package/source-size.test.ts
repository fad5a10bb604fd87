// Source files stay small enough to read as one concept each (docs/design.md): none over 900 lines, and
// the two coordinators under their own budgets, connection.ts (the engine's facade, the receive pipeline
// and the scheduler loop) under 900 and the Node socket (the Duplex, the net API, event translation)
// under 600. A file that outgrows its budget is a sign that another concept moved in: split it out.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { expect, test } from 'vitest';

const SRC = resolve(import.meta.dirname, '../../src');
/** Most lines of any source file. */
const ANY_FILE = 900;
/** Files with a budget of their own: fewer lines than this. */
const BUDGETS: Readonly<Record<string, number>> = { 'core/connection.ts': 900, 'node/socket.ts': 600 };

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

function lineCount(path: string): number {
  const text = readFileSync(path, 'utf8');
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

test(`no source file is over ${ANY_FILE} lines, connection.ts is under 900 and socket.ts under 600`, () => {
  const lines = new Map(sourceFiles(SRC).map((path) => [relative(SRC, path).split('\\').join('/'), lineCount(path)]));
  expect(lines.size).toBeGreaterThan(100);
  const over = [...lines].filter(([, n]) => n > ANY_FILE).map(([file, n]) => `${file}: ${n}`);
  expect(over).toEqual([]);
  for (const [file, budget] of Object.entries(BUDGETS)) {
    expect(lines.has(file), file).toBe(true);
    expect(lines.get(file), file).toBeLessThan(budget);
  }
});
