// No import cycles in src/, type-only imports included: every file's imports (value and type-only
// imports, re-exports, side-effect imports, `import('...')` types) form a graph without cycles, and so
// do the top-level folders of src/ (core, cc, path-managers, node, sim...), so each layer depends only
// on the layers below it. The graph is read with the TypeScript pre-processor (test/support/import-graph.ts).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { cyclicComponents, describeCycles, scanImports, type ImportGraph } from '../support/import-graph.js';

const SRC = resolve(import.meta.dirname, '../../src');

/**
 * Cycles known and left for the work that owns their files, each as its sorted component. The test
 * fails if one of them disappears, so the list only shrinks.
 * - node/server.ts and node/socket.ts: the server makes sockets (MptSocket, ADOPT, SET_SERVER) and a
 *   socket's public `server` property is typed MptServer (and it returns MptAddressInfo). Breaking it
 *   needs `socket.server` typed by an interface outside server.ts: for the split of socket.ts to decide.
 */
const PENDING: readonly (readonly string[])[] = [];

/** The graph of the top-level folders of src/ (a file directly under src/ is its own node). */
function folderGraph(graph: ImportGraph): ImportGraph {
  const folder = (file: string): string => file.split('/')[0]!;
  const out = new Map<string, Set<string>>();
  for (const [file, imports] of graph) {
    const from = folder(file);
    if (!out.has(from)) out.set(from, new Set());
    for (const target of imports) if (folder(target) !== from) out.get(from)!.add(folder(target));
  }
  return new Map([...out].map(([k, v]) => [k, [...v].sort()]));
}

describe('the cycle finder', () => {
  test('reports every cycle of a synthetic graph, one line per strongly connected component', () => {
    const graph: ImportGraph = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts', 'd.ts']],
      ['d.ts', ['d.ts']],
      ['e.ts', ['a.ts']],
      ['f.ts', []],
    ]);
    expect(cyclicComponents(graph)).toEqual([['a.ts', 'b.ts', 'c.ts'], ['d.ts']]);
    expect(describeCycles(graph)).toEqual(['a.ts -> b.ts -> c.ts -> a.ts  (component: a.ts, b.ts, c.ts)', 'd.ts -> d.ts  (component: d.ts)']);
    expect(describeCycles(new Map([['a.ts', ['b.ts']], ['b.ts', []]]))).toEqual([]);
  });

  test('reads type-only imports, re-exports and import() types, resolving .js to .ts', () => {
    const root = mkdtempSync(join(tmpdir(), 'mpt-cycles-'));
    const files: Record<string, string> = {
      'a.ts': "import type { B } from './b.js';\nexport const a: B | undefined = undefined;\n",
      'b.ts': "export type { C as B } from './sub/c.js';\n",
      'sub/c.ts': "export type C = import('../d.js').D;\n",
      'sub/index.ts': "export * from './c.js';\nimport 'node:fs';\n",
      'd.ts': "import { a } from './a.js';\nexport type D = typeof a;\n// import { x } from './nowhere.js';\n",
      'e.ts': "import { f } from './missing.js';\n",
    };
    try {
      for (const [name, text] of Object.entries(files)) {
        mkdirSync(dirname(join(root, name)), { recursive: true });
        writeFileSync(join(root, name), text);
      }
      const { graph, unresolved } = scanImports(root);
      expect(graph.get('a.ts')).toEqual(['b.ts']);
      expect(graph.get('b.ts')).toEqual(['sub/c.ts']);
      expect(graph.get('sub/c.ts')).toEqual(['d.ts']);
      expect(graph.get('sub/index.ts')).toEqual(['sub/c.ts']);
      expect(graph.get('d.ts')).toEqual(['a.ts']);
      expect(unresolved).toEqual(['e.ts: ./missing.js']);
      expect(describeCycles(graph)).toEqual(['a.ts -> b.ts -> sub/c.ts -> d.ts -> a.ts  (component: a.ts, b.ts, d.ts, sub/c.ts)']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('src/ has no import cycles', () => {
  const { graph, unresolved } = scanImports(SRC);

  test('every relative import names a file (the graph is complete)', () => {
    expect(graph.size).toBeGreaterThan(100);
    expect(unresolved).toEqual([]);
  });

  test('between files, type-only imports included', () => {
    const pending = new Set(PENDING.map((c) => c.join(', ')));
    const found = cyclicComponents(graph);
    const unexpected = describeCycles(graph).filter((_, i) => !pending.has(found[i]!.join(', ')));
    expect(unexpected, `import cycles in src/:\n${unexpected.join('\n')}`).toEqual([]);
    const gone = [...pending].filter((c) => !found.some((f) => f.join(', ') === c));
    expect(gone, 'a pending cycle is gone: take it off PENDING').toEqual([]);
  });

  test('between the top-level folders of src/ (core never imports path-managers, node, sim...)', () => {
    const folders = folderGraph(graph);
    const cycles = describeCycles(folders);
    expect(cycles, `folder cycles in src/:\n${cycles.join('\n')}`).toEqual([]);
    expect(folders.get('core')).not.toContain('path-managers');
  });
});
