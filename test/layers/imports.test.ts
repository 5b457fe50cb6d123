// The import graph of the whole tree (ARCHITECTURE §1): no cycle ties files of different concerns
// together, and main/ never imports a worker entry (it starts one by the path `?modulePath` gives).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(__dirname, '../..');
const layers = ['src', 'main', 'workers', 'cli', 'preload', 'renderer', 'bench'];

function sourceFiles(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|vue)$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The file a relative import names, if it is one of ours. */
function resolveImport(from: string, specifier: string): string | null {
  const base = resolve(dirname(from), specifier);
  for (const candidate of [base, `${base}.ts`, `${base}.vue`, join(base, 'index.ts')]) {
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not this one
    }
  }
  return null;
}

/** Every file's imports of other files of the tree (type-only ones too: a cycle of types still ties files together); `?modulePath` imports name a bundle's path, not code. */
export function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of layers.flatMap((layer) => sourceFiles(join(root, layer)))) {
    const text = readFileSync(file, 'utf8');
    const targets = [...text.matchAll(/(?:import|export)\s[^'"]*?from\s+'(\.[^']+)'|import\s+'(\.[^']+)'|import\('(\.[^']+)'\)/g)]
      .map((match) => match[1] ?? match[2] ?? match[3] ?? '')
      .filter((specifier) => !specifier.includes('?'))
      .map((specifier) => resolveImport(file, specifier))
      .filter((target): target is string => target !== null);
    graph.set(relative(root, file), [...new Set(targets.map((target) => relative(root, target)))]);
  }
  return graph;
}

/** A file's concern: its folder (src/checker, main/lab, renderer/stores …). */
export function concernOf(file: string): string {
  return dirname(file);
}

/** The strongly connected components of more than one file (Tarjan). */
export function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (file: string): void => {
    index.set(file, next);
    low.set(file, next);
    next++;
    stack.push(file);
    onStack.add(file);
    for (const target of graph.get(file) ?? []) {
      if (!index.has(target)) {
        visit(target);
        low.set(file, Math.min(low.get(file) as number, low.get(target) as number));
      } else if (onStack.has(target)) {
        low.set(file, Math.min(low.get(file) as number, index.get(target) as number));
      }
    }
    if (low.get(file) !== index.get(file)) return;
    const component: string[] = [];
    for (;;) {
      const member = stack.pop() as string;
      onStack.delete(member);
      component.push(member);
      if (member === file) break;
    }
    if (component.length > 1) found.push(component.sort());
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return found;
}

describe('the import graph (issue 19)', () => {
  it('the finder sees a cycle across concerns when there is one', () => {
    const graph = new Map([
      ['src/a/x.ts', ['src/b/y.ts']],
      ['src/b/y.ts', ['src/a/x.ts']],
      ['src/c/z.ts', []],
    ]);
    expect(cycles(graph)).toEqual([['src/a/x.ts', 'src/b/y.ts']]);
  });

  it('reads the tree: imports, re-exports and type-only imports', () => {
    const graph = importGraph();
    expect(graph.get('main/lab/threadsRun.ts')).toContain('src/contract/worker.ts');
    expect(graph.get('src/protocol/raft/index.ts')).toContain('src/protocol/raft/facts.ts');
    expect(graph.size).toBeGreaterThan(200);
  });

  it('no cycle ties files of different concerns together', () => {
    const crossing = cycles(importGraph()).filter((component) => new Set(component.map(concernOf)).size > 1);
    expect(crossing).toEqual([]);
  });

  it('main/ never imports a worker entry: the worker contract lives in src/contract/worker.ts', () => {
    const graph = importGraph();
    const offending = [...graph].flatMap(([file, targets]) => (file.startsWith('main/') ? targets.filter((target) => /\.worker\.ts$/.test(target)).map((target) => `${file} → ${target}`) : []));
    expect(offending).toEqual([]);
  });
});
