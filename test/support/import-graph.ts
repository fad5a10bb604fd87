// The import graph of a source tree and the cycles in it: every import the
// TypeScript pre-processor sees (value and type-only imports, re-exports,
// side-effect imports, `import('...')` in types and in code), with relative
// `.js` specifiers resolved to the `.ts` files they compile from.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/** A directed graph: each file (a path relative to the root, with `/`) and the files it imports. */
export type ImportGraph = ReadonlyMap<string, readonly string[]>;

/** What reading a tree found: its import graph and the relative specifiers that resolved to no file. */
export interface ImportScan {
  /** Every `.ts` file under the root and the files under the root it imports, sorted. */
  readonly graph: ImportGraph;
  /** `file: specifier` for each relative import that names no file (the graph would be incomplete). */
  readonly unresolved: readonly string[];
}

/** Lists the `.ts` files under a folder (declaration files included), depth first, sorted. */
function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...sourceFiles(full));
    else if (name.endsWith('.ts')) out.push(full);
  }
  return out;
}

/** The file a relative specifier names: `./x.js` compiles from `./x.ts`; `undefined` if neither exists. */
function resolveRelative(from: string, specifier: string): string | undefined {
  const target = resolve(dirname(from), specifier);
  const candidates = [target.replace(/\.js$/, '.ts'), target.replace(/\.js$/, '.d.ts'), target, `${target}.ts`, join(target, 'index.ts')];
  return candidates.find((c) => existsSync(c) && statSync(c).isFile());
}

/** Reads every `.ts` file under `root` and returns its import graph (package imports are left out). */
export function scanImports(root: string): ImportScan {
  const graph = new Map<string, string[]>();
  const unresolved: string[] = [];
  const key = (file: string): string => relative(root, file).split(sep).join('/');
  for (const file of sourceFiles(root)) {
    const imported = ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles;
    const edges = new Set<string>();
    for (const { fileName } of imported) {
      if (!fileName.startsWith('.')) continue;
      const target = resolveRelative(file, fileName);
      if (target === undefined) unresolved.push(`${key(file)}: ${fileName}`);
      else if (!relative(root, target).startsWith('..')) edges.add(key(target));
    }
    graph.set(key(file), [...edges].sort());
  }
  return { graph, unresolved };
}

/**
 * The strongly connected components of a graph that hold a cycle (two or more files, or one file that
 * imports itself), each as a list of its files, sorted; Tarjan's algorithm, iterative.
 */
export function cyclicComponents(graph: ImportGraph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  let next = 0;
  for (const start of [...graph.keys()].sort()) {
    if (index.has(start)) continue;
    const frames: { node: string; edge: number }[] = [{ node: start, edge: 0 }];
    index.set(start, next);
    low.set(start, next++);
    stack.push(start);
    onStack.add(start);
    while (frames.length > 0) {
      const frame = frames[frames.length - 1]!;
      const edges = graph.get(frame.node) ?? [];
      if (frame.edge < edges.length) {
        const to = edges[frame.edge++]!;
        if (!index.has(to)) {
          index.set(to, next);
          low.set(to, next++);
          stack.push(to);
          onStack.add(to);
          frames.push({ node: to, edge: 0 });
        } else if (onStack.has(to)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(to)!));
        }
        continue;
      }
      frames.pop();
      const parent = frames[frames.length - 1];
      if (parent !== undefined) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) !== index.get(frame.node)) continue;
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== frame.node);
      const selfLoop = (graph.get(frame.node) ?? []).includes(frame.node);
      if (component.length > 1 || selfLoop) out.push(component.sort());
    }
  }
  return out.sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
}

/** One cycle through the first file of a component, found by breadth-first search inside it: `a -> b -> a`. */
export function cycleThrough(graph: ImportGraph, component: readonly string[]): string[] {
  const members = new Set(component);
  const start = component[0]!;
  const cameFrom = new Map<string, string>();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const node = queue[i]!;
    for (const to of graph.get(node) ?? []) {
      if (!members.has(to)) continue;
      if (to === start) {
        const path = [node];
        while (path[0] !== start) path.unshift(cameFrom.get(path[0]!)!);
        return [...path, start];
      }
      if (cameFrom.has(to)) continue;
      cameFrom.set(to, node);
      queue.push(to);
    }
  }
  return [start];
}

/** A readable account of each cyclic component: one cycle through it and every file it holds. */
export function describeCycles(graph: ImportGraph): string[] {
  return cyclicComponents(graph).map(
    (component) => `${cycleThrough(graph, component).join(' -> ')}  (component: ${component.join(', ')})`,
  );
}
