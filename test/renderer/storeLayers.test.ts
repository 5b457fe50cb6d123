import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const storesFolder = join(__dirname, '../../renderer/stores');

/** Each store file's imports of other store files (type-only imports too: a cycle of types still ties the files together). */
function storeImports(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of readdirSync(storesFolder).filter((name) => name.endsWith('.ts'))) {
    const text = readFileSync(join(storesFolder, file), 'utf8');
    const targets = [...text.matchAll(/from '\.\/([A-Za-z]+)'/g)].map((match) => `${match[1]}.ts`);
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** The first cycle found, as the files along it; null when the graph has none. */
function cycleOf(graph: Map<string, string[]>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (file: string): string[] | null => {
    if (state.get(file) === 'done') return null;
    if (state.get(file) === 'open') return [...path.slice(path.indexOf(file)), file];
    state.set(file, 'open');
    path.push(file);
    for (const next of graph.get(file) ?? []) {
      const found = visit(next);
      if (found !== null) return found;
    }
    path.pop();
    state.set(file, 'done');
    return null;
  };
  for (const file of graph.keys()) {
    const found = visit(file);
    if (found !== null) return found;
  }
  return null;
}

describe('renderer stores (issue 19): a one-way stack', () => {
  it('the finder sees a cycle when there is one', () => {
    expect(cycleOf(new Map([['a.ts', ['b.ts']], ['b.ts', ['a.ts']]]))).toEqual(['a.ts', 'b.ts', 'a.ts']);
  });

  it('no store file imports, through any chain, one that imports it back', () => {
    const graph = storeImports();
    expect(graph.get('run.ts')).toContain('trace.ts');
    expect(cycleOf(graph)).toBeNull();
  });

  it('the cluster, network and consistency domains live in files of their own, none over 300 lines', () => {
    for (const file of ['cluster.ts', 'network.ts', 'consistency.ts']) expect(readFileSync(join(storesFolder, file), 'utf8').split('\n').length).toBeLessThan(300);
  });
});
